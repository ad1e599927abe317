import pytest

from certification.certificates import services as certificates
from certification.vetting import services as vetting
from nominations.models import NomineeState
from tests.factories import NomineeFactory, UserFactory


@pytest.fixture
def auditor(db):
    return UserFactory(username="anna", groups=["Auditor"])


@pytest.fixture
def second_auditor(db):
    return UserFactory(username="bogdan", groups=["Auditor"])


@pytest.fixture
def manager(db):
    return UserFactory(username="maria", groups=["Programme manager"])


@pytest.fixture
def under_review(db):
    return NomineeFactory(state=NomineeState.UNDER_REVIEW, firm__name="Orange Polska")


# Inputs that give every mandatory check a pass, and a score of 4.
PASSING = {
    "registration": {"active": True},
    "charter": {"published": True, "expectations": True, "standards": True, "complaint_procedure": True},
    "complaints": {"sample_size": 20, "acknowledge": 4, "apologise": 4, "assess": 4, "act": 4, "follow_up": 4},
    "vote_integrity": {},
}
MYSTERY_PASSING = {"fast": 4, "personalised": 4, "competent": 4, "friendly": 4, "helpful": 4}


def record_passing_checks(nominee, actor, *, mystery=MYSTERY_PASSING):
    for kind, inputs in PASSING.items():
        vetting.record_check(nominee=nominee, kind=kind, inputs=inputs, actor=actor)
    vetting.record_check(nominee=nominee, kind="mystery_shopping", channel="phone", inputs=mystery, actor=actor)


@pytest.fixture
def vetted(under_review, auditor):
    """A nominee under review whose checks (by `auditor`) allow an approval: score (5 + 4 + 4) / 3 = 4.3."""
    record_passing_checks(under_review, auditor)
    return under_review


# Certificates -------------------------------------------------------------------------


@pytest.fixture
def closed_edition(db):
    """An edition whose voting closed yesterday, whose tally is final and whose results are released."""
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories import EditionFactory

    now = timezone.now()
    return EditionFactory(
        nomination_opens_at=now - timedelta(days=40),
        nomination_closes_at=now - timedelta(days=30),
        voting_opens_at=now - timedelta(days=30),
        voting_closes_at=now - timedelta(days=1),
        results_date=(now + timedelta(days=5)).date(),
        final_tally_at=now - timedelta(hours=20),
        results_released_at=now - timedelta(hours=19),
    )


def make_candidate(category, *, votes, score=None, state=NomineeState.APPROVED, **firm):
    """A nominee with `votes` counted votes (in its tally and its edition's released figures) and, if given, a vetting score."""
    from nominations.models import Tally
    from tests.factories import CheckFactory, publish_figures

    nominee = NomineeFactory(category=category, state=state, **{f"firm__{k}": v for k, v in firm.items()})
    Tally.objects.create(nominee=nominee, edition=nominee.edition, category=category, counted=votes)
    publish_figures(nominee, counted=votes)
    if score is not None:
        CheckFactory(nominee=nominee, kind="charter", result="pass", score=score)
    return nominee


@pytest.fixture
def banking(closed_edition):
    from tests.factories import CategoryFactory

    return CategoryFactory(
        edition=closed_edition, slug="banking", name_en="Banking", name_pl="Bankowość", name_ro="Bănci"
    )


@pytest.fixture
def winner(banking):
    return make_candidate(
        banking, votes=120, score=4, name="Łódź Spółdzielnia Mleczarska", contact_email="biuro@lodz-mleko.example"
    )


@pytest.fixture
def runner_up(banking):
    return make_candidate(
        banking, votes=80, score=5, name="Banca Comercială Ștefănești", contact_email="office@bcs.example"
    )


@pytest.fixture
def issued(winner, runner_up, manager, django_capture_on_commit_callbacks):
    """The winner's certificate, issued with its files generated and its invitation sent."""
    with django_capture_on_commit_callbacks(execute=True):
        result = certificates.issue_certificates(edition=winner.edition, nominee_ids=[winner.pk], actor=manager)
    certificate = result.certificates[0]
    certificate.refresh_from_db()
    return certificate


@pytest.fixture(autouse=True)
def _breakers_closed():
    """A test that makes publishing fail trips the per-process breaker; the next test starts with it closed."""
    from portal.breaker import broker_breaker, cache_breaker

    broker_breaker.reset()
    cache_breaker.reset()
    yield
    broker_breaker.reset()
    cache_breaker.reset()
