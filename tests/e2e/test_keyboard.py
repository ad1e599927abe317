"""Each form walked by keyboard alone: Tab order, visible focus, Enter submits, errors focused and announced."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.journey import polish_edition, solve_challenge
from tests.factories import NomineeFactory

pytestmark = pytest.mark.e2e

FOCUS_RING = """() => {
  const e = document.activeElement, s = getComputedStyle(e);
  // Any CSS colour (rgb, oklch…) to sRGB through a canvas pixel.
  const ctx = Object.assign(document.createElement('canvas'), {width: 1, height: 1}).getContext('2d');
  const rgb = c => { ctx.clearRect(0, 0, 1, 1); ctx.fillStyle = c; ctx.fillRect(0, 0, 1, 1); return [...ctx.getImageData(0, 0, 1, 1).data].slice(0, 3); };
  const lum = c => { const [r, g, b] = rgb(c).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                     return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  // The background the ring is drawn on: the nearest painted ancestor whose box holds the whole ring.
  const grow = parseFloat(s.outlineWidth) + Math.max(0, parseFloat(s.outlineOffset) || 0);
  const r = e.getBoundingClientRect();
  let bg = 'rgb(255, 255, 255)';
  for (let n = e.parentElement; n; n = n.parentElement) {
    const c = getComputedStyle(n).backgroundColor, b = n.getBoundingClientRect();
    const holds = b.left <= r.left - grow && b.top <= r.top - grow && b.right >= r.right + grow && b.bottom >= r.bottom + grow;
    if (holds && c && !c.startsWith('rgba(0, 0, 0, 0)') && c !== 'transparent') { bg = c; break; }
  }
  const [a, b] = [lum(s.outlineColor), lum(bg)].sort((x, y) => y - x);
  return {tag: e.tagName, name: e.getAttribute('name') || e.textContent.trim().slice(0, 30),
          width: parseFloat(s.outlineWidth), style: s.outlineStyle, color: s.outlineColor, bg, contrast: (a + 0.05) / (b + 0.05)};
}"""


def tab(page: Page) -> dict:
    page.keyboard.press("Tab")
    ring = page.evaluate(FOCUS_RING)
    assert ring["style"] != "none" and ring["width"] >= 2, f"no visible focus on {ring}"
    assert ring["contrast"] >= 3, f"focus ring under 3:1 on {ring}"
    return ring


def test_skip_link_is_the_first_stop_and_moves_to_the_content(page: Page, live_site):
    page.goto("/en/receipt/")
    first = tab(page)
    assert first["tag"] == "A"
    expect(page.locator(".skip-link")).to_be_focused()
    expect(page.locator(".skip-link")).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_vote_form_by_keyboard_honeypot_is_no_stop_and_enter_submits(page: Page, live_site):
    edition, category = polish_edition()
    nominee = NomineeFactory(category=category, firm__name="Łódź Spółdzielnia Mleczarska")
    page.goto(f"/en/e/{edition.slug}/c/{category.slug}/")
    page.locator("main form input[name=nominee]").first.focus()
    page.keyboard.press("Space")
    stops = [tab(page)["name"] for _i in range(4)]
    # The hidden "homepage" is never a stop; the robot check (ALTCHA's checkbox) comes before "Vote".
    assert stops[:2] == ["email", "consent"] and stops[-1] == "Vote" and "homepage" not in stops, stops
    page.locator("input[name=email]").fill("keyboard@example.com")
    page.locator("input[name=consent]").focus()
    page.keyboard.press("Space")
    solve_challenge(page)
    page.locator("main form button[type=submit]").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/en/e/{edition.slug}/vote/sent/$"))
    assert nominee.votes.count() == 1


def test_failed_nomination_focuses_a_summary_whose_links_focus_each_field(page: Page, live_site):
    edition, _category = polish_edition()
    page.goto(f"/en/e/{edition.slug}/nominate/")
    page.locator("main form button[type=submit]").focus()
    page.keyboard.press("Enter")
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary.get_by_role("link")).to_have_count(10)  # every empty required field, once
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#id_firm_name")).to_be_focused()
    page.keyboard.type("Piekarnia")
    expect(page.locator("#id_firm_name")).to_have_value("Piekarnia")


def test_language_switch_does_not_move_on_arrow_keys_and_submits_with_its_button(page: Page, live_site):
    page.goto("/en/receipt/")
    select = page.locator("#language-select")
    select.focus()
    page.keyboard.press("ArrowDown")
    page.wait_for_load_state()
    expect(page).to_have_url(re.compile(r"/en/receipt/$"))
    tab(page)
    expect(page.locator("#language-submit")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("html")).not_to_have_attribute("lang", "en")


def test_phone_menu_collapses_and_opens_by_keyboard(page: Page, live_site):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/en/")
    results_link = page.locator("#site-menu").get_by_role("link", name="Results", exact=True)
    expect(results_link).to_be_hidden()
    toggler = page.locator(".navbar-toggler")
    expect(toggler).to_have_attribute("aria-expanded", "false")
    toggler.focus()
    page.keyboard.press("Enter")
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(results_link).to_be_visible()
    expect(page.locator("#language-submit")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_receipt_and_verify_forms_submit_with_enter(page: Page, live_site):
    page.goto("/en/receipt/")
    page.locator("#id_code").focus()
    page.keyboard.type("ABCD-EFGH-JKLM")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"code=ABCD-EFGH-JKLM"))
    page.goto("/en/verify/")
    page.locator("#id_serial").focus()
    page.keyboard.press("Enter")
    expect(page.locator("[data-error-summary]")).to_be_focused()
