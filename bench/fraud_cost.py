"""Cost of the fraud checks on PostgreSQL (issue 9): a full scan of 1,000,000 votes, and one background batch of
1,000 new votes among 1,000,000 and among 5,000,000.

    .venv/bin/python bench/fraud_cost.py [--votes 1000000] [--grow-to 5000000] [--batch 1000]

Builds a throw-away database `portal_fraudc` next to DATABASE_URL's. The edition is demo/fraudsim.py's
labelled traffic (200,000 votes, campaigns included) repeated with new addresses until it has --votes,
written with COPY as if already processed. Targets: scan < 10 s; batch < 2 s; batch at --grow-to within
1.5x of the batch at --votes (its cost must follow the batch, not the edition).
"""

import argparse
import io
import logging
import time
from datetime import UTC, datetime, timedelta

from common import bench_database_url, machine, recreate_database, setup_django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--grow-to", type=int, default=5_000_000)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    url = bench_database_url("portal_fraudc")
    recreate_database(url)
    setup_django(url)
    logging.disable(logging.INFO)
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from demo import fraudsim
    from nominations.client import keyed_hash, network_of
    from nominations.emails import canonical_email, email_fingerprint
    from nominations.fraud.scan import scan_edition
    from nominations.tally import process_pending_votes

    call_command("migrate", verbosity=0)
    print(f"machine: {machine()}")
    start = datetime(2026, 2, 2, tzinfo=UTC)
    sim = fraudsim.generate(votes=200_000, seed=3, start=start, days=14)
    edition, categories, nominees = fraudsim.create_edition(sim, start=start, days=14)
    base = []
    for row in sim.rows:
        canonical = canonical_email(row.email)
        confirmed = datetime.fromtimestamp(row.confirmed, tz=UTC)
        sent = (confirmed - timedelta(seconds=row.delay)).isoformat()
        local, _at, domain = canonical.rpartition("@")
        base.append(
            (
                f"{edition.pk}\t{categories[row.category]}\t{nominees[row.nominee]}\t",
                local,
                domain,
                f"\t{keyed_hash(row.ip)}\t{keyed_hash(network_of(row.ip))}\t{keyed_hash(network_of(row.ip, wide=True))}"
                f"\t{row.agent}\t{keyed_hash(row.agent)}\tpl\t{sent}\t{sent}\t{sent}\t{sent}\t1\t{confirmed.isoformat()}"
                f"\tcounted",
            )
        )
    columns = (*fraudsim.COLUMNS, "checked_at", "tallied_at")
    written = 0

    def write(count: int, *, processed: bool) -> None:
        nonlocal written
        mark = timezone.now().isoformat() if processed else "\\N"
        buffer = io.StringIO()
        for i in range(written, written + count):
            head, local, domain, tail = base[i % len(base)]
            rep = i // len(base)
            # A new address per repetition, on the same domain; the provider's folding still applies.
            name = f"{local}_r{rep}q" if rep else local
            fingerprint = email_fingerprint(f"{name}@{domain}")
            buffer.write(
                f"{head}{name}@{domain}\t{name}@{domain}\t{fingerprint}\tn{i}\tC{i:013d}{tail}\t{mark}\t{mark}\n"
            )
            if buffer.tell() > 64 << 20:
                buffer.seek(0)
                with connection.cursor() as cursor:
                    cursor.copy_from(buffer, "nominations_vote", columns=columns)
                buffer = io.StringIO()
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.copy_from(buffer, "nominations_vote", columns=columns)
            cursor.execute("ANALYZE nominations_vote")
        written += count

    def batch_cost() -> float:
        write(args.batch, processed=False)
        started = time.perf_counter()
        process_pending_votes(batch_size=args.batch)
        return time.perf_counter() - started

    write(args.votes - args.batch, processed=True)
    batch_small = min(batch_cost() for _i in range(3))
    started = time.perf_counter()
    scan_edition(edition)
    scan = time.perf_counter() - started
    print(
        f"{written:,} votes: full scan {scan:.2f} s (target < 10 s); batch of {args.batch:,} {batch_small:.2f} s (target < 2 s)"
    )
    if args.grow_to > written:
        write(args.grow_to - written - args.batch, processed=True)
        batch_large = min(batch_cost() for _i in range(3))
        print(
            f"{written:,} votes: batch of {args.batch:,} {batch_large:.2f} s, "
            f"{batch_large / batch_small:.2f}x the batch among {args.votes:,} (target <= 1.5x)"
        )


if __name__ == "__main__":
    main()
