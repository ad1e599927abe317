"""Cost of the fraud checks on PostgreSQL (issue 9): a full scan of 1,000,000 votes, and one background batch of
1,000 new votes among 1,000,000 and among 5,000,000.

    .venv/bin/python bench/fraud_cost.py [--votes 1000000] [--grow-to 5000000] [--batch 1000]
        [--only scan|batch] [--reuse] [--repeat 3] [--profile FILE]

Builds a throw-away database `portal_fraudc` next to DATABASE_URL's. The edition is demo/fraudsim.py's
labelled traffic (200,000 votes, campaigns included) repeated with new addresses until it has --votes,
written with COPY as if already processed. Targets: scan < 10 s; batch < 2 s; batch at --grow-to within
1.5x of the batch at --votes (its cost must follow the batch, not the edition).

To iterate faster: --only scan (or batch) measures one of the two; --reuse keeps the loaded edition
of --votes in a seed database (`..._portal_fraudc_seed<votes>`, built once) and starts each run from a
copy of it (CREATE DATABASE ... TEMPLATE), so a run costs the measurement, not the loading; --repeat
runs the scan that many times on fresh copies (median reported, needs --reuse); --profile FILE writes
cProfile statistics of the last scan (FILE.scan) and of the last batch (FILE.batch, FILE.batch_large).
"""

import argparse
import cProfile
import io
import logging
import statistics
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from common import admin_connection, bench_database_url, cpu_ns, load, machine, recreate_database, setup_django


def _admin():
    return admin_connection(bench_database_url("x"))


def seed_ready(url: str) -> bool:
    """Whether the seed database exists and its loading finished (it ends by creating bench_seed_complete)."""
    import psycopg2

    with _admin() as admin, admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (urlsplit(url).path.lstrip("/"),))
        if cursor.fetchone() is None:
            return False
    parts = urlsplit(url)
    seed = psycopg2.connect(
        dbname=parts.path.lstrip("/"),
        user=parts.username or "postgres",
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        password=parts.password,
    )
    with seed, seed.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_seed_complete') IS NOT NULL")
        ready = cursor.fetchone()[0]
    seed.close()
    return ready


def copy_database(seed_url: str, url: str) -> None:
    """A fresh copy of the seed database (a file copy: seconds, not the minutes of loading it)."""
    seed, name = urlsplit(seed_url).path.lstrip("/"), urlsplit(url).path.lstrip("/")
    admin = _admin()
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{seed}"')
    admin.close()


def setup_other_database(url: str) -> None:
    """Point the already set-up Django at another database of the same shape."""
    from django.db import connections

    connections.close_all()
    connections["default"].settings_dict["NAME"] = urlsplit(url).path.lstrip("/")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--grow-to", type=int, default=5_000_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--only", choices=("scan", "batch"))
    parser.add_argument("--reuse", action="store_true", help="start from a copy of a seed database, built once")
    parser.add_argument("--repeat", type=int, default=1, help="scans on fresh copies (with --reuse --only scan)")
    parser.add_argument("--seed-only", action="store_true", help="with --reuse: build the seed database and stop")
    parser.add_argument("--profile", help="write cProfile statistics to FILE.scan, FILE.batch")
    args = parser.parse_args()
    # With --reuse the working copy is named after its seed, so runs of two sizes can go side by side.
    url = bench_database_url(f"portal_fraudc_w{args.votes}" if args.reuse else "portal_fraudc")
    seed_url = bench_database_url(f"portal_fraudc_seed{args.votes}")
    seeded = args.reuse and seed_ready(seed_url)
    if seeded:
        copy_database(seed_url, url)
        setup_django(url)
    else:
        recreate_database(seed_url if args.reuse else url)
        setup_django(seed_url if args.reuse else url)
    logging.disable(logging.INFO)
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from demo import fraudsim
    from nominations.client import keyed_hash, network_of
    from nominations.emails import canonical_email, email_fingerprint
    from nominations.fraud.scan import scan_edition
    from nominations.models import Category, Edition, Nominee
    from nominations.tally import process_pending_votes

    call_command("migrate", verbosity=0)
    print(f"machine: {machine()}; {load()}")
    start = datetime(2026, 2, 2, tzinfo=UTC)
    sim = fraudsim.generate(votes=200_000, seed=3, start=start, days=14)
    if seeded:
        edition = Edition.objects.get(slug="fraud-quality")
        categories = list(Category.objects.filter(edition=edition).order_by("pk").values_list("pk", flat=True))
        pks = Nominee.objects.filter(edition=edition).order_by("pk").values_list("pk", flat=True)
        order = [i for _c, indexes in sim.nominees.items() for i in indexes]
        nominees = dict(zip(order, pks, strict=True))
    else:
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

    def cpu_now() -> float:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
        return time.process_time() + cpu_ns(backend) / 1e9

    def batch_cost(profile_as: str = "") -> float:
        write(args.batch, processed=False)
        profile = cProfile.Profile() if args.profile and profile_as else None
        cpu = cpu_now()
        started = time.perf_counter()
        if profile:
            profile.enable()
        process_pending_votes(batch_size=args.batch)
        if profile:
            profile.disable()
            profile.dump_stats(f"{args.profile}.{profile_as}")
        return time.perf_counter() - started, cpu_now() - cpu

    if seeded:
        written = args.votes - args.batch
    else:
        write(args.votes - args.batch, processed=True)
        if args.reuse:
            with connection.cursor() as cursor:
                cursor.execute("CREATE TABLE bench_seed_complete (votes bigint)")
        if args.seed_only:
            return
        if args.reuse:
            from django.db import connections

            connections.close_all()
            copy_database(seed_url, url)
            setup_other_database(url)
    if args.only == "scan":
        write(3 * args.batch, processed=True)
    else:
        batch_small, cpu_small = min(batch_cost("batch" if i == 2 else "") for i in range(3))
        print(
            f"{written:,} votes: batch of {args.batch:,} {batch_small:.2f} s, CPU {cpu_small:.2f} s (target < 2 s); {load()}"
        )
    if args.only != "batch":
        scans, cpus = [], []
        for run in range(args.repeat):
            if run:
                from django.db import connections

                connections.close_all()
                copy_database(seed_url, url)
                written = args.votes - args.batch
                write(3 * args.batch, processed=True)
            profile = cProfile.Profile() if args.profile and run == args.repeat - 1 else None
            cpu = cpu_now()
            started = time.perf_counter()
            if profile:
                profile.enable()
            found = scan_edition(edition)
            if profile:
                profile.disable()
                profile.dump_stats(f"{args.profile}.scan")
            scans.append(time.perf_counter() - started)
            cpus.append(cpu_now() - cpu)
        print(f"hits: {found}")
        print(
            f"{written:,} votes: full scan median {statistics.median(scans):.2f} s of {[round(s, 2) for s in scans]} "
            f"(target < 10 s); CPU (Python + its PostgreSQL backend, parallel workers not included) median "
            f"{statistics.median(cpus):.2f} s; {load()}"
        )
    if args.only != "scan" and args.grow_to > written:
        write(args.grow_to - written - args.batch, processed=True)
        batch_large, cpu_large = min(batch_cost("batch_large" if i == 2 else "") for i in range(3))
        print(
            f"{written:,} votes: batch of {args.batch:,} {batch_large:.2f} s, CPU {cpu_large:.2f} s: "
            f"{batch_large / batch_small:.2f}x the batch among {args.votes:,} (CPU {cpu_large / cpu_small:.2f}x; "
            f"target <= 1.5x); {load()}"
        )


if __name__ == "__main__":
    main()
