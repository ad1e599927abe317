"""Vote and confirmation throughput under gunicorn with wrk, with Redis up and frozen; then nothing lost, and how soon a confirmation counts.

    .venv/bin/python bench/http_load.py [--duration 15] [--connections 8,32] [--workers 3]

Needs wrk (Debian package `wrk`) and redis-server. Builds a throw-away database named
after DATABASE_URL's (portal_12 -> portal_12_bench_http), starts a redis-server of its
own on a free port (so freezing it touches nothing else) and gunicorn with production
settings (DEBUG off; rate limits on with a rate no run reaches, so their cost is
measured). Each figure is printed beside its baseline, measured in the same run:

- at each connection count: the vote POST and the confirmation POST against
  /bench/minimal/, a view making one ORM query (target >= 0.4x), with p50, p90 and p99;
- the vote POST and the confirmation POST with Redis frozen (SIGSTOP) against Redis up
  (target >= 0.9x);
- then Redis resumes, the outbox relay and one Celery worker start, and once they have
  drained the outbox every vote cast must have had its mail and every confirmed vote
  must be in the tally (the script exits non-zero otherwise);
- with the relay and the worker running, confirmations at a steady pace, and the time
  from each confirmation's response to its vote being counted (target p95 < 5 s).
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from common import (
    ROOT,
    bench_database_url,
    free_port,
    load,
    machine,
    recreate_database,
    setup_django,
    solved_challenges,
    start_redis,
    unconfirmed_votes,
)
from wrk import line, run_wrk, wait_for

CSRF = "B" * 32  # an unmasked CSRF secret, sent both as the cookie and as the form field

VOTE_LUA = """
-- `id` is set per thread by setup(); each thread numbers its own voters and takes every
-- {threads}th solved proof of work from the file (each is accepted once).
local counter = 0
local proofs = {{}}
local thread_count = 0
function setup(thread)
  thread_count = thread_count + 1
  thread:set("id", thread_count)
