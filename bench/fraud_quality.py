"""Fraud-check quality on a labelled edition (issue 9): recall per campaign, held share per legitimate case.

    .venv/bin/python bench/fraud_quality.py [--votes 200000] [--seed 7] [--review-every 6] [--profile holdout]

Builds a throw-away database `<name>_fraudq` next to DATABASE_URL's, generates
the edition (demo/fraudsim/), then feeds it as production sees it: hour by
hour, the votes confirmed in that hour are written (COPY) and the background
batch runs (process_pending_votes), and every --review-every hours the
integrity assessment (the hourly beat task in production). Then a full scan.
Prints per campaign and per legitimate case the share caught, overall recall,
precision and false-positive rate, and the races whose winner changed, before
and after an (informed) auditor settles the reviews.
"""

import argparse
import logging
import time
from datetime import UTC, datetime

import numpy as np
from common import bench_database_url, machine, recreate_database, setup_django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--votes", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--review-every", type=int, default=6, help="hours between integrity assessments")
    parser.add_argument(
        "--profile",
        choices=("default", "holdout", "holdout-daytime"),
        default="default",
        help="holdout: the differently made edition",
    )
    parser.add_argument(
        "--at-once", action="store_true", help="write every vote, then one batch and the scan (quick, for iterating)"
    )
    parser.add_argument("--keep", action="store_true", help="reuse the database (no new generation)")
    args = parser.parse_args()

    url = bench_database_url("fraudq" if args.profile == "default" else f"fraudq_{args.profile.replace('-', '_')}")
    recreate_database(url)
    setup_django(url)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from demo import fraudsim
    from nominations.fraud.scan import assess_edition_hourly, scan_edition
    from nominations.tally import process_all_pending_votes, recount_edition
    from portal.locks import advisory_lock

    logging.disable(logging.INFO)  # the tasks' and services' own log lines
    call_command("migrate", verbosity=0)
    print(f"machine: {machine()}")
    start = datetime(2026, 2, 2, tzinfo=UTC)
    started = time.perf_counter()
    sim = fraudsim.generate(votes=args.votes, seed=args.seed, start=start, days=args.days, profile=args.profile)
    print(f"generated {len(sim.rows):,} votes in {time.perf_counter() - started:.1f} s")
    edition, category_ids, nominee_ids = fraudsim.create_edition(sim, start=start, days=args.days)
    order = sorted(range(len(sim.rows)), key=lambda i: sim.rows[i].confirmed)
    hour_of = [int((sim.rows[i].confirmed - start.timestamp()) // 3600) for i in order]
    batch_times, review_times = [], []
    position = 0
    last_hour = hour_of[-1]
    if args.at_once:
        fraudsim.copy_rows(sim.rows, order, edition_id=edition.pk, category_ids=category_ids, nominee_ids=nominee_ids)
        t = time.perf_counter()
        process_all_pending_votes()
        batch_times.append(time.perf_counter() - t)
        review_times.append(0.0)
        last_hour = min(hour_of) - 1  # nothing left for the hourly loop
    for hour in range(min(hour_of), last_hour + 1):
        upto = position
        while upto < len(order) and hour_of[upto] <= hour:
            upto += 1
        if upto > position:
            fraudsim.copy_rows(
                sim.rows,
                order[position:upto],
                edition_id=edition.pk,
                category_ids=category_ids,
                nominee_ids=nominee_ids,
            )
            position = upto
            t = time.perf_counter()
            process_all_pending_votes()
            batch_times.append(time.perf_counter() - t)
        if hour % args.review_every == args.review_every - 1 or hour == last_hour:
            t = time.perf_counter()
            with transaction.atomic():
                advisory_lock("nominations.process", wait=True)
                assess_edition_hourly(edition)
            process_all_pending_votes()
            review_times.append(time.perf_counter() - t)
        if hour % 48 == 47:
            print(f"  hour {hour}: {position:,} votes written, {time.perf_counter() - started:.0f} s", flush=True)
    print(
        f"background: {len(batch_times)} hourly batches, median {np.median(batch_times) * 1000:.0f} ms, "
        f"max {max(batch_times):.2f} s; {len(review_times)} assessments, median {np.median(review_times):.2f} s"
    )
    t = time.perf_counter()
    scan_edition(edition)
    process_all_pending_votes()
    print(f"full scan: {time.perf_counter() - t:.2f} s")
    recount_edition(edition)

    def show(title: str, caught: np.ndarray) -> None:
        result = fraudsim.report(sim, caught)
        by_rule = fraudsim.rules_by_label(sim, edition.pk, caught)

        def rules(name: str) -> str:
            return ", ".join(f"{rule} {n}" for rule, n in sorted(by_rule.get(name, {}).items(), key=lambda x: -x[1]))

        print(
            f"\n{title}: recall {result['recall']:.1%}, precision {result['precision']:.1%}, "
            f"false-positive rate {result['fpr']:.2%}"
        )
        for name, line in result["lines"].items():
            if "recall" in line:
                print(f"  campaign  {name:18} {line['votes']:6,} votes  caught {line['recall']:6.1%}  [{rules(name)}]")
        for name, line in result["lines"].items():
            if "held" in line:
                print(f"  legit     {name:18} {line['votes']:6,} votes  held   {line['held']:6.2%}  [{rules(name)}]")
        for rule, (flagged, precision) in fraudsim.rule_precision(sim, edition.pk, caught).items():
            print(f"  rule      {rule:18} {flagged:6,} caught votes flagged, precision {precision:6.1%}")
        changed = fraudsim.race_changes(sim, caught)
        print(f"  races whose winner differs from the genuine winner: {changed or 'none'}")

    state = fraudsim.outcome(sim, edition.pk)
    show("Before the auditor (held or under review)", state["caught"])
    auditor = get_user_model().objects.create_superuser("auditor", "auditor@example.org", "x")
    fraudsim.settle_as_auditor(sim, edition.pk, auditor)
    process_all_pending_votes()
    show("After the auditor settled the reviews", fraudsim.outcome(sim, edition.pk)["caught"])
    print(
        f"\nthresholds: edition integrity_threshold {edition.integrity_threshold}; finished {timezone.now():%H:%M} UTC"
    )


if __name__ == "__main__":
    main()
