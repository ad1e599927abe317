"""Release is refused while anything about the votes is unfinished, and the refusal says what remains."""

import pytest
from django.urls import reverse

from nominations import services
from nominations.exceptions import ResultsNotReleasable
from nominations.models import FraudFlag, ReleasedResults
from nominations.tally import process_all_pending_votes
from tests.factories import CategoryFactory, NomineeFactory

from .conftest import cast

pytestmark = pytest.mark.django_db


def test_release_is_refused_while_a_fraud_flag_is_pending_and_the_refusal_names_it(closed_edition, manager):
    banking = CategoryFactory(edition=closed_edition, slug="banking", name_en="Banking")
    nominee = NomineeFactory(category=banking, firm__name="Orange Polska")
    cast(nominee, 2)
    cast(nominee, 1, first=5, domain="mailinator.com")
    process_all_pending_votes()
    assert FraudFlag.objects.filter(decision="pending").count() == 1
    with pytest.raises(ResultsNotReleasable, match="Banking, Orange Polska: 1 pending fraud flag"):
        services.release_results(edition=closed_edition, by=manager)
    closed_edition.refresh_from_db()
    assert not closed_edition.results_released and not ReleasedResults.objects.exists()


def test_release_is_refused_while_a_confirmed_vote_waits_and_the_refusal_counts_it(closed_edition, manager):
    retail = CategoryFactory(edition=closed_edition, slug="retail", name_en="Retail")
    nominee = NomineeFactory(category=retail, firm__name="Sklep")
    cast(nominee, 2)  # confirmed, never processed
    with pytest.raises(ResultsNotReleasable, match="Retail, Sklep: 2 votes waiting to be checked and counted"):
        services.release_results(edition=closed_edition, by=manager)


def test_a_long_list_of_what_remains_is_cut_with_a_count(closed_edition, manager):
    retail = CategoryFactory(edition=closed_edition, slug="retail", name_en="Retail")
    for i in range(23):
        cast(NomineeFactory(category=retail), 1, first=i)
    with pytest.raises(ResultsNotReleasable, match="and 3 more nominees"):
        services.release_results(edition=closed_edition, by=manager)


def test_the_admin_shows_the_refusal_with_what_remains(client, contest, manager, auditor):
    cast(contest["sklep"], 1, first=40, domain="mailinator.com")
    process_all_pending_votes()
    client.force_login(manager)
    response = client.post(
        reverse("admin:nominations_edition_changelist"),
        {"action": "release_results", "_selected_action": [contest["edition"].pk], "confirm": "yes"},
        follow=True,
    )
    assert "Retail, Sklep, Kraków: 1 pending fraud flag" in response.content.decode()
    contest["edition"].refresh_from_db()
    assert not contest["edition"].results_released
