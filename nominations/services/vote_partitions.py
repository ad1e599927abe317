"""The vote table's partitions, as the edition service, the nightly task and the operator use them (PostgreSQL)."""

from django.db import transaction

from audit import services as audit
from portal.auth import Actor

from .. import partitions
from ..exceptions import EditionNotFinished, FlagsPending, NoVotePartition, VotesNotPartitioned
from ..models import Edition, FraudDecision, FraudFlag


def ensure_vote_partitions() -> dict[str, int]:
    """A partition for every edition that lacks one (nightly, and after `migrate`); counts per outcome."""
    return partitions.ensure_partitions(Edition.objects.order_by("pk").values_list("pk", flat=True))


def detach_edition_votes(*, edition: Edition, actor: Actor | None) -> partitions.Detached:
    """Detach a finished, released edition's votes (and move its settled flags beside them), logged.

    Refused with a reason otherwise: its figures are published from the stored ledger and
    tallies, which stay; its votes leave every index the running editions write.
    """
    if not partitions.is_partitioned():
        raise VotesNotPartitioned()
    if not (edition.has_voting_closed() and edition.results_released):
        raise EditionNotFinished()
    if FraudFlag.objects.filter(edition=edition, decision=FraudDecision.PENDING).exists():
        raise FlagsPending()
    if edition.pk not in partitions.attached_edition_ids():
        raise NoVotePartition()
    with transaction.atomic():
        detached = partitions.detach(edition_id=edition.pk)
        audit.record(
            actor=actor,
            action="edition.detach_votes",
            obj=edition,
            after={"partition": detached.partition, "votes": detached.votes, "flags": detached.flags},
        )
    return detached
