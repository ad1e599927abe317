"""Four eyes under concurrency: recording a check and deciding take the nominee's row lock, so neither
slips past the other (PostgreSQL, threads).

Without the lock in record_check, a check written while an approval is being made commits beside it:
the nominee ends approved with a failed check, or approved by an auditor who recorded one of its checks.
Each test holds one transaction open just before it commits, starts the other, and lets the first go
only once PostgreSQL shows the second waiting for a lock (or the second has finished: the bug).
"""

import threading

import pytest
from django.db import connection, connections

from audit import services as audit
from certification.exceptions import CheckRefused, TransitionRefused
from certification.models import Check
from certification.vetting import services
from nominations.models import Nominee
from nominations.models import NomineeState as S
from tests.pg_locks import backend_pid, wait_until, waits_for_a_lock

pytestmark = [
    pytest.mark.postgres,
    # Committed rows, seen by each thread's connection; serialized_rollback brings back the roles
    # (groups made by a migration) that an earlier transactional test's flush removed.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)"),
]


class Paused:
    """Holds open the transaction that writes the audit entry `action`, just before it commits, until released."""

    def __init__(self, monkeypatch, action: str):
        self.reached, self.released = threading.Event(), threading.Event()
        record = audit.record

        def record_then_wait(**kwargs):
            entry = record(**kwargs)
            if kwargs["action"] == action:
                self.reached.set()
                self.released.wait(10)
            return entry

        monkeypatch.setattr(audit, "record", record_then_wait)


class Running:
    """A call in its own thread, on its own database connection; `result` is what it returned or raised."""

    def __init__(self, call):
        self.result = None
        self.pid = None
        started = threading.Event()

        def run():
            try:
                self.pid = backend_pid()
                started.set()
                self.result = call()
            except Exception as error:  # noqa: BLE001 - the outcome under test
                self.result = error
            finally:
                started.set()
                connections.close_all()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        assert started.wait(10)

    def waits_or_is_done(self) -> bool:
        return not self.thread.is_alive() or waits_for_a_lock(self.pid)

    def join(self):
        self.thread.join(10)
        assert not self.thread.is_alive()


FAILING_COMPLAINTS = {"sample_size": 20, "acknowledge": 1, "apologise": 1, "assess": 1, "act": 1, "follow_up": 1}


def test_a_check_changed_during_an_approval_waits_for_it_and_is_then_refused(
    vetted, auditor, second_auditor, monkeypatch
):
    paused = Paused(monkeypatch, "nominee.approved")
    approving = Running(lambda: services.approve(nominee=vetted, actor=second_auditor))
    assert paused.reached.wait(10)  # the approval has read the checks; it holds the row, not committed
    correcting = Running(
        lambda: services.record_check(nominee=vetted, kind="complaints", inputs=FAILING_COMPLAINTS, actor=auditor)
    )
    wait_until(correcting.waits_or_is_done, what="the correction to wait for the nominee's row lock")
    paused.released.set()
    approving.join()
    correcting.join()
    assert isinstance(approving.result, Nominee), approving.result
    assert isinstance(correcting.result, CheckRefused), f"the check changed under the approval: {correcting.result!r}"
    assert Nominee.objects.get(pk=vetted.pk).state == S.APPROVED
    assert not Check.objects.filter(nominee=vetted, result="fail").exists()


def test_an_approval_made_while_the_approver_records_a_check_waits_for_it_and_is_refused(
    vetted, second_auditor, monkeypatch
):
    paused = Paused(monkeypatch, "check.record")
    recording = Running(
        lambda: services.record_check(
            nominee=vetted, kind="survey", inputs={"sample_size": 10, "satisfied": 9}, actor=second_auditor
        )
    )
    assert paused.reached.wait(10)  # the check is written, not committed
    approving = Running(lambda: services.approve(nominee=vetted, actor=second_auditor))
    wait_until(approving.waits_or_is_done, what="the approval to wait for the nominee's row lock")
    paused.released.set()
    recording.join()
    approving.join()
    assert isinstance(recording.result, Check), recording.result
    assert isinstance(approving.result, TransitionRefused), (
        f"approved by an auditor who recorded a check: {approving.result!r}"
    )
    assert "four eyes" in str(approving.result)
    assert Nominee.objects.get(pk=vetted.pk).state == S.UNDER_REVIEW
