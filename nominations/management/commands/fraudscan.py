from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from nominations.exceptions import ResultsReleased
from nominations.fraud.rules import RULES
from nominations.fraud.scan import scan_edition
from nominations.models import Edition
from nominations.tally import recount_edition


class Command(BaseCommand):
    help = "Re-run every fraud check over an edition's confirmed votes; settled flags are never raised again."

    def add_arguments(self, parser):
        parser.add_argument("--edition", required=True, help="edition slug")

    def handle(self, *args, **options):
        edition = Edition.objects.filter(slug=options["edition"]).first()
        if edition is None:
            raise CommandError(f"No edition {options['edition']!r}.")
        with tqdm(total=len(RULES) + 1, desc="fraud checks", disable=options["verbosity"] == 0) as bar:
            try:
                found = scan_edition(edition, progress=lambda _name: bar.update(1))
            except ResultsReleased as error:
                raise CommandError(str(error.message)) from None
            recount_edition(edition)
            bar.update(1)
        for rule, hits in found.items():
            self.stdout.write(f"{rule}: {hits} votes")
