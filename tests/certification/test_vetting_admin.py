import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from nominations.models import Edition, Nominee, Tally
from nominations.models import NomineeState as S
from tests.factories import CategoryFactory, CheckFactory, NomineeFactory, VoteFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:certification_nomineevetting_changelist"


def make_rows(n, auditor):
    category = CategoryFactory()
    for i in range(n):
        nominee = NomineeFactory(category=category, state=S.UNDER_REVIEW)
        Tally.objects.create(nominee=nominee, edition=nominee.edition, category=category, counted=10 + i, held=i % 3)
        CheckFactory(nominee=nominee, kind="charter", result="pass", score=4, recorded_by=auditor)
        CheckFactory(
            nominee=nominee, kind="mystery_shopping", channel="phone", result="pass", score=3, recorded_by=auditor
        )
    return category


@pytest.mark.parametrize("rows", [3, 30])
def test_vetting_list_query_count_does_not_grow_with_rows(client, auditor, rows, django_assert_max_num_queries):
    make_rows(rows, auditor)
    client.force_login(auditor)
    with django_assert_max_num_queries(14):
        response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    assert response.content.decode().count("3.5") >= rows  # (4 + 3) / 2


@pytest.mark.parametrize("rows", [3, 30])
def test_check_and_audit_lists_query_counts_are_bounded(client, auditor, rows, django_assert_max_num_queries):
    make_rows(rows, auditor)
    client.force_login(auditor)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("admin:certification_check_changelist")).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("admin:audit_auditentry_changelist")).status_code == 200


def test_vote_counts_of_unreleased_editions_are_hidden_from_auditors(client, auditor, manager):
    make_rows(1, auditor)
    client.force_login(auditor)
    assert "not released" in client.get(reverse(CHANGELIST)).content.decode()
    client.force_login(manager)
    assert "not released" not in client.get(reverse(CHANGELIST)).content.decode()


def test_filters_by_state_flagged_share_and_search_by_registration_number(client, auditor, manager):
    make_rows(3, auditor)
    target = NomineeFactory(state=S.QUALIFIED, firm__name="Searchable SA")
    client.force_login(auditor)
    page = client.get(reverse(CHANGELIST), {"state__exact": "qualified"}).content.decode()
    assert "Searchable SA" in page and page.count('class="action-select"') == 1
    page = client.get(reverse(CHANGELIST), {"q": target.firm.registration_number}).content.decode()
    assert "Searchable SA" in page
    client.force_login(manager)  # the flagged share of unreleased editions is not the auditor's to see
    page = client.get(reverse(CHANGELIST), {"flagged": "high"}).content.decode()  # held 2 of 12: 17% -> not high
    assert page.count('class="action-select"') == 0
    page = client.get(reverse(CHANGELIST), {"flagged": "medium"}).content.decode()
    assert page.count('class="action-select"') == 1


def test_nominee_page_shows_score_checks_side_by_side_and_votes_chart(client, vetted, second_auditor):
    Edition.objects.filter(pk=vetted.edition_id).update(results_released_at=timezone.now())
    for day in range(3):
        VoteFactory(nominee=vetted, confirmed_at=timezone.now() - timedelta(days=day))
    client.force_login(second_auditor)
    page = client.get(reverse("admin:certification_nomineevetting_change", args=[vetted.pk])).content.decode()
    assert '<span id="vetting-score">4.3</span>' in page
    assert 'id="vetting-checks"' in page and "Mystery shopping: Phone" in page
    assert 'id="approval-ready"' in page
    assert page.count("<rect ") == 3


def test_the_recorder_sees_why_they_cannot_approve(client, vetted, auditor):
    client.force_login(auditor)
    page = client.get(reverse("admin:certification_nomineevetting_change", args=[vetted.pk])).content.decode()
    assert "four eyes" in page


def test_start_review_in_bulk(client, auditor):
    nominees = [NomineeFactory(state=S.QUALIFIED) for _i in range(2)]
    skipped = NomineeFactory(state=S.NOMINATED)
    client.force_login(auditor)
    response = client.post(
        reverse(CHANGELIST),
        {"action": "start_review", "_selected_action": [n.pk for n in [*nominees, skipped]]},
        follow=True,
    )
    page = response.content.decode()
    assert "2 nominees are now under review" in page
    assert "cannot become under review; its next step is: qualified" in page
    assert {n.state for n in Nominee.objects.filter(pk__in=[n.pk for n in nominees])} == {S.UNDER_REVIEW}