end
function init(args)
  local n = 0
  for line in io.lines("{proofs}") do
    n = n + 1
    if n % {threads} == id - 1 then proofs[#proofs + 1] = line end
  end
end
request = function()
  counter = counter + 1
  local proof = proofs[counter] or proofs[#proofs]
  local body = "nominee={nominee}&email=voter{tag}t" .. id .. "x" .. counter .. "%40example.com&consent=on&csrfmiddlewaretoken={csrf}&" .. proof
  return wrk.format("POST", "{path}", {{
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "csrftoken={csrf}",
  }}, body)
end
"""

CONFIRM_LUA = """
local tokens = {{}}
local index = 0
local thread_count = 0
function setup(thread)
  thread_count = thread_count + 1
  thread:set("id", thread_count)
end
function init(args)
  local n = 0
  for line in io.lines("{tokens}") do
    n = n + 1
    -- Each thread takes every {threads}th token, so no token is used twice.
    if n % {threads} == id - 1 then tokens[#tokens + 1] = line end
  end
end
request = function()
  index = index + 1
  local token = tokens[index] or tokens[#tokens]
  return wrk.format("POST", "/en/vote/confirm/" .. token .. "/", {{
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "csrftoken={csrf}",
  }}, "csrfmiddlewaretoken={csrf}")
end
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", default="8,32", help="comma-separated; each is a run")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (production: WEB_CONCURRENCY, 3)")
    parser.add_argument(
        "--worker-threads",
        type=int,
        default=4,
        help="threads per worker (production: gthread, GUNICORN_THREADS, 4); 0 for sync workers, as runs before 2026-12-02",
    )
    parser.add_argument("--confirmations", type=int, default=300, help="for confirmation -> counted")
    args = parser.parse_args()
    for tool in ("wrk", "redis-server"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is needed (apt-get install {tool})")

    url = bench_database_url("bench_http")
    recreate_database(url)
    port, redis_port = free_port(), free_port()
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    huge = "1000000000/h"  # rate limits on, never reached: their cost is measured, not their refusals
    env = {
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + "k" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "RATELIMIT_ENABLE": "1",
        "RATELIMIT_VOTE": huge,
        "RATELIMIT_CONFIRM": huge,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "IP_HASH_KEY": "bench",
        "CONN_MAX_AGE": "600",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "LOG_LEVEL": "WARNING",
        "OUTBOX_CATCH_UP_SECONDS": "2",
    }
    redis = start_redis(redis_port)
    processes: list[subprocess.Popen] = []
    log = open(Path(tempfile.gettempdir()) / f"bench-http-{os.getpid()}.log", "w")  # noqa: SIM115 (closed at the end)

    def start(command: list[str]) -> subprocess.Popen:
        process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
        processes.append(process)
        return process

    try:
        setup_django(url, **env)
        from django.core.management import call_command
        from django.db import connection

        from nominations import outbox
        from nominations.mail import confirmation_token
        from nominations.models import Category, Edition, Nominee, Tally, Vote
        from nominations.tally import waiting_votes

        print(f"machine: {machine()}")
        print(f"before: {load()}")
        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command("seed_demo", votes=20_000, categories=20, nominees=200, force=True, verbosity=0)
        edition = Edition.objects.get(slug="load-pl-2026")
        category = Category.objects.filter(edition=edition).order_by("position").first()
        nominee = Nominee.objects.filter(category=category).order_by("pk").first()
        vote_path = f"/en/e/{edition.slug}/c/{category.slug}/"

        # Unconfirmed votes to confirm, each from its own address, mailed an hour ago.
        def tokens_file(tag: str, count: int) -> str:
            votes = unconfirmed_votes(nominee, tag, count)
            path = Path(tempfile.gettempdir()) / f"bench-tokens-{os.getpid()}-{tag}.txt"
            path.write_text("\n".join(confirmation_token(v) for v in votes) + "\n")
            return str(path)

        expected = args.duration * 2500  # more tokens than any run can use
        connection_counts = [int(c) for c in args.connections.split(",")]
        token_files = {c: tokens_file(f"up{c}x", expected) for c in connection_counts}
        tokens_frozen = tokens_file("fz", expected)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        connection.close()

        print(f"log: {log.name}")
        # The production command line (the Dockerfile's CMD, deploy/gunicorn.conf.py): what an operator runs.
        serving = {"GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(args.workers)}
        command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "--config", "deploy/gunicorn.conf.py"]
        if args.worker_threads:
            serving["GUNICORN_THREADS"] = str(args.worker_threads)
        else:
            command += ["--worker-class", "sync"]
        env.update(serving)
        start([*command, "portal.wsgi:application"])
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/bench/minimal/", seconds=90)  # /healthz/ also checks what the run has not started (a worker)
        model = f"{args.worker_threads} threads each (gthread)" if args.worker_threads else "sync"
        print(
            f"gunicorn {args.workers} workers, {model}, deploy/gunicorn.conf.py; "
            f"wrk {args.threads} threads, {args.duration} s per run, on loopback; "
            "no relay or worker during the throughput runs (the mails and counting wait in the outbox)"
        )

        def vote_script(tag):
            proofs = Path(tempfile.gettempdir()) / f"bench-proofs-{os.getpid()}-{tag}.txt"
            proofs.write_text("\n".join(solved_challenges(edition, args.duration * 400)) + "\n")
            return VOTE_LUA.format(
                nominee=nominee.pk, csrf=CSRF, path=vote_path, tag=tag, proofs=proofs, threads=args.threads
            )

        def confirm_script(tokens):
            return CONFIRM_LUA.format(tokens=tokens, threads=args.threads, csrf=CSRF)

        run_wrk(f"{base}/bench/minimal/", None, duration=3, connections=8, threads=args.threads)  # warm-up
        up = {}
        for conns in connection_counts:
            load_args = {"duration": args.duration, "connections": conns, "threads": args.threads}
            minimal = run_wrk(f"{base}/bench/minimal/", None, **load_args)
            vote = run_wrk(base, vote_script(f"c{conns}"), **load_args)
            confirm = run_wrk(base, confirm_script(token_files[conns]), **load_args)
            up[conns] = (minimal, vote, confirm)
            # Little's law: a closed loop of `conns` connections waits conns / throughput on average.
            little = ", ".join(
                f"{name} {1000 * conns / r['rate']:.0f} ms" for name, r in (("minimal", minimal), ("vote", vote))
            )
            print(f"-- {conns} connections (closed loop: mean latency = connections / throughput: {little})")
            print(line("minimal view (one ORM query)", minimal))
            print(line("vote POST", vote) + f"  -> {vote['rate'] / minimal['rate']:.2f}x minimal (target >= 0.4x)")
            print(line("confirmation POST", confirm) + f"  -> {confirm['rate'] / minimal['rate']:.2f}x minimal")

        # Redis frozen (SIGSTOP): the rate limit fails open, the requests touch nothing else of Redis.
        conns = connection_counts[0]
        load_args = {"duration": args.duration, "connections": conns, "threads": args.threads}
        redis.send_signal(signal.SIGSTOP)
        frozen_at = time.time()
        try:
            vote_frozen = run_wrk(base, vote_script("fz"), **load_args)
            confirm_frozen = run_wrk(base, confirm_script(tokens_frozen), **load_args)
        finally:
            redis.send_signal(signal.SIGCONT)
        print(f"-- Redis frozen, {conns} connections")
        print(
            line("vote POST, Redis frozen", vote_frozen)
            + f"  -> {vote_frozen['rate'] / up[conns][1]['rate']:.2f}x Redis up (target >= 0.9x)"
        )
        print(
            line("confirmation POST, Redis frozen", confirm_frozen)
            + f"  -> {confirm_frozen['rate'] / up[conns][2]['rate']:.2f}x Redis up"
        )
        print(f"Redis frozen for {time.time() - frozen_at:.0f} s, then resumed")

        # Now the background: the relay and one worker drain what waits, and nothing may be missing.
        start([str(ROOT / ".venv" / "bin" / "python"), "manage.py", "outbox_relay"])
        # Both queues the votes need (portal/background.py): without -Q a worker takes only the default, tallies.
        start(
            [
                str(ROOT / ".venv" / "bin" / "celery"),
                "-A",
                "portal",
                "worker",
                "-Q",
                "mail,tallies",
                "--concurrency",
                "1",
            ]
            + ["-l", "WARNING"]
        )
        started = time.perf_counter()
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            connection.close()
            if outbox.mails_waiting()[0] == 0 and waiting_votes() == 0:
                break
            time.sleep(0.5)
        took = time.perf_counter() - started
        connection.close()
        new_votes = Vote.objects.filter(edition=edition, email__startswith="voter").count()
        unmailed = Vote.objects.filter(edition=edition, email__startswith="voter", email_sent_at__isnull=True).count()
        confirmed = Vote.objects.filter(edition=edition, confirmed_at__isnull=False).count()
        during_freeze = Vote.objects.filter(edition=edition, email__startswith="fz", confirmed_at__isnull=False).count()
        in_tally = sum(t.counted + t.held + t.rejected for t in Tally.objects.filter(edition=edition))
        print(
            f"drained by the relay and one worker in {took:.1f} s: {new_votes:,} votes cast over HTTP, {unmailed:,} of them "
            f"without their mail; {confirmed:,} confirmed ({during_freeze:,} while Redis was frozen), {in_tally:,} in the tally"
        )
        lost = unmailed + (confirmed - in_tally)

        # Confirmation -> counted with the relay and the worker running: confirmations at a steady pace.
        connection.close()
        fresh = Path(tokens_file("lat", args.confirmations)).read_text().split()
        answered: dict[str, float] = {}

        def confirm_one(token: str) -> None:
            request = urllib.request.Request(
                f"{base}/en/vote/confirm/{token}/",
                data=f"csrfmiddlewaretoken={CSRF}".encode(),
                headers={"Cookie": f"csrftoken={CSRF}"},
            )
            urllib.request.urlopen(request, timeout=10).read()
            answered[token] = time.monotonic()

        from django.core import signing

        ids = {signing.loads(t, salt="nominations.vote-confirm")[0]: t for t in fresh}
        counted_at: dict[int, float] = {}
        for token in fresh:
            confirm_one(token)
            time.sleep(0.05)
            if len(answered) % 20 == 0:
                _poll_counted(ids, counted_at)
        deadline = time.monotonic() + 120
        while len(counted_at) < len(ids) and time.monotonic() < deadline:
            _poll_counted(ids, counted_at)
            time.sleep(0.05)
        delays = sorted(counted_at[i] - answered[ids[i]] for i in counted_at)
        p50, p95 = delays[len(delays) // 2], delays[int(len(delays) * 0.95) - 1]
        print(
            f"confirmation -> counted, {len(fresh)} confirmations at ~15/s with the relay and one worker: "
            f"p50 {p50:.2f} s, p95 {p95:.2f} s, {len(ids) - len(counted_at)} not counted within 2 min (target p95 < 5 s)"
        )
        print(f"after: {load()}")
        if lost or len(counted_at) < len(ids):
            sys.exit(f"FAILED: {unmailed} mails and {confirmed - in_tally} confirmed votes missing")
        print("OK: every vote mailed, every confirmed vote in the tally")
    finally:
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        redis.send_signal(signal.SIGCONT)
        redis.terminate()
        redis.wait()
        log.close()


def _poll_counted(ids: dict[int, str], counted_at: dict[int, float]) -> None:
    """Which of these votes a committed tally run has counted (tallied_at set), and when this was first seen."""
    from django.db import connection

    from nominations.models import Vote

    connection.close()
    waiting = [i for i in ids if i not in counted_at]
    now = time.monotonic()
    for vote_id in Vote.objects.filter(pk__in=waiting, tallied_at__isnull=False, checked_at__isnull=False).values_list(
        "pk", flat=True
    ):
        counted_at[vote_id] = now


if __name__ == "__main__":
    os.chdir(os.path.dirname(os.path.abspath(__file__)))
    main()
