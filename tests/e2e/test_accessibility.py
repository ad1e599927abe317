"""axe-core (WCAG 2.2 A/AA) on every public page, in en/pl/ro, at 1280 and 390 px.

As a visitor, as a signed-in firm and as an auditor on the admin's vetting pages, on the
demo's data (`seed_demo`: two open editions and a released one with certificates). One
browser page is reused for all of a role's pages to keep the run short.
"""

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import Page, expect

from certification.models import Certificate
from demo.management.commands.seed_demo import ADMIN_PASSWORD, AUDITORS, FIRM_LOGIN
from nominations.models import Nominee
from tests.e2e.a11y import sweep
from tests.e2e.journey import confirmation_link, read_mail, vote

pytestmark = pytest.mark.e2e


def restore_roles() -> None:
    """The demo's staff join the role groups a data migration wrote; an earlier live-server test's flush removed them.

    Recreated by name with their 0003 permissions plus every view/change permission of
    the two apps, so the demo's vetting steps can run: these pages are checked for
    accessibility here, the roles themselves in tests/certification.
    """
    from importlib import import_module

    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    if Group.objects.exists():
        return
    staff_perms = Permission.objects.filter(Q(content_type__app_label__in=["nominations", "certification", "audit"]))
    for name in import_module("certification.migrations.0003_roles").ROLES:
        Group.objects.create(name=name).permissions.add(*staff_perms)
    for name in ("Programme manager", "Auditor"):
        Group.objects.get_or_create(name=name)[0].permissions.add(*staff_perms)


OPEN = "pl-2026-2027"
RELEASED = "pl-2025-2026"


@pytest.fixture
def demo(db, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    restore_roles()
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return {
        "certificate": Certificate.objects.select_related("nominee").order_by("pk").first(),
        "open_nominee": Nominee.objects.filter(edition__slug=OPEN).order_by("pk").first(),
    }


def confirm_path(page: Page, live_site) -> str:
    """A real confirmation link: vote as a visitor and read the mail."""
    page.goto(f"/en/e/{OPEN}/c/banking/")
    firm = page.locator("main form input[name=nominee]").first.evaluate("e => e.labels[0].textContent.trim()")
    vote(page, firm=firm, email="axe.visitor@example.com")
    expect(page.locator("main h1")).to_be_visible()
    link = confirmation_link(read_mail("axe.visitor@example.com"), live_site.url)
    return link.removeprefix(live_site.url).replace("/en/", "/{lang}/", 1)


def test_public_pages_have_no_wcag_violations_and_fit_a_phone(page: Page, live_site, demo):
    certificate = demo["certificate"]
    paths = [
        "/{lang}/",
        "/{lang}/results/",
        f"/{{lang}}/e/{OPEN}/",
        f"/{{lang}}/e/{OPEN}/c/banking/",
        f"/{{lang}}/e/{OPEN}/nominate/",
        f"/{{lang}}/e/{OPEN}/nominate/thanks/",
        f"/{{lang}}/e/{OPEN}/vote/sent/",
        f"/{{lang}}/e/{OPEN}/methodology/",
        f"/{{lang}}/e/{OPEN}/results/",
        f"/{{lang}}/e/{OPEN}/firm/{demo['open_nominee'].pk}/",
        f"/{{lang}}/e/{RELEASED}/",
        f"/{{lang}}/e/{RELEASED}/results/",
        f"/{{lang}}/e/{RELEASED}/firm/{certificate.nominee_id}/",
        "/{lang}/receipt/",
        "/{lang}/receipt/?code=ABCD-EFGH-JKLM",
        "/{lang}/verify/",
        f"/{{lang}}/verify/{certificate.serial}/",
        "/{lang}/verify/?serial=",
        "/{lang}/registry/",
        f"/{{lang}}/registry/{RELEASED}/",
        "/{lang}/firm/login/",
        "/{lang}/e/no-such-edition/",
        confirm_path(page, live_site),
    ]
    problems = sweep(page, paths)
    assert not problems, "\n".join(problems)
    assert mail.outbox  # the confirm page above was a real one


def sign_in(page: Page, url: str, username: str) -> None:
    page.goto(url)
    page.fill("#id_username", username)
    page.fill("#id_password", ADMIN_PASSWORD)
    page.locator("main form button[type=submit], #login-form input[type=submit]").first.click()


def test_firm_pages_have_no_wcag_violations(page: Page, live_site, demo):
    sign_in(page, "/en/firm/login/", FIRM_LOGIN)
    expect(page).to_have_url(live_site.url + "/en/firm/")
    problems = sweep(page, ["/{lang}/firm/", f"/{{lang}}/verify/{demo['certificate'].serial}/"])
    assert not problems, "\n".join(problems)


def test_admin_vetting_pages_have_no_wcag_violations_for_an_auditor(page: Page, live_site, demo):
    sign_in(page, "/admin/login/", AUDITORS[0])
    nominee = demo["certificate"].nominee_id
    paths = [
        "/admin/",
        "/admin/certification/nomineevetting/",
        f"/admin/certification/nomineevetting/{nominee}/change/",
        "/admin/certification/check/",
        f"/admin/certification/check/record/{nominee}/",
    ]
    # The admin follows the language cookie, not a URL prefix; Django's own tables may scroll on a phone.
    problems = []
    for language in ("en", "pl", "ro"):
        page.context.add_cookies([{"name": "django_language", "value": language, "url": live_site.url}])
        problems += sweep(page, paths, languages=(language,), check_overflow=False)
    assert not problems, "\n".join(problems)


def test_the_axe_gate_sees_a_violation(page: Page, live_site):
    """The sweep can fail: an image without alternative text and a 2:1 text are reported."""
    from tests.e2e.a11y import axe_violations

    page.goto("/en/receipt/")
    page.evaluate(
        """() => {
          const main = document.querySelector('main');
          main.insertAdjacentHTML('beforeend', '<img src="/static/img/mark.svg"><p class="faint">faint text</p>');
          main.querySelector('.faint').style.color = '#bbbbbb';
        }"""
    )
    found = " ".join(axe_violations(page))
    assert "image-alt" in found and "color-contrast" in found