def test_approval_asks_for_confirmation_then_applies_four_eyes(client, vetted, auditor, second_auditor):
    client.force_login(auditor)
    url = reverse(CHANGELIST)
    confirm_page = client.post(url, {"action": "approve", "_selected_action": [vetted.pk]})
    assert confirm_page.status_code == 200 and 'name="reason"' in confirm_page.content.decode()
    response = client.post(
        url, {"action": "approve", "_selected_action": [vetted.pk], "confirm": "yes", "reason": "ok"}, follow=True
    )
    assert "four eyes" in response.content.decode()
    assert Nominee.objects.get(pk=vetted.pk).state == S.UNDER_REVIEW
    client.force_login(second_auditor)
    response = client.post(
        url, {"action": "approve", "_selected_action": [vetted.pk], "confirm": "yes", "reason": "ok"}, follow=True
    )
    assert "1 nominees approved" in response.content.decode()
    assert Nominee.objects.get(pk=vetted.pk).state == S.APPROVED
    assert AuditEntry.objects.get(action="nominee.approved").actor == second_auditor


def test_programme_manager_cannot_decide(client, vetted, manager):
    client.force_login(manager)
    client.post(
        reverse(CHANGELIST), {"action": "approve", "_selected_action": [vetted.pk], "confirm": "yes", "reason": "x"}
    )
    assert Nominee.objects.get(pk=vetted.pk).state == S.UNDER_REVIEW


def read_csv(response):
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_csv_export_has_scores_and_hides_unreleased_counts(client, auditor, manager):
    category = make_rows(2, auditor)
    ids = list(Nominee.objects.filter(category=category).values_list("pk", flat=True))
    client.force_login(auditor)
    rows = read_csv(client.post(reverse(CHANGELIST), {"action": "export_csv", "_selected_action": ids}))
    header, first = rows[0], rows[1]
    assert first[header.index("vetting_score")] == "3.5"
    assert first[header.index("counted_votes")] == ""
    client.force_login(manager)
    rows = read_csv(client.post(reverse(CHANGELIST), {"action": "export_csv", "_selected_action": ids}))
    assert rows[1][rows[0].index("counted_votes")] in {"10", "11"}


def test_csv_export_neutralises_formulas(client, auditor):
    NomineeFactory(firm__name="=HYPERLINK(1)")
    client.force_login(auditor)
    rows = read_csv(
        client.post(
            reverse(CHANGELIST),
            {"action": "export_csv", "_selected_action": list(Nominee.objects.values_list("pk", flat=True))},
        )
    )
    assert rows[1][2] == "'=HYPERLINK(1)"


def test_auditors_cannot_open_the_tallies_list(client, auditor):
    client.force_login(auditor)
    assert client.get(reverse("admin:nominations_tally_changelist")).status_code == 403


def test_sorting_and_the_flagged_share_filter_cannot_pick_out_unreleased_nominees(client, auditor, manager):
    category = make_rows(3, auditor)  # counted 10, 11, 12; held 0, 1, 2
    names = list(Nominee.objects.filter(category=category).order_by("-pk").values_list("firm__name", flat=True))

    def order(page):
        return sorted(names, key=page.index)

    client.force_login(auditor)
    for sort in ("7", "-7", "8", "-8"):  # counted, flagged share
        page = client.get(reverse(CHANGELIST), {"o": sort}).content.decode()
        assert order(page) == names, sort  # ties broken by the newest first, whatever the figures
    assert "flagged=high" in client.get(reverse(CHANGELIST)).content.decode()
    for bucket in ("none", "low", "medium", "high"):
        page = client.get(reverse(CHANGELIST), {"flagged": bucket}).content.decode()
        assert not any(name in page for name in names), bucket
    client.force_login(manager)
    assert order(client.get(reverse(CHANGELIST), {"o": "7"}).content.decode()) == names[::-1]  # fewest counted first


def test_the_votes_chart_is_hidden_before_the_results_are_released(client, vetted, second_auditor):
    VoteFactory(nominee=vetted, confirmed_at=timezone.now())
    client.force_login(second_auditor)
    page = client.get(reverse("admin:certification_nomineevetting_change", args=[vetted.pk])).content.decode()
    assert "<rect " not in page
