from django.core.management.base import BaseCommand, CommandError

from nominations import ledger
from nominations.models import Edition


class Command(BaseCommand):
    help = (
        "Recompute an edition's released results from its votes and check that the published figures, ledgers and "
        "digests (and those recorded in the audit log) still match; exits with 1 on the first mismatch it names."
    )

    def add_arguments(self, parser):
        parser.add_argument("--edition", required=True, help="edition slug")

    def handle(self, *args, **options):
        edition = Edition.objects.filter(slug=options["edition"]).first()
        if edition is None:
            raise CommandError(f"No edition {options['edition']!r}.")
        if not edition.results_released:
            raise CommandError(f"The results of {edition.slug} are not released; there is nothing to verify.")
        problems = ledger.verify(edition)
        if problems:
            for problem in problems:
                self.stderr.write(f"MISMATCH {edition.slug}: {problem}")
            raise CommandError(f"{edition.slug}: {len(problems)} mismatch(es); the first: {problems[0]}")
        latest = edition.released_results.order_by("-version").first()
        self.stdout.write(
            f"OK {edition.slug}: version {latest.version} matches the votes; figures, ledgers and digests as published "
            f"(edition digest {latest.digest})."
        )
