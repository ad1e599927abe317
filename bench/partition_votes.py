"""How long migration 0025 (partitioning the vote table by edition) takes on a populated table.

    .venv/bin/python bench/partition_votes.py [--votes 1000000] [--editions 3]

Builds a throw-away database `<name>_bench_part` next to DATABASE_URL's, migrated to 0024
(the table before partitioning), fills it with votes spread over the editions (half of
them confirmed, 1% flagged) with INSERT ... SELECT generate_series, then times the
migration forwards, beside a plain `CREATE TABLE ... AS SELECT` copy of the same table
measured in the same run (the floor of any rebuild).
"""

import argparse
import time

from common import bench_database_url, load, machine, recreate_database, setup_django

VOTES_SQL = """
INSERT INTO nominations_vote (edition_id, category_id, nominee_id, email, email_canonical, token_nonce,
    receipt_code, ip_hash, network_hash, wide_network_hash, user_agent, agent_hash, language, created_at,
    email_send_count, email_pending, confirmed_at, email_fingerprint, standing, checked_at, tallied_at,
    pending_rules)
SELECT n.edition_id, n.category_id, n.id, 'v' || g || '@example.com', 'v' || g || '@example.com', md5(g::text),
    upper(substr(md5('r' || g), 1, 4) || '-' || substr(md5('r' || g), 5, 4) || '-' || substr(md5('r' || g), 9, 4)),
    g %% 65536, g %% 4096, g %% 256, 'bench', g %% 50, 'en', now() - interval '1 day',
    1, '', CASE WHEN g %% 2 = 0 THEN now() END, 'v' || g || '@example.com',
    CASE WHEN g %% 2 = 0 THEN 'counted' ELSE 'unconfirmed' END, CASE WHEN g %% 2 = 0 THEN now() END, now(), 0
FROM generate_series(%(low)s, %(high)s) g
JOIN nominations_nominee n ON n.id = (SELECT min(id) FROM nominations_nominee) + g %% %(nominees)s
"""

FLAGS_SQL = """
INSERT INTO nominations_fraudflag (vote_id, nominee_id, rule, evidence, created_at, decision)
SELECT id, nominee_id, 'fast', '{}', now(), 'genuine' FROM nominations_vote WHERE id %% 100 = 0 AND confirmed_at IS NOT NULL
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--editions", type=int, default=3)
    args = parser.parse_args()

    url = bench_database_url("bench_part")
    recreate_database(url)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    from tests.factories import EditionFactory, NomineeFactory

    for app in ("contenttypes", "auth", "audit"):
        call_command("migrate", app, verbosity=0)
    call_command("migrate", "nominations", "0024", verbosity=0)
    nominees_per_edition = 100
    for _e in range(args.editions):
        edition = EditionFactory()
        for _n in range(nominees_per_edition):
            NomineeFactory(category__edition=edition)
    print(f"machine: {machine()}")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        print(f"PostgreSQL {cursor.fetchone()[0]}; {args.votes:,} votes in {args.editions} editions")
        started = time.perf_counter()
        for low in range(1, args.votes + 1, 200_000):
            cursor.execute(
                VOTES_SQL,
                {"low": low, "high": min(low + 199_999, args.votes), "nominees": nominees_per_edition * args.editions},
            )
        cursor.execute(FLAGS_SQL.replace("%%", "%"))
        flags = cursor.rowcount
        cursor.execute("VACUUM ANALYZE nominations_vote")
        print(f"seeded in {time.perf_counter() - started:.1f} s ({flags:,} flags); load {load()}")
        started = time.perf_counter()
        cursor.execute("CREATE TABLE bench_copy AS SELECT * FROM nominations_vote")
        floor = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_copy")
    started = time.perf_counter()
    call_command("migrate", "nominations", "0025", verbosity=0)
    took = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM nominations_vote")
        assert cursor.fetchone()[0] == args.votes
    print(f"\nplain copy (CREATE TABLE AS): {floor:.1f} s")
    print(f"migration 0025: {took:.1f} s ({took / floor:.1f}x the plain copy), {args.votes / took:,.0f} votes/s")
    print(f"load after: {load()}")


if __name__ == "__main__":
    main()
