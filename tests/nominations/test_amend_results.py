"""Amending published results: a programme manager, a reason, a new version; the old one stays readable."""

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from nominations import services
from nominations.exceptions import NotAllowed, ResultsNotAmendable
from nominations.models import ReleasedFigure, ReleasedResults, Vote
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REASON = "Two votes were found to come from the firm's own staff (decision of 3 March)."


def correct_by_hand(released, count=2):
    """A correction made in the database (as verify_results would then report): two of Łódź's votes no longer count."""
    ids = list(Vote.objects.filter(nominee=released["lodz"]).order_by("pk").values_list("pk", flat=True)[:count])
    Vote.objects.filter(pk__in=ids).update(standing="rejected")


def counted(results, nominee):
    return ReleasedFigure.objects.get(results=results, nominee=nominee).counted


def main(client, url):
    html = client.get(url).content.decode()
    return html[html.index("<main") : html.index("</main>")]


def test_an_amendment_writes_version_2_and_keeps_version_1(released, manager):
    correct_by_hand(released)
    amended = services.amend_results(edition=released["edition"], by=manager, reason=REASON)
    assert amended.version == 2 and amended.reason == REASON
    assert counted(amended, released["lodz"]) == 3
    assert counted(released["results"], released["lodz"]) == 5  # version 1 unchanged
    assert amended.digest != released["results"].digest
    assert amended.ledger_key == released["results"].ledger_key  # a voter's line keeps its hash


def test_the_results_page_says_amended_on_because_and_version_1_stays_readable(client, released, manager):
    correct_by_hand(released)
    amended = services.amend_results(edition=released["edition"], by=manager, reason=REASON)
    url = reverse("nominations:results", kwargs={"slug": released["edition"].slug})
    current = main(client, url)
    assert "Amended on" in current and REASON.replace("'", "&#x27;") in current and "(version 2)" in current
    assert amended.digest in current and ">3<" in current
    old = main(client, url + "?version=1")
    assert "This is version 1 of the results" in old and released["results"].digest in old and ">5<" in old
    csv_v1 = client.get(reverse("nominations:ledger_csv", kwargs={"slug": released["edition"].slug}) + "?version=1")
    assert b"".join(csv_v1.streaming_content).count(b",counted,") == 10


def test_an_amendment_is_in_the_audit_log_with_its_reason_and_digests(released, manager):
    correct_by_hand(released)
    amended = services.amend_results(edition=released["edition"], by=manager, reason=REASON)
    entry = AuditEntry.objects.get(action="edition.amend_results")
    assert entry.actor == manager and entry.reason == REASON and entry.object_id == str(released["edition"].pk)
    assert entry.before["version"] == 1 and entry.before["digest"] == released["results"].digest
    assert entry.after["version"] == 2 and entry.after["digest"] == amended.digest
    lodz = str(released["lodz"].pk)
    assert entry.before["figures"][lodz]["counted"] == 5 and entry.after["figures"][lodz]["counted"] == 3


def test_an_amendment_needs_a_reason(released, manager):
    correct_by_hand(released)
    with pytest.raises(ResultsNotAmendable, match="reason"):
        services.amend_results(edition=released["edition"], by=manager, reason="   ")
    assert ReleasedResults.objects.filter(edition=released["edition"]).count() == 1


def test_an_amendment_that_changes_nothing_is_refused(released, manager):
    with pytest.raises(ResultsNotAmendable, match="nothing to amend"):
        services.amend_results(edition=released["edition"], by=manager, reason=REASON)


def test_only_a_programme_manager_amends(released, auditor):
    correct_by_hand(released)
    for someone in (auditor, UserFactory()):
        with pytest.raises(NotAllowed):
            services.amend_results(edition=released["edition"], by=someone, reason=REASON)
    assert ReleasedResults.objects.filter(edition=released["edition"]).count() == 1


def test_unreleased_results_cannot_be_amended(contest, manager):
    with pytest.raises(ResultsNotAmendable, match="not released"):
        services.amend_results(edition=contest["edition"], by=manager, reason=REASON)


def test_the_admin_action_shows_what_changes_then_amends_with_the_reason(client, released, manager):
    correct_by_hand(released)
    client.force_login(manager)
    changelist = reverse("admin:nominations_edition_changelist")
    selected = {"action": "amend_results", "_selected_action": [released["edition"].pk]}
    confirmation = client.post(changelist, selected).content.decode()
    assert "Łódź Spółdzielnia Mleczarska" in confirmation and "5 → 3" in confirmation
    assert ReleasedResults.objects.filter(edition=released["edition"]).count() == 1  # nothing yet
    without_reason = client.post(changelist, {**selected, "confirm": "yes", "reason": ""})
    assert (
        without_reason.status_code == 200 and ReleasedResults.objects.filter(edition=released["edition"]).count() == 1
    )
    done = client.post(changelist, {**selected, "confirm": "yes", "reason": REASON}, follow=True).content.decode()
    assert "version 2 is published" in done
    assert ReleasedResults.objects.get(edition=released["edition"], version=2).reason == REASON


def test_the_amend_action_is_not_offered_without_the_release_permission(client, released):
    from django.contrib.auth.models import Permission

    clerk = UserFactory()
    clerk.user_permissions.add(*Permission.objects.filter(codename__in=["view_edition", "change_edition"]))
    client.force_login(clerk)
    page = client.get(reverse("admin:nominations_edition_changelist")).content.decode()
    assert "amend_results" not in page
