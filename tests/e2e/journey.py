"""What the customer journeys share: the firms, reading mail, voting and releasing results."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db.models import F
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Page, expect

from nominations import services
from nominations.models import FraudFlag, Vote
from nominations.registration import nip_from_body
from tests.factories import CategoryFactory, EditionFactory

pytestmark = pytest.mark.e2e

LODZ = "Łódź Spółdzielnia Mleczarska"
BANCA = "Banca Comercială Ștefănești"
RECEIPT_CODE = re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$")


# Helpers ---------------------------------------------------------------------


def t(language: str, text: str) -> str:
    """What the server shows for `text` in `language`: the translation, or the English while there is none."""
    with translation.override(language):
        return gettext(text)


def in_language(language: str, value) -> str:
    """A lazily translated value (like an edition's country) as the server renders it in `language`."""
    with translation.override(language):
        return str(value)


def h1(page: Page):
    return page.locator("main h1")


def valid_nip(start: int = 526_100_000) -> str:
    body = start
    while (nip := nip_from_body(str(body))) is None:
        body += 1
    return nip


def mails_to(address: str) -> list:
    return [message for message in mail.outbox if message.to == [address]]


def read_mail(address: str):
    """The last mail to `address`, opened the way a person does: a while after it arrived.

    A confirmation within seconds of the mail leaving is held by the fast-confirmation
    fraud rule (FRAUD_FAST_CONFIRM_SECONDS); a browser is that fast, a voter is not. So the
    sending times of this address's votes are moved a minute back instead of switching the rule off.
    """
    Vote.objects.filter(email__iexact=address, email_sent_at__isnull=False).update(
        email_sent_at=F("email_sent_at") - timedelta(minutes=1),
        first_email_sent_at=F("first_email_sent_at") - timedelta(minutes=1),  # where the rule's clock starts
    )
    return mails_to(address)[-1]


def confirmation_link(message, site_url: str) -> str:
    match = re.search(rf"{re.escape(site_url)}/\S*vote/confirm/\S+/", message.body)
    assert match, f"no confirmation link to {site_url} in:\n{message.body}"
    return match.group(0)


def solve_challenge(page: Page) -> None:
    """The ALTCHA widget solves its proof of work once the form is in use; wait until it has.

    Its checkbox is a real, labelled, keyboard-reachable checkbox; the solution lands in the
    hidden `altcha` input the form posts. No CSP violation may happen on the way.
    """
    form = page.locator("main form")
    expect(form.locator("altcha-widget input[type=checkbox]")).to_have_accessible_name(re.compile(r"\S"))
    expect(form.locator("input[name=altcha]")).to_have_value(re.compile(r".{40,}"))
    expect(form.locator("altcha-widget input[type=checkbox]")).to_be_checked()
    violations = page.evaluate("window.__cspViolations || []")
    assert not violations, violations


def vote(page: Page, *, firm: str, email: str) -> None:
    """On a category page: pick a firm, give an address, consent, send. Language-independent locators."""
    form = page.locator("main form")
    form.get_by_role("radio", name=firm, exact=True).check()
    form.locator("input[name=email]").fill(email)
    form.locator("input[name=consent]").check()
    solve_challenge(page)
    form.locator("button[type=submit]").click()


def release(edition) -> None:
    # A voter who behaves like a person is not held by the fraud checks; say so plainly if one is.
    held = list(FraudFlag.objects.values_list("rule", flat=True))
    assert not held, f"the journey's vote was flagged by fraud rules {held}"
    admin = get_user_model().objects.create_superuser("e2e-admin", "admin@example.com", "e2e-admin-password-1")
    services.close_voting_now(edition=edition, by=admin)
    services.release_results(edition=edition, by=admin)


def result_row(page: Page, firm: str):
    return page.locator("main table tbody tr").filter(has=page.locator("td", has_text=firm))


def polish_edition():
    edition = EditionFactory(country="PL", slug="pl-2026")
    category = CategoryFactory(edition=edition, slug="banking", name_en="Banking", name_pl="Bankowość", name_ro="Bănci")
    return edition, category


# Journey 1: English, from nomination to results ------------------------------
