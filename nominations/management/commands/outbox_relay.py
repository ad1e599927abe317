import signal

from django.conf import settings
from django.core.management.base import BaseCommand

from nominations.outbox import run_relay


class Command(BaseCommand):
    help = (
        "Hand the work the votes wait for (mails, counting) to the Celery workers: wakes on PostgreSQL "
        "NOTIFY, and every --catch-up seconds on its own. One per deployment is enough; two are safe."
    )

    def add_arguments(self, parser):
        parser.add_argument("--catch-up", type=float, default=settings.OUTBOX_CATCH_UP_SECONDS)

    def handle(self, *args, **options):
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_args: stopping.append(True))
        self.stdout.write(f"outbox relay: listening, catching up every {options['catch_up']:g} s")
        run_relay(catch_up_seconds=options["catch_up"], stop=lambda: bool(stopping))
