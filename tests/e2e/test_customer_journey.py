"""The customer journey in a real browser: nominate, vote, confirm by e-mail, check, see results.

Runs headless Chromium (tests/e2e/conftest.py) against pytest-django's live
server. Mail goes to the locmem outbox and Celery runs eagerly, both in this
process, so the confirmation link is read from django.core.mail.outbox.

Translations are compiled independently of these tests, so translated text is
compared with what Django's own gettext gives for the language (the English
text while no catalogue exists); the language itself is checked through the
URL prefix and <html lang>, and names from the database must render exactly.
"""

import re

import pytest
from django.core import mail
from django.db import connection
from playwright.sync_api import Page, expect

from nominations.models import Firm, Nomination, Nominee, Vote
from nominations.registration import cui_from_body
from tests.e2e.journey import (
    BANCA,
    LODZ,
    RECEIPT_CODE,
    confirmation_link,
    h1,
    in_language,
    mails_to,
    polish_edition,
    read_mail,
    release,
    result_row,
    solve_challenge,
    t,
    valid_nip,
    vote,
)
from tests.factories import CategoryFactory, EditionFactory, NomineeFactory


def test_nominate_vote_confirm_and_see_results_in_english(page: Page, live_site, artifacts_dir):
    edition, category = polish_edition()
    nip = valid_nip()
    typed_nip = f"PL{nip[:3]}-{nip[3:6]}-{nip[6:8]}-{nip[8:]}"
    voter = "anna.nowak@example.com"

    # Home: the edition and its category.
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/en/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    edition_card = page.locator("section.card", has=page.get_by_role("heading", name=str(edition)))
    expect(edition_card).to_be_visible()
    expect(edition_card.get_by_role("link", name="Banking", exact=True)).to_be_visible()

    # Nominate a firm, every field filled.
    edition_card.get_by_role("link", name="Nominate a firm").click()
    expect(page).to_have_url(re.compile(rf"/en/e/{edition.slug}/nominate/$"))
    expect(h1(page)).to_contain_text("Nominate a firm")
    page.get_by_label("Category").select_option(label="Banking")
    page.get_by_label("Firm name").fill(LODZ)
    page.get_by_label("City or branch").fill("Łódź")
    page.get_by_label("Website").fill("https://mleczarnia-lodz.example.pl")
    page.get_by_label("Registration number").fill(typed_nip)
    page.get_by_role("group", name="How did you contact them?").get_by_role("radio", name="Office").check()
    ratings = {
        "Fast and responsive": 5,
        "Personalised (a person, not a number)": 4,
        "Competent": 5,
        "Friendly and courteous": 3,
        "Helpful": 4,
    }
    for quality, rating in ratings.items():
        page.get_by_role("group", name=quality).get_by_role("radio", name=str(rating), exact=True).check()
    reason = "Pani w okienku cierpliwie wszystko wyjaśniła i oddzwoniła następnego dnia."
    page.get_by_label("Why do they deserve it?").fill(reason)
    solve_challenge(page)
    page.get_by_role("button", name="Send nomination").click()

    expect(h1(page)).to_have_text("Thank you for your nomination")
    expect(page).to_have_url(re.compile(rf"/en/e/{edition.slug}/nominate/thanks/$"))

    firm = Firm.objects.get(country="PL", registration_number=nip)  # stored as bare digits
    assert firm.name == LODZ
    assert firm.website == "https://mleczarnia-lodz.example.pl"
    nominee = Nominee.objects.get(category=category, firm=firm)
    assert nominee.edition == edition
    nomination = Nomination.objects.get(nominee=nominee)
    assert nomination.submitted_name == LODZ
    assert nomination.city == "Łódź"
    assert nomination.channel == "office"
    assert nomination.reason == reason
    assert (
        nomination.rating_fast,
        nomination.rating_personalised,
        nomination.rating_competent,
        nomination.rating_friendly,
        nomination.rating_helpful,
    ) == (5, 4, 5, 3, 4)

    # Vote for the new nominee.
    page.get_by_role("link", name="Back to the edition").click()
    page.get_by_role("link", name="Banking", exact=True).click()
    expect(h1(page)).to_have_text("Banking")
    page.get_by_role("radio", name=LODZ, exact=True).check()
    page.get_by_label("Your e-mail address").fill(voter)
    page.get_by_role("checkbox", name="I agree that my e-mail address is used").check()
    # The proof of work: a labelled checkbox (its label says "Checked" once solved) that takes
    # keyboard focus; it solved itself while the form was being filled in.
    robot = page.locator("main form altcha-widget input[type=checkbox]")
    robot.focus()
    expect(robot).to_be_focused()
    solve_challenge(page)
    page.get_by_role("button", name="Vote", exact=True).click()

    expect(h1(page)).to_have_text("Check your e-mail")
    expect(page).to_have_url(re.compile(rf"/en/e/{edition.slug}/vote/sent/$"))
    pending = Vote.objects.get()
    assert pending.confirmed_at is None and pending.nominee == nominee and pending.language == "en"

    # The e-mail and its link.
    assert len(mails_to(voter)) == 1
    message = read_mail(voter)
    assert message.subject == "Confirm your vote in Banking"
    assert LODZ in message.body
    link = confirmation_link(message, live_site.url)
    assert link.startswith(f"{live_site.url}/en/vote/confirm/")

    page.goto(link)
    expect(h1(page)).to_have_text("Confirm your vote")
    expect(page.locator("main")).to_contain_text(f"You are voting for {LODZ} in the category Banking")
    assert Vote.objects.get().confirmed_at is None  # opening the link alone counts nothing
    page.get_by_role("button", name="Confirm my vote").click()

    expect(h1(page)).to_have_text("Thank you, your vote counts")
    code_element = page.locator("main .receipt-code")
    expect(code_element).to_have_text(RECEIPT_CODE)
    code = code_element.inner_text()
    counted = Vote.objects.get()
    assert counted.confirmed_at is not None
    assert counted.receipt_code == code

    # The receipt page, from the link after confirming and from the form.
    page.get_by_role("main").get_by_role("link", name="Check my vote").click()
    expect(page).to_have_url(re.compile(r"/en/receipt/\?code="))
    expect(page.get_by_role("main").get_by_role("status")).to_contain_text(
        f"This vote for {LODZ} in Banking ({edition}) was confirmed on"
    )
    expect(page.get_by_role("main").get_by_role("status")).to_contain_text("is counted")

    page.get_by_role("navigation").get_by_role("link", name="Check my vote").click()
    page.get_by_label("Receipt code").fill(code.replace("-", "").lower())
    page.get_by_role("button", name="Check", exact=True).click()
    expect(page.get_by_role("main").get_by_role("status")).to_contain_text("is counted")

    # Results: closed and released by a superuser, then shown with one counted vote.
    page.goto(f"/en/e/{edition.slug}/results/")
    expect(page.get_by_role("main").get_by_role("status")).to_contain_text("The results are not published yet")
    release(edition)

    page.goto(f"/en/e/{edition.slug}/results/")
    expect(h1(page)).to_contain_text("Results")
    expect(page.locator("main section h2")).to_contain_text("Banking")
    expect(page.locator("main section h2")).to_contain_text("1 counted vote")
    row = result_row(page, LODZ)
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(0)).to_have_text(LODZ)
    expect(row.locator("td").nth(1)).to_have_text("1")
    expect(row.locator("td").nth(2)).to_have_text("100.0 %")
    chart = page.locator("ol.results-chart")
    expect(chart).to_have_count(1)
    expect(chart.locator(".chart-name").first).to_have_text(LODZ)  # the full name, in CSS pixels
    expect(chart.locator(".chart-votes").first).to_have_text("1")
    expect(page.locator("#edition-digest")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))

    page.screenshot(path=str(artifacts_dir / "results-en.png"), full_page=True)

    # Anyone can check the count: the voter finds their vote's line in the published ledger.
    page.get_by_role("link", name="Find your line with your receipt code").click()
    page.get_by_label("Receipt code").fill(code)
    page.get_by_role("button", name="Check", exact=True).click()
    expect(page.locator("#ledger-line-text")).to_have_text(
        re.compile(r"^banking,[0-9a-f]{32},\d+,\d{4}-\d\d-\d\d,counted,$")
    )


