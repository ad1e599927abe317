from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from nominations.models import Edition
from nominations.tally import process_all_pending_votes, recount_edition, waiting_votes


class Command(BaseCommand):
    help = "Process waiting votes, then recompute the tallies of an edition (or all) in full from the votes."

    def add_arguments(self, parser):
        parser.add_argument("--edition", help="edition slug (default: every edition)")

    def handle(self, *args, **options):
        editions = Edition.objects.all()
        if options["edition"]:
            editions = editions.filter(slug=options["edition"])
            if not editions:
                raise CommandError(f"No edition {options['edition']!r}.")
        quiet = options["verbosity"] == 0
        with tqdm(total=waiting_votes(), desc="waiting votes", unit="vote", disable=quiet) as bar:
            process_all_pending_votes(progress=bar.update)
        for edition in tqdm(list(editions), desc="recount", unit="edition", disable=quiet):
            nominees = recount_edition(edition)
            self.stdout.write(f"{edition.slug}: {nominees} nominees recounted")
