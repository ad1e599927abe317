import pytest

from certification import services
from nominations.models import NomineeState
from tests.factories import NomineeFactory, UserFactory


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


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
        services.record_check(nominee=nominee, kind=kind, inputs=inputs, actor=actor)
    services.record_check(nominee=nominee, kind="mystery_shopping", channel="phone", inputs=mystery, actor=actor)


@pytest.fixture
def vetted(under_review, auditor):
    """A nominee under review whose checks (by `auditor`) allow an approval: score (5 + 4 + 4) / 3 = 4.3."""
    record_passing_checks(under_review, auditor)
    return under_review