# Journey 2: the voter in Polish and in Romanian ------------------------------


def _edition_for(country: str):
    edition = EditionFactory(country=country, slug=f"{country.lower()}-2026")
    category = CategoryFactory(edition=edition, slug="banking", name_en="Banking", name_pl="Bankowość", name_ro="Bănci")
    if country == "RO":
        numbers = [cui_from_body("1234567"), cui_from_body("7654321")]
    else:
        numbers = [valid_nip(526_200_000), valid_nip(526_300_000)]
    for name, number in zip((LODZ, BANCA), numbers, strict=True):
        NomineeFactory(category=category, firm__name=name, firm__country=country, firm__registration_number=number)
    return edition, category


@pytest.mark.parametrize(
    "language,country,firm,other_firm",
    [("pl", "PL", LODZ, BANCA), ("ro", "RO", BANCA, LODZ)],
    ids=["polish", "romanian"],
)
def test_vote_confirm_and_results_in_another_language(
    page: Page, live_site, artifacts_dir, language, country, firm, other_firm
):
    edition, category = _edition_for(country)
    category_name = category.name_pl if language == "pl" else category.name_ro
    voter = f"wyborca-{language}@example.com"
    base = re.escape(live_site.url)

    # Switch language with the navbar <select> and its "Change" button (choosing alone never navigates).
    page.goto("/")
    expect(page).to_have_url(re.compile(rf"^{base}/en/$"))
    page.get_by_label("Language", exact=True).select_option(language)
    page.locator("#language-submit").click()
    expect(page).to_have_url(re.compile(rf"^{base}/{language}/$"))
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("#language-select")).to_have_value(language)
    expect(page.get_by_role("navigation").get_by_role("link").first).to_have_text(t(language, "Customers' Friend"))

    # Home, then the category, names in the chosen language.
    edition_card = page.locator("section.card", has=page.get_by_role("heading", name=in_language(language, edition)))
    expect(edition_card).to_be_visible()
    edition_card.get_by_role("link", name=category_name, exact=True).click()
    expect(page).to_have_url(re.compile(rf"^{base}/{language}/e/{edition.slug}/c/banking/$"))
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(h1(page)).to_have_text(category_name)
    for name in (firm, other_firm):
        expect(page.locator("main label.form-check-label", has_text=name)).to_have_text(name)

    vote(page, firm=firm, email=voter)
    expect(page).to_have_url(re.compile(rf"^{base}/{language}/e/{edition.slug}/vote/sent/$"))
    expect(h1(page)).to_have_text(t(language, "Check your e-mail"))

    pending = Vote.objects.get()
    assert pending.language == language and pending.nominee.firm.name == firm

    assert len(mails_to(voter)) == 1
    message = read_mail(voter)
    assert firm in message.body and category_name in message.body
    link = confirmation_link(message, live_site.url)
    assert link.startswith(f"{live_site.url}/{language}/vote/confirm/")

    page.goto(link)
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(h1(page)).to_have_text(t(language, "Confirm your vote"))
    expect(page.locator("main strong", has_text=firm)).to_have_text(firm)
    page.get_by_role("button", name=t(language, "Confirm my vote")).click()

    expect(h1(page)).to_have_text(t(language, "Thank you, your vote counts"))
    expect(page.locator("main strong", has_text=firm)).to_have_text(firm)
    code = page.locator("main .receipt-code").inner_text()
    assert RECEIPT_CODE.match(code)
    assert Vote.objects.get(confirmed_at__isnull=False).receipt_code == code

    page.locator("main a[href*='/receipt/']").click()
    expect(page).to_have_url(re.compile(rf"^{base}/{language}/receipt/\?code="))
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_role("main").get_by_role("status")).to_contain_text(firm)

    release(edition)
    page.goto(f"/{language}/e/{edition.slug}/results/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(h1(page)).to_contain_text(t(language, "Results"))
    expect(page.locator("main section h2")).to_contain_text(category_name)
    expect(result_row(page, firm).locator("td").nth(0)).to_have_text(firm)
    expect(result_row(page, firm).locator("td").nth(1)).to_have_text("1")
    expect(result_row(page, other_firm).locator("td").nth(0)).to_have_text(other_firm)
    expect(result_row(page, other_firm).locator("td").nth(1)).to_have_text("0")
    chart = page.locator("ol.results-chart")
    expect(chart).to_have_count(1)
    expect(chart.locator(".chart-name", has_text=firm)).to_have_text(firm)
    expect(chart.locator(".chart-name", has_text=other_firm)).to_have_text(other_firm)

    page.screenshot(path=str(artifacts_dir / f"results-{language}.png"), full_page=True)


# Journey 3: a voter counts once per category ----------------------------------


def _open_category(page: Page, edition) -> None:
    page.goto(f"/en/e/{edition.slug}/c/banking/")
    expect(h1(page)).to_have_text("Banking")


def test_double_confirm_counts_once_and_second_vote_in_category_is_not_counted(
    page: Page, live_site, nominee, other_nominee
):
    edition = nominee.edition
    anna = "anna@example.com"

    # A double click on "Confirm my vote" counts one vote. (Chromium folds a double click on a
    # submit button into one POST; the form sent twice below is what makes the server decide.)
    _open_category(page, edition)
    vote(page, firm=LODZ, email=anna)
    expect(h1(page)).to_have_text("Check your e-mail")
    link = confirmation_link(read_mail(anna), live_site.url)
    page.goto(link)
    page.get_by_role("button", name="Confirm my vote").dblclick()
    # Whichever of the two answers the browser keeps, it shows the one receipt code.
    expect(h1(page)).to_have_text(re.compile(r"^(Thank you, your vote counts|Already confirmed)$"))
    expect(page.locator("main .receipt-code")).to_have_text(RECEIPT_CODE)
    counted = Vote.objects.get(email=anna, confirmed_at__isnull=False)
    assert counted.nominee == nominee
    expect(page.locator("main .receipt-code")).to_have_text(counted.receipt_code)

    # Opening the link again: already confirmed, nothing changes.
    page.goto(link)
    expect(h1(page)).to_have_text("Already confirmed")
    expect(page.get_by_role("button", name="Confirm my vote")).to_have_count(0)
    assert Vote.objects.get(pk=counted.pk).confirmed_at == counted.confirmed_at

    # The same form submitted twice: one counts, the other is told it already did. On PostgreSQL the
    # two requests race; the live server shares one in-memory SQLite connection between its request
    # threads, which cannot take two concurrent writes ("database table is locked", a test-setup
    # artifact, not the app), so there they go back to back.
    bartek = "bartek@example.com"
    _open_category(page, edition)
    vote(page, firm=BANCA, email=bartek)
    expect(h1(page)).to_have_text("Check your e-mail")
    page.goto(confirmation_link(read_mail(bartek), live_site.url))
    expect(page.get_by_role("button", name="Confirm my vote")).to_be_visible()
    answers = page.evaluate(
        """async (together) => {
            const form = document.querySelector("main form");
            const send = () => fetch(form.action, {method: "POST", body: new FormData(form)})
                .then(async (response) => ({status: response.status, body: await response.text()}));
            if (together) return Promise.all([send(), send()]);
            const first = await send();
            return [first, await send()];
        }""",
        connection.vendor != "sqlite",
    )
    assert [answer["status"] for answer in answers] == [200, 200]
    bodies = [answer["body"] for answer in answers]
    assert sum("Thank you, your vote counts" in body for body in bodies) == 1
    assert sum("Already confirmed" in body for body in bodies) == 1
    assert Vote.objects.filter(email=bartek, confirmed_at__isnull=False).count() == 1

    # Anna votes again in the category, for the other firm: the page reads the same, the mail explains.
    mails_before = len(mails_to(anna))
    _open_category(page, edition)
    vote(page, firm=BANCA, email="Anna@Example.com")
    expect(h1(page)).to_have_text("Check your e-mail")
    expect(page).to_have_url(re.compile(rf"/en/e/{edition.slug}/vote/sent/$"))
    anna_mails = [m for m in mail.outbox if m.to == ["Anna@Example.com"] or m.to == [anna]]
    assert len(anna_mails) == mails_before + 1, "the second vote must be answered by an explanation"
    explanation = anna_mails[-1]
    assert explanation.subject == "You have already voted in Banking"
    assert "Only one vote per person counts in each category" in explanation.body
    assert f"your vote for {LODZ}, receipt code {counted.receipt_code}" in explanation.body
    assert "/vote/confirm/" not in explanation.body  # nothing to confirm
    assert Vote.objects.filter(email_canonical=anna).count() == 1
    assert Vote.objects.get(email_canonical=anna, confirmed_at__isnull=False).nominee == nominee

    # Two pending votes of one voter in the category: the second link cannot count once the first did.
    celina = "celina@example.com"
    for firm in (LODZ, BANCA):
        _open_category(page, edition)
        vote(page, firm=firm, email=celina)
        expect(h1(page)).to_have_text("Check your e-mail")
    read_mail(celina)
    first_link, second_link = (confirmation_link(m, live_site.url) for m in mails_to(celina))
    page.goto(first_link)
    page.get_by_role("button", name="Confirm my vote").click()
    expect(h1(page)).to_have_text("Thank you, your vote counts")
    celina_code = page.locator("main .receipt-code").inner_text()
    page.goto(second_link)
    page.get_by_role("button", name="Confirm my vote").click()
    expect(h1(page)).to_have_text("Your vote could not be confirmed")
    expect(page.get_by_role("main").get_by_role("alert")).to_be_visible()
    expect(page.locator("main")).to_contain_text(f"Your counted vote has the receipt code {celina_code}.")
    celina_votes = Vote.objects.filter(email=celina)
    assert celina_votes.count() == 2
    assert celina_votes.filter(confirmed_at__isnull=False).get().nominee == nominee

    # In all: one counted vote per voter.
    assert Vote.objects.filter(confirmed_at__isnull=False).count() == 3
