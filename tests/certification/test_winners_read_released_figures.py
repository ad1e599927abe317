"""The winners and the certificates read the released figures, never the live tally or the votes."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation
from pypdf import PdfReader

from certification.certificates import documents
from certification.certificates.files import certificate_text
from certification.certificates.winners import propose_winners
from nominations import services
from nominations.models import NomineeState, Tally, Vote
from nominations.tally import process_all_pending_votes, recount_edition
from tests.factories import CategoryFactory, CheckFactory, EditionFactory, NomineeFactory, VoteFactory

pytestmark = pytest.mark.django_db


def votes(nominee, count, first):
    start = timezone.now() - timedelta(days=3)
    for i in range(count):
        VoteFactory(
            nominee=nominee,
            email=f"v{first + i}@example.com",
            confirmed_at=start + timedelta(minutes=9 * i),
            network=f"198.51.{first + i}.0/24",
        )


@pytest.fixture
def race(manager):
    """Banking: A (6 votes) ahead of B (4 votes), both approved with the same score; the results released."""
    now = timezone.now()
    edition = EditionFactory(
        nomination_opens_at=now - timedelta(days=40),
        nomination_closes_at=now - timedelta(days=30),
        voting_opens_at=now - timedelta(days=30),
        voting_closes_at=now - timedelta(hours=2),
        results_date=now.date(),
    )
    banking = CategoryFactory(edition=edition, slug="banking")
    first = NomineeFactory(category=banking, state=NomineeState.APPROVED, firm__contact_email="a@example.com")
    second = NomineeFactory(category=banking, state=NomineeState.APPROVED, firm__contact_email="b@example.com")
    for nominee in (first, second):
        CheckFactory(nominee=nominee, kind="charter", result="pass", score=4)
    votes(first, 6, 0)
    votes(second, 4, 10)
    process_all_pending_votes()
    edition.final_tally_at = now  # as finalise_closed_editions marks it
    edition.save(update_fields=["final_tally_at"])
    services.release_results(edition=edition, by=manager)
    return edition, banking, first, second


def winner(edition, category):
    return [n.pk for n in propose_winners(edition=edition)[category]]


def test_a_live_tally_changed_after_release_does_not_move_the_winner(race):
    edition, banking, first, second = race
    Tally.objects.filter(nominee=second).update(counted=1000)
    assert winner(edition, banking) == [first.pk]


def test_votes_changed_after_release_move_the_winner_only_with_an_amendment(race, manager):
    edition, banking, first, second = race
    Vote.objects.filter(nominee=first).update(standing="rejected")
    recount_edition(edition)
    assert winner(edition, banking) == [first.pk]
    services.amend_results(edition=edition, by=manager, reason="The firm's votes were its own staff's.")
    assert winner(edition, banking) == [second.pk]


def test_the_certificate_says_the_published_votes_and_version(race, manager, django_capture_on_commit_callbacks):
    from certification.certificates import services as certificates

    edition, banking, first, _second = race
    Tally.objects.filter(nominee=first).update(counted=1000)
    with django_capture_on_commit_callbacks(execute=True):
        issued = certificates.issue_certificates(edition=edition, nominee_ids=[first.pk], actor=manager).certificates[0]
    text = certificate_text(issued)
    assert (text.counted_votes, text.results_version) == (6, 1)
    issued.refresh_from_db()
    with translation.override(issued.language):
        line = documents.votes_line(text)
    assert "6" in line and line in PdfReader(issued.pdf.open("rb")).pages[0].extract_text()
