"""Detach a finished, released edition's vote partition (PostgreSQL; docs/partitioning.md)."""

from django.core.management.base import BaseCommand, CommandError

from nominations.exceptions import DetachRefused
from nominations.models import Edition
from nominations.services.vote_partitions import detach_edition_votes


class Command(BaseCommand):
    help = (
        "Take a finished, released edition's votes out of the vote table (its partition is detached and kept "
        "as a table of its own, with its settled fraud flags beside it). Published results are unaffected."
    )

    def add_arguments(self, parser):
        parser.add_argument("--edition", required=True, help="the edition's slug")

    def handle(self, *args, edition, **options):
        found = list(Edition.objects.filter(slug=edition)[:2])
        if len(found) != 1:
            raise CommandError(f"No edition {edition!r}." if not found else f"Several editions are {edition!r}.")
        try:
            detached = detach_edition_votes(edition=found[0], actor=None)
        except DetachRefused as refused:
            raise CommandError(str(refused.message)) from refused
        self.stdout.write(
            f"{edition}: {detached.votes} votes detached as table {detached.partition}; "
            f"{detached.flags} fraud flags moved to {detached.flags_archive}."
        )
