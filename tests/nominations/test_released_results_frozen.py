"""After release, nothing in the portal changes the published figures: no settlement, no scan, no new flag."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from nominations import services
from nominations.exceptions import ResultsReleased
from nominations.fraud.scan import scan_edition
from nominations.models import FraudFlag, ReleasedFigure, Vote
from nominations.tally import process_all_pending_votes, recount_edition
from tests.factories import VoteFactory

from .conftest import cast

pytestmark = pytest.mark.django_db


def published(released):
    return sorted(
        ReleasedFigure.objects.filter(results__edition=released["edition"]).values_list(
            "nominee_id", "counted", "rejected"
        )
    )


def page(client, released):
    """The results page's main content (the layout around it carries a fresh CSRF token each time)."""
    html = client.get(reverse("nominations:results", kwargs={"slug": released["edition"].slug})).content.decode()
    return html[html.index("<main") : html.index("</main>")]


def test_settling_a_flag_of_a_released_edition_is_refused(released, auditor, client):
    before, shown = published(released), page(client, released)
    flags = list(FraudFlag.objects.filter(vote=released["fraud"]).values_list("pk", flat=True))
    with pytest.raises(ResultsReleased, match="can no longer be settled"):
        services.settle_flags(flag_ids=flags, decision="genuine", by=auditor)
    assert set(FraudFlag.objects.filter(pk__in=flags).values_list("decision", flat=True)) == {"fraud"}
    assert Vote.objects.get(pk=released["fraud"].pk).standing == "rejected"
    assert published(released) == before and page(client, released) == shown


def test_a_pending_flag_left_by_hand_on_a_released_edition_cannot_be_settled(released, auditor):
    vote = Vote.objects.filter(nominee=released["lodz"]).first()
    flag = FraudFlag.objects.create(vote=vote, nominee=released["lodz"], rule="fast", evidence={})
    with pytest.raises(ResultsReleased):
        services.settle_flags(flag_ids=[flag.pk], decision="fraud", by=auditor)
    flag.refresh_from_db()
    assert flag.decision == "pending"


def test_scanning_a_released_edition_is_refused(released, client):
    before, shown = published(released), page(client, released)
    with pytest.raises(ResultsReleased, match="can no longer be scanned"):
        scan_edition(released["edition"])
    with pytest.raises(CommandError, match="can no longer be scanned"):
        call_command("fraudscan", edition=released["edition"].slug, verbosity=0)
    assert published(released) == before and page(client, released) == shown


def test_a_background_batch_raises_no_flag_on_a_released_editions_votes(released, client):
    # A vote of the released edition that a batch sees (it only can after a change by hand): the
    # disposable-domain rule would flag it, but the batch leaves the released edition alone.
    before, shown = published(released), page(client, released)
    stray = VoteFactory(nominee=released["lodz"], email="late@mailinator.com", confirmed_at=timezone.now())
    process_all_pending_votes()
    assert not FraudFlag.objects.filter(vote=stray).exists()
    assert Vote.objects.get(pk=stray.pk).standing == "counted"
    assert published(released) == before and page(client, released) == shown


def test_a_batch_still_flags_the_votes_of_editions_not_released(released, contest):
    from tests.factories import NomineeFactory

    other = NomineeFactory()  # an open edition
    [vote] = cast(other, 1, first=90, domain="mailinator.com")
    process_all_pending_votes()
    assert FraudFlag.objects.filter(vote=vote, rule="disposable").exists()


def test_the_live_tally_moving_does_not_move_the_public_figures(released, client):
    shown = page(client, released)
    Vote.objects.filter(nominee=released["lodz"]).update(standing="rejected")
    recount_edition(released["edition"])
    assert page(client, released) == shown


def test_the_database_refuses_to_update_published_figures(released):
    figure = ReleasedFigure.objects.filter(results=released["results"]).first()
    with pytest.raises(DatabaseError), transaction.atomic():
        ReleasedFigure.objects.filter(pk=figure.pk).update(counted=999)
    for table in ("nominations_releasedresults", "nominations_ledgerline"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET id = id")
