"""One visibility rule for vote figures, tried through every admin URL an auditor can reach.

Before an edition's results are released an auditor may not learn its vote figures
(counts, shares, votes per nominee or standing, the chart, the export, qualification's
measures in the audit log). The test builds an edition through the real paths (votes,
fraud scan, final tally, qualification, a settled flag), opens as an auditor every admin
list of every model the role can view (each link its filters, sorting, date hierarchy and
facets offer, and hand-typed filters on every field and on every path to the votes and
tallies), every change page and the export; then adds votes to the unreleased edition and
opens them all again: each response must be the same. Once released, the figures show,
and the same comparison tells the two runs apart.
"""

import html
import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import FieldDoesNotExist
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from certification.models import NomineeVetting
from nominations.models import Edition, Firm, FraudFlag, Nominee, Vote
from tests.factories import UserFactory
from tests.nominations.admin_crawl import (
    HIDDEN_FIRM,
    add_hidden_votes,
    answers,
    build_world,
    differences,
    make_auditor,
    requests_for,
    viewable_admins,
)


@pytest.fixture
def auditor(db):
    return make_auditor()


@pytest.fixture
def world(auditor, django_capture_on_commit_callbacks):
    return build_world(auditor, django_capture_on_commit_callbacks)


def test_every_model_an_auditor_can_view_is_tried(auditor):
    tried = {model._meta.label for model, _admin in viewable_admins(auditor)}
    assert {
        "nominations.Vote",
        "nominations.FraudFlag",
        "nominations.Nominee",
        "certification.NomineeVetting",
        "audit.AuditEntry",
        "nominations.TaskRun",
    } <= tried
    assert "nominations.Tally" not in tried


def test_every_admin_that_can_reach_the_votes_takes_the_visibility_mixin():
    from nominations.admin_visibility import VisibilityAdminMixin

    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label in ("nominations", "certification"):
            assert isinstance(model_admin, VisibilityAdminMixin), model._meta.label


def test_no_admin_answer_depends_on_unreleased_figures(client, auditor, world):
    client.force_login(auditor)
    requests = requests_for(client, world, auditor)
    assert len(requests) > 500
    before = answers(client, requests)
    add_hidden_votes(world)
    after = answers(client, requests)
    changed = differences(before, after)
    assert not changed, f"{len(changed)} answers tell the hidden figures, e.g. {changed[:5]}"


def test_the_comparison_tells_figures_apart_once_released(client, auditor, world):
    """The same comparison after release: the figures show, so the answers differ (the test above can see a leak)."""
    Edition.objects.filter(pk=world["hidden"].pk).update(results_released_at=timezone.now())
    client.force_login(auditor)
    requests = requests_for(client, world, auditor, only={"nominations.Vote", "certification.NomineeVetting"})
    before = answers(client, requests)
    add_hidden_votes(world)
    changed = {url for _method, url, _data in differences(before, answers(client, requests))}
    for name in ("vote", "nomineevetting"):
        assert any(f"/{name}/" in url for url in changed), name


def unknown_field_answer(client, url):
    return client.get(url, {"no_such_field__gt": "0"})


@pytest.mark.parametrize(
    ("changelist", "params"),
    [
        ("admin:certification_nomineevetting_changelist", {"share__gt": "0.25"}),
        ("admin:certification_nomineevetting_changelist", {"counted_votes__gt": "5"}),
        ("admin:certification_nomineevetting_changelist", {"tally__counted__gt": "5"}),
        ("admin:nominations_nominee_changelist", {"tally__counted__gt": "5"}),
        ("admin:nominations_nominee_changelist", {"votes__id__gte": "1"}),
        ("admin:nominations_edition_changelist", {"votes__id__exact": "1"}),
        ("admin:nominations_firm_changelist", {"nominees__tally__counted__gt": "5"}),
        ("admin:nominations_fraudflag_changelist", {"vote__standing__exact": "counted"}),
        ("admin:nominations_vote_changelist", {"nominee__tally__counted__gt": "5"}),
        ("admin:nominations_vote_changelist", {"email__startswith": "h"}),
        ("admin:nominations_vote_changelist", {"email_canonical__icontains": "mailinator"}),
        ("admin:audit_auditentry_changelist", {"after__counted__gt": "5"}),
        ("admin:audit_auditentry_changelist", {"reason__icontains": "counted"}),
    ],
)
def test_a_hand_typed_filter_on_what_the_user_may_not_see_answers_as_an_unknown_field(
    client, auditor, world, changelist, params
):
    client.force_login(auditor)
    url = reverse(changelist)
    expected = unknown_field_answer(client, url)
    response = client.get(url, params)
    assert (
        (response.status_code, response["Location"])
        == (expected.status_code, expected["Location"])
        == (302, f"{url}?e=1")
    )


