"""Qualification starts as soon as nominations marks an edition's tally final (the periodic task is the backstop)."""

from django.db import transaction

from portal import dispatch

from .tasks import qualify_finalised_editions


def qualify_when_final(sender, edition, **kwargs) -> None:
    # Queued after the commit, so the task reads the final tally; with the broker down the sweep qualifies it.
    transaction.on_commit(lambda: dispatch.send(qualify_finalised_editions))
