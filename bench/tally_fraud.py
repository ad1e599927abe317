"""Tally, fraud scan and insert benchmarks on PostgreSQL (issue: background tallies and fraud checks).

    .venv/bin/python bench/tally_fraud.py [--votes 1000000]

Builds a throw-away database `portal_bench` next to DATABASE_URL's, with
20 categories and 2,000 nominees, and prints each figure beside its baseline:
- full recount vs a plain `SELECT nominee_id, count(*) ... GROUP BY` (target <= 1.2x);
- fraudscan over every vote (target < 10 s on 2 cores);
- seed_demo's insert rate vs PostgreSQL COPY of the same rows (target >= 0.5x); --only-insert stops there.
"""

import argparse
import os
import tempfile

from common import bench_database_url, machine, recreate_database, setup_django, timed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--fraud-share", type=float, default=0.05)
    parser.add_argument("--only-insert", action="store_true", help="stop after seeding vs COPY")
    args = parser.parse_args()

    url = bench_database_url("bench")
    recreate_database(url)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    from nominations.fraud.scan import scan_edition
    from nominations.models import Edition, Vote
    from nominations.tally import recount_edition

    call_command("migrate", verbosity=0)
    print(f"machine: {machine()}")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        print(f"PostgreSQL {cursor.fetchone()[0]}; {args.votes:,} votes, 20 categories, 2,000 nominees")

    # 1. Insert: seed_demo end to end (generation included) vs COPY of the very same rows.
    seed = timed(
        lambda: call_command(
            "seed_demo",
            votes=args.votes,
            fraud_share=args.fraud_share,
            categories=20,
            nominees=2000,
            no_process=True,
            verbosity=0,
        )
    )
    columns = ", ".join(f.column for f in Vote._meta.concrete_fields if f.column != "id" and not f.generated)
    with tempfile.NamedTemporaryFile("w+b", suffix=".csv") as dump, connection.cursor() as cursor:
        cursor.copy_expert(
            f"COPY (SELECT {columns} FROM nominations_vote ORDER BY id) TO STDOUT WITH (FORMAT csv)", dump
        )
        dump.flush()
        cursor.execute("CREATE TABLE bench_vote_copy (LIKE nominations_vote INCLUDING ALL)")

        def copy():
            dump.seek(0)
            cursor.copy_expert(f"COPY bench_vote_copy ({columns}) FROM STDIN WITH (FORMAT csv)", dump)

        copy_time = timed(copy)
        cursor.execute("DROP TABLE bench_vote_copy")
    print(
        f"insert: seed_demo {args.votes / seed:,.0f} votes/s ({seed:.1f} s) | COPY {args.votes / copy_time:,.0f} votes/s "
        f"({copy_time:.1f} s) | ratio {copy_time / seed:.2f}x (target >= 0.5x)"
    )
    if args.only_insert:
        return

    edition = Edition.objects.get(slug="load-pl-2026")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE nominations_vote")

    # 2. Fraud scan over every vote. seed_demo --no-process left the votes as
    # if no worker had seen them; mark them checked first, as the background
    # batches would have (that one-off UPDATE of every row is not the scan).
    with connection.cursor() as cursor:
        cursor.execute("UPDATE nominations_vote SET checked_at = now() WHERE confirmed_at IS NOT NULL")
        cursor.execute("VACUUM ANALYZE nominations_vote")
    first = timed(lambda: scan_edition(edition))
    rescan = timed(lambda: scan_edition(edition), repeat=3)
    print(
        f"fraudscan: {rescan:.2f} s over {args.votes:,} votes, re-run (first run, raising the flags and holding "
        f"the votes: {first:.2f} s) (target < 10 s)"
    )

    # 2b. One background batch among the million: the last 1,000 confirmed votes
    # marked as a fresh batch and checked, then rolled back (no target; it shows
    # what a worker pays per batch at this size).
    from django.db import transaction
    from django.utils import timezone

    from nominations.fraud.scan import check_new_votes

    def one_batch():
        with transaction.atomic():
            ids = list(
                Vote.objects.filter(confirmed_at__isnull=False).order_by("-id").values_list("id", flat=True)[:1000]
            )
            mark = timezone.now()
            Vote.objects.filter(pk__in=ids).update(checked_at=mark)
            check_new_votes(checked_at=mark)
            transaction.set_rollback(True)

    batch = timed(one_batch, repeat=3)
    print(f"fraud check of one batch of 1,000 new votes among {args.votes:,}: {batch:.2f} s")

    # 3. Full recount vs the plain GROUP BY on the same table.
    recount_edition(edition)  # warm-up: marks every vote tallied

    def plain():
        with connection.cursor() as cursor:
            cursor.execute("SELECT nominee_id, count(*) FROM nominations_vote GROUP BY nominee_id")
            cursor.fetchall()

    with connection.cursor() as cursor:
        # As autovacuum would after the scan's writes: visibility maps and statistics for the index-only scans.
        cursor.execute("VACUUM ANALYZE nominations_vote, nominations_fraudflag, nominations_tally")
    plain_time = timed(plain, repeat=5)
    recount_time = timed(lambda: recount_edition(edition), repeat=5)
    print(
        f"recount: {recount_time * 1000:.0f} ms | plain GROUP BY {plain_time * 1000:.0f} ms | "  # medians of 5
        f"ratio {recount_time / plain_time:.2f}x (target <= 1.2x)"
    )


if __name__ == "__main__":
    os.chdir(os.path.dirname(os.path.abspath(__file__)))
    main()