def test_the_bug_report_url_shows_no_count_of_an_unreleased_nominee(client, auditor, world):
    client.force_login(auditor)
    url = reverse("admin:nominations_vote_changelist")
    page = client.get(url, {"nominee__id__exact": world["a"].pk, "standing__exact": "counted"}).content.decode()
    assert "8 votes" not in page
    assert re.search(r"\b1 vote\b", page)  # the flagged one settled as genuine, which the flag list shows anyway


def test_before_release_an_auditor_lists_only_the_flagged_votes_of_the_edition(client, auditor, world):
    client.force_login(auditor)
    page = client.get(
        reverse("admin:nominations_vote_changelist"), {"edition__id__exact": world["hidden"].pk}
    ).content.decode()
    flagged = Vote.objects.filter(edition=world["hidden"], flags__isnull=False).distinct()
    assert f"{flagged.count()} votes" in page
    assert all(vote.receipt_code in page for vote in flagged)
    unflagged = Vote.objects.filter(edition=world["hidden"], flags__isnull=True).first()
    assert unflagged.receipt_code not in page
    response = client.get(reverse("admin:nominations_vote_change", args=[unflagged.pk]))
    assert response.status_code == 302  # as for a vote that does not exist


def test_qualifications_measures_in_the_audit_log_are_hidden_until_release(client, auditor, world):
    a = world["a"]
    entry = AuditEntry.objects.filter(object_id=str(a.pk), after__has_key="counted").get()
    measure = f'"counted": {entry.after["counted"]}'  # counted at the final tally, before a flag was settled
    client.force_login(auditor)

    def read(url, params=None):
        return html.unescape(client.get(url, params).content.decode())

    listing = reverse("admin:audit_auditentry_changelist")
    page = read(listing, {"object_id": str(a.pk)})
    assert "hidden until the results are released" in page and measure not in page
    assert "hidden until the results are released" in read(reverse("admin:audit_auditentry_change", args=[entry.pk]))
    released = AuditEntry.objects.filter(object_id=str(world["c"].pk), after__has_key="counted").get()
    assert '"counted": 5' in read(reverse("admin:audit_auditentry_change", args=[released.pk]))
    Edition.objects.filter(pk=a.edition_id).update(results_released_at=timezone.now())
    assert measure in read(listing, {"object_id": str(a.pk)})


def test_after_release_the_auditor_sees_the_figures(client, auditor, world):
    a = world["a"]
    Edition.objects.filter(pk=a.edition_id).update(results_released_at=timezone.now())
    client.force_login(auditor)
    vetting = reverse("admin:certification_nomineevetting_changelist")
    page = client.get(vetting, {"edition__id__exact": a.edition_id}).content.decode()
    assert "not released" not in page and ">8<" in page and "20%" in page  # 2 held of 10 confirmed
    assert HIDDEN_FIRM in client.get(vetting, {"flagged": "medium"}).content.decode()  # 10% to 25%
    votes = reverse("admin:nominations_vote_changelist")
    assert (
        "8 votes"
        in client.get(
            votes, {"nominee__id__exact": a.pk, "confirmed_at__isnull": "False", "standing__exact": "counted"}
        ).content.decode()
    )
    panel = client.get(reverse("admin:certification_nomineevetting_change", args=[a.pk])).content.decode()
    assert "<rect " in panel


def test_managers_see_unreleased_figures(client, world):
    manager = UserFactory(username="manager-vis", groups=["Programme manager"])
    client.force_login(manager)
    page = client.get(reverse("admin:certification_nomineevetting_changelist")).content.decode()
    assert "not released" not in page and ">8<" in page
    assert client.get(reverse("admin:nominations_tally_changelist"), {"counted__gt": "7"}).status_code == 200


@pytest.mark.parametrize(
    ("model", "lookup", "refused"),
    [
        (Nominee, "tally__counted__gt", True),
        (Nominee, "votes__id__exact", True),
        (NomineeVetting, "tally__held", True),
        (Firm, "nominees__votes__standing", True),
        (FraudFlag, "vote__id", True),
        (FraudFlag, "nominee__id__exact", False),
        (Vote, "nominee__id__exact", False),
        (Vote, "standing__exact", False),
        (Vote, "nominee__tally__counted__gt", True),
        (Nominee, "state__exact", False),
        (Nominee, "no_such_field", False),
    ],
)
def test_which_lookups_reach_vote_figures(model, lookup, refused):
    from nominations import selectors

    assert selectors.may_filter_by(user=AnonymousUser(), model=model, lookup=lookup) is not refused


def test_annotated_figures_are_refused_by_name(auditor):
    from nominations import selectors

    assert not selectors.may_filter_by(user=auditor, model=Nominee, lookup="share__gt", figure_annotations=("share",))
    with pytest.raises(FieldDoesNotExist):
        Nominee._meta.get_field("share")  # an annotation, which Django's lookup_allowed lets through
