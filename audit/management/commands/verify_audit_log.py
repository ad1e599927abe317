"""Recompute the audit log's hash chain: OK with the count and the head, or the first broken entry and a non-zero exit."""

from django.core.management.base import BaseCommand, CommandError

from audit import services
from audit.models import AuditEntry


class Command(BaseCommand):
    help = "Check the audit log's hash chain; name the first entry that was changed, removed or back-dated."

    def add_arguments(self, parser):
        parser.add_argument(
            "--published-head",
            metavar="HASH",
            help="A chain head noted earlier (admin, released results): it must still be in the chain, "
            "or entries after it were removed.",
        )

    def handle(self, *args, published_head=None, **options):
        verdict = services.verify_log(published_head=published_head)
        if not verdict.ok:
            entry = AuditEntry.objects.filter(pk=verdict.broken_id).values("at", "action", "object_repr").first()
            raise CommandError(
                f"broken at entry {verdict.broken_id} ({entry['at']:%Y-%m-%d %H:%M:%S%z}, {entry['action']}, "
                f"{entry['object_repr']}): {', '.join(verdict.problems)}. "
                f"The {verdict.count} entries before it verify; the last good hash is {verdict.head}."
            )
        if published_head and not verdict.published_head_found:
            raise CommandError(
                f"the published head {published_head} is not in the chain ({verdict.count} entries, head {verdict.head}): "
                "entries were removed from the end, or it is not this log's."
            )
        self.stdout.write(f"OK: {verdict.count} entries, head {verdict.head}")
