import pytest

from certification.exceptions import TransitionRefused
from certification.vetting import services as vetting
from nominations.models import Nominee
from nominations.models import NomineeState as S

pytestmark = pytest.mark.django_db


def test_the_auditor_who_recorded_checks_cannot_approve(vetted, auditor):
    with pytest.raises(TransitionRefused, match="four eyes"):
        vetting.approve(nominee=vetted, actor=auditor)
    assert Nominee.objects.get(pk=vetted.pk).state == S.UNDER_REVIEW


def test_the_auditor_who_recorded_checks_cannot_reject(vetted, auditor):
    with pytest.raises(TransitionRefused, match="four eyes"):
        vetting.reject(nominee=vetted, actor=auditor, reason="no")
    assert Nominee.objects.get(pk=vetted.pk).state == S.UNDER_REVIEW


def test_a_second_auditor_approves(vetted, second_auditor):
    vetting.approve(nominee=vetted, actor=second_auditor)
    assert Nominee.objects.get(pk=vetted.pk).state == S.APPROVED


def test_recording_a_single_check_is_enough_to_be_excluded(vetted, second_auditor):
    vetting.record_check(
        nominee=vetted, kind="survey", inputs={"sample_size": 10, "satisfied": 9}, actor=second_auditor
    )
    with pytest.raises(TransitionRefused, match="four eyes"):
        vetting.approve(nominee=vetted, actor=second_auditor)
