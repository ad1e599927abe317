"""Small judgements on one vote or one group's figures, shared by the per-vote rules and the assessment."""

import re
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

import numpy as np

# Browsers driven by a program, and HTTP clients that are not browsers at all.
AUTOMATION = re.compile(
    r"headless|phantomjs|slimerjs|selenium|webdriver|puppeteer|playwright|electron/|"
    r"^curl/|^wget/|python-requests|python-urllib|python-httpx|aiohttp|^httpx|^go-http-client|"
    r"^java/|okhttp|apache-httpclient|node-fetch|^axios|undici|libwww-perl|scrapy|"
    r"^mechanize|httpclient|^ruby|^php|bot\b|spider|crawler",
    re.IGNORECASE,
)


def is_automation_agent(user_agent: str) -> bool:
    """An empty agent or a known automation one; browsers' reduced agents (Chrome 110+) are not."""
    return not user_agent.strip() or bool(AUTOMATION.search(user_agent))


_VOWELS = set("aeiouy")


def is_machine_made(local: str) -> bool:
    """A mailbox name no person picked: letters and digits interleaved, hex strings, long runs without vowels.

    "jan.kowalski85", "ana-maria.popescu", "brzeczyszczykiewicz" are names; "x7k2p9qa",
    "a81f3c09be", "qzxwvkt" are not.
    """
    name = re.sub(r"[._\-+]", "", local.lower())
    if len(name) < 6:
        return False
    switches = sum(1 for a, b in zip(name, name[1:], strict=False) if a.isdigit() != b.isdigit())
    if switches >= 3:
        return True
    if len(name) >= 10 and re.fullmatch(r"[0-9a-f]+", name) and any(c.isdigit() for c in name):
        return True
    letters = re.sub(r"[0-9]", " ", name).split()
    return any(len(run) >= 6 and not (_VOWELS & set(run)) for run in letters) or (
        sum(c in _VOWELS for c in name) < 0.15 * sum(c.isalpha() for c in name)
    )


@cache
def edition_zone(edition_id: int) -> ZoneInfo:
    from ..models import Edition  # a model read, cached per process

    edition = Edition.objects.filter(pk=edition_id).only("time_zone", "country").first()
    return edition.zone if edition else ZoneInfo("UTC")


def local_hours(times: list[float] | np.ndarray, zone: ZoneInfo) -> np.ndarray:
    """The local hour (0-23) of each epoch second; the zone's offset taken once per group (one season)."""
    times = np.asarray(times, dtype=float)
    if not len(times):
        return np.zeros(0, dtype=int)
    offset = datetime.fromtimestamp(float(np.median(times)), tz=zone).utcoffset()
    seconds = offset.total_seconds() if offset else 0.0
    return (((times + seconds) // 3600) % 24).astype(int)


def night_share(times: list[float], edition_id: int) -> float:
    """Share of votes between midnight and six in the edition's time zone."""
    if not times:
        return 0.0
    return float(np.mean(local_hours(times, edition_zone(edition_id)) < 6))


def regularity(times: list[float]) -> float:
    """Coefficient of variation of the gaps between votes: 1 for chance arrivals, near 0 for clockwork, >1 for bursts."""
    if len(times) < 6:
        return 1.0
    gaps = np.diff(np.sort(np.asarray(times, dtype=float)))
    mean = gaps.mean()
    return float(gaps.std() / mean) if mean > 0 else 0.0
