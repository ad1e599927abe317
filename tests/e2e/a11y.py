"""axe-core (from npm, node_modules/axe-core) run in the page, and the layout checks the sweeps share.

axe is evaluated through the DevTools protocol, which the page's strict CSP does not
govern, so the pages are tested with their real policy (no bypass_csp).
"""

from functools import cache
from pathlib import Path

from playwright.sync_api import Page

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.2 A and AA, as the issue asks; best-practice rules are not part of the gate.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
LANGUAGES = ("en", "pl", "ro")


@cache
def axe_source() -> str:
    if not AXE.is_file():
        raise AssertionError(f"{AXE} is missing: run `make install` (npm ci installs axe-core from package.json)")
    return AXE.read_text()


def axe_violations(page: Page) -> list[str]:
    """One line per violation and node: rule, impact, target, so a failure says where to look."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", WCAG_TAGS
    )
    return [
        f"{v['id']} ({v['impact']}): {' '.join(map(str, node['target']))} — {node['failureSummary'].splitlines()[-1].strip()}"
        for v in result["violations"]
        for node in v["nodes"]
    ]


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page scrolls sideways (0: none)."""
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


def sweep(page: Page, paths: list[str], *, languages=LANGUAGES, check_overflow=True) -> list[str]:
    """Every path in every language at both widths: axe violations and sideways scrolling, as messages."""
    problems = []
    for width_name, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        for language in languages:
            for path in paths:
                url = path.format(lang=language)
                page.goto(url)
                where = f"{url} at {width} px"
                problems += [f"{where}: {violation}" for violation in axe_violations(page)]
                if check_overflow and width_name == "phone" and (overflow := horizontal_overflow(page)) > 0:
                    problems.append(f"{where}: scrolls sideways by {overflow} px")
    return problems
