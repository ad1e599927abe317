import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from nominations.outbox import relay_is_stale, relay_seen_at, run_relay


class Command(BaseCommand):
    help = (
        "Hand the work the votes wait for (mails, counting) to the Celery workers: wakes on PostgreSQL "
        "NOTIFY, and every --catch-up seconds on its own. One per deployment is enough; two are safe."
    )

    def add_arguments(self, parser):
        parser.add_argument("--catch-up", type=float, default=settings.OUTBOX_CATCH_UP_SECONDS)
        parser.add_argument(
            "--check",
            action="store_true",
            help="Do not relay: exit 1 unless a relay beat its heartbeat lately (the container's health check).",
        )

    def handle(self, *args, **options):
        if options["check"]:
            seen_at = relay_seen_at()
            if relay_is_stale(seen_at):
                raise CommandError(f"outbox relay: no heartbeat since {seen_at or 'it started'}")
            self.stdout.write(f"outbox relay: heartbeat at {seen_at:%Y-%m-%d %H:%M:%S%z}")
            return
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_args: stopping.append(True))
        self.stdout.write(f"outbox relay: listening, catching up every {options['catch_up']:g} s")
        run_relay(catch_up_seconds=options["catch_up"], stop=lambda: bool(stopping))
