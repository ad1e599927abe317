"""Recording and correcting a check on the admin's record page, which calls services.record_check."""

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from certification.models import Check
from certification.vetting import services as vetting
from nominations.models import NomineeState as S
from tests.factories import NomineeFactory

pytestmark = pytest.mark.django_db

COMPLAINTS = {
    "kind": "complaints",
    "channel": "",
    "sample_size": 10,
    "acknowledge": 5,
    "apologise": 5,
    "assess": 4,
    "act": 4,
    "follow_up": 2,
}


def record_url(nominee, **query):
    url = reverse("admin:certification_check_record", args=[nominee.pk])
    return f"{url}?kind={query['kind']}&channel={query.get('channel', '')}" if query else url


def link(url):
    return url.replace("&", "&amp;")


def test_record_a_check_through_the_admin(client, under_review, auditor):
    client.force_login(auditor)
    page = client.get(record_url(under_review, kind="charter"))
    assert page.status_code == 200 and '<option value="charter" selected>' in page.content.decode()
    response = client.post(record_url(under_review), COMPLAINTS, follow=True)
    assert response.redirect_chain == [
        (reverse("admin:certification_nomineevetting_change", args=[under_review.pk]), 302)
    ]
    assert "was recorded: pass" in response.content.decode()
    check = under_review.checks.get()
    assert (check.result, str(check.score), check.recorded_by) == ("pass", "4.00", auditor)
    assert AuditEntry.objects.filter(action="check.record").count() == 1


def test_a_bad_input_shows_the_services_message_and_changes_nothing(client, under_review, auditor):
    client.force_login(auditor)
    data = {"kind": "complaints", "channel": "", "sample_size": 10}
    response = client.post(record_url(under_review), data)
    assert response.status_code == 200 and "Give Acknowledge a score from 1 to 5." in response.content.decode()
    assert 'name="sample_size" value="10"' in response.content.decode()  # what was typed stays
    assert not Check.objects.exists() and not AuditEntry.objects.exists()


def test_the_channel_rule_is_the_services(client, under_review, auditor):
    client.force_login(auditor)
    data = {
        "kind": "mystery_shopping",
        "channel": "",
        "fast": 4,
        "personalised": 4,
        "competent": 4,
        "friendly": 4,
        "helpful": 4,
    }
    response = client.post(record_url(under_review), data)
    assert "Mystery shopping is recorded per channel" in response.content.decode()
    assert not Check.objects.exists() and not AuditEntry.objects.exists()


def test_an_auditor_corrects_their_own_check_from_its_recorded_inputs(client, under_review, auditor):
    vetting.record_check(
        nominee=under_review, kind="registration", inputs={"active": False}, notes="Not in KRS.", actor=auditor
    )
    client.force_login(auditor)
    page = client.get(record_url(under_review, kind="registration")).content.decode()
    assert "You recorded the check" in page and "Not in KRS." in page
    response = client.post(
        record_url(under_review), {"kind": "registration", "active": "on", "notes": "In KRS after all."}
    )
    assert response.status_code == 302
    assert Check.objects.get().result == "pass"
    entry = AuditEntry.objects.get(action="check.change")
    assert (entry.before["result"], entry.after["result"], entry.actor) == ("fail", "pass", auditor)


def test_a_second_auditor_cannot_correct_another_auditors_check(client, under_review, auditor, second_auditor):
    check = vetting.record_check(nominee=under_review, kind="registration", inputs={"active": True}, actor=auditor)
    client.force_login(second_auditor)
    page = client.get(record_url(under_review, kind="registration")).content.decode()
    assert "anna recorded the check" in page and 'id="evidence_form"' in page and 'name="file"' not in page
    response = client.post(record_url(under_review), {"kind": "registration", "notes": "mine now"})
    assert response.status_code == 200
    assert "Another auditor recorded this check; only they can change it." in response.content.decode()
    check.refresh_from_db()
    assert (check.result, check.notes, check.recorded_by) == ("pass", "", auditor)
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["check.record"]


@pytest.mark.parametrize("state", [S.NOMINATED, S.QUALIFIED, S.APPROVED, S.REJECTED, S.CERTIFIED])
def test_hand_typed_urls_for_a_nominee_not_under_review_are_refused(client, auditor, state):
    nominee = NomineeFactory(state=state)
    client.force_login(auditor)
    assert client.get(record_url(nominee, kind="registration")).status_code == 404
    assert client.post(record_url(nominee), {"kind": "registration", "active": "on"}).status_code == 404
    assert not Check.objects.exists() and not AuditEntry.objects.exists()


def test_a_nominee_that_does_not_exist_is_refused_alike(client, auditor):
    client.force_login(auditor)
    assert client.get(reverse("admin:certification_check_record", args=[999999])).status_code == 404


def test_staff_who_do_not_record_checks_are_refused(client, under_review, manager):
    client.force_login(manager)
    assert client.get(record_url(under_review)).status_code == 403
    assert client.post(record_url(under_review), {"kind": "registration", "active": "on"}).status_code == 403
    assert not Check.objects.exists()
    client.logout()
    assert client.get(record_url(under_review)).status_code == 302  # to the admin login


def test_save_and_add_evidence_stays_on_the_check(client, under_review, auditor):
    client.force_login(auditor)
    response = client.post(record_url(under_review), {**COMPLAINTS, "_continue": "1"})
    assert response.url == record_url(under_review, kind="complaints")
    assert 'id="evidence_form"' in client.get(response.url).content.decode()


def test_the_nominee_page_links_to_the_record_page(client, under_review, auditor, second_auditor):
    vetting.record_check(nominee=under_review, kind="registration", inputs={"active": True}, actor=auditor)
    nominee_page = reverse("admin:certification_nomineevetting_change", args=[under_review.pk])
    client.force_login(auditor)
    page = client.get(nominee_page).content.decode()
    assert f'id="record-check" class="button" href="{record_url(under_review)}"' in page
    assert f'href="{link(record_url(under_review, kind="charter"))}">record</a>' in page
    assert f'href="{link(record_url(under_review, kind="registration"))}">correct</a>' in page
    client.force_login(second_auditor)  # not theirs to correct
    page = client.get(nominee_page).content.decode()
    assert f'href="{link(record_url(under_review, kind="registration"))}">correct</a>' not in page
    assert f'href="{link(record_url(under_review, kind="charter"))}">record</a>' in page


def test_the_check_pages_are_read_only_and_link_the_recorder_to_the_record_page(client, under_review, auditor):
    check = vetting.record_check(nominee=under_review, kind="registration", inputs={"active": True}, actor=auditor)
    client.force_login(auditor)
    assert client.get(reverse("admin:certification_check_add")).status_code == 403
    page = client.get(reverse("admin:certification_check_change", args=[check.pk])).content.decode()
    assert 'name="_save"' not in page and "Correct this check or add evidence" in page
    assert client.post(reverse("admin:certification_check_change", args=[check.pk]), {"notes": "x"}).status_code == 403
