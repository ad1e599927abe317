"""Vote and confirmation throughput under gunicorn, with Redis up and with Redis frozen.

    .venv/bin/python bench/http_load.py [--duration 15] [--connections 8] [--workers 3]

Needs wrk (Debian package `wrk`) and redis-server. Builds a throw-away database
`portal_bench_http` next to DATABASE_URL's and starts its own redis-server (on
--redis-port, so freezing it touches nothing else) and gunicorn with
production settings (DEBUG off, rate limits off so that the load is measured,
not refused). Each figure is printed beside its baseline, measured on the same
server in the same run:

- vote POST and confirmation POST vs /bench/minimal/, a view making one ORM
  query (target >= 0.6x), with p50 and p99 latency;
- vote POST and confirmation POST with Redis frozen (SIGSTOP) vs Redis up
  (target >= 0.8x);
- then Redis resumes, the reconcile runs, and every confirmed vote must be in
  the tally: the script exits non-zero if one is missing.
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

from common import ROOT, bench_database_url, machine, recreate_database, setup_django

CSRF = "B" * 32  # an unmasked CSRF secret, sent both as the cookie and as the form field

VOTE_LUA = """
-- `id` is set per thread by setup(); each thread numbers its own voters.
local counter = 0
local thread_count = 0
function setup(thread)
  thread_count = thread_count + 1
  thread:set("id", thread_count)
end
request = function()
  counter = counter + 1
  local body = "nominee={nominee}&email=voter" .. id .. "x" .. counter .. "%40example.com&consent=on&csrfmiddlewaretoken={csrf}"
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


def run_wrk(url: str, script: str | None, *, duration: int, connections: int, threads: int) -> dict:
    # A 10 s timeout: a request stalled behind a frozen Redis is measured, not dropped.
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        if script:
            lua.write(script)
    if script:
        command += ["-s", lua.name]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    os.unlink(lua.name)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    latency = {p: _ms(re.search(rf"\s{p}%\s+([\d.]+\w+)", output).group(1)) for p in ("50", "99")}
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    total = int(re.search(r"(\d+) requests in", output).group(1))
    return {
        "rate": rate,
        "p50": latency["50"],
        "p99": latency["99"],
        "bad": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1) if errors else "",
        "requests": total,
    }


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def line(name: str, result: dict) -> str:
    extra = f", {result['bad']} non-2xx/3xx" if result["bad"] else ""
    extra += f", socket errors: {result['socket_errors']}" if result["socket_errors"] else ""
    return (
        f"{name:<34} {result['rate']:8.0f} req/s  p50 {result['p50']:7.1f} ms  p99 {result['p99']:7.1f} ms"
        f"  ({result['requests']} requests{extra})"
    )


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"{url} did not answer")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--redis-port", type=int, default=6391)
    args = parser.parse_args()
    for tool in ("wrk", "redis-server"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is needed (apt-get install {tool})")

    url = bench_database_url("bench_http")
    recreate_database(url)
    redis_url = f"redis://127.0.0.1:{args.redis_port}/0"
    env = {
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + "k" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "RATELIMIT_ENABLE": "0",
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "IP_HASH_KEY": "bench",
        "CONN_MAX_AGE": "600",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "SITE_URL": f"http://127.0.0.1:{args.port}",
    }
    redis = subprocess.Popen(
        ["redis-server", "--port", str(args.redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    server = None
    try:
        setup_django(url, **{k: v for k, v in env.items() if k != "REDIS_URL"})
        from django.core.management import call_command
        from django.db import connection
        from django.utils import timezone

        from nominations.models import Category, Edition, Nominee, Tally, Vote
        from nominations.services import confirmation_token
        from nominations.tasks import reconcile

        print(f"machine: {machine()}")
        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command(
            "seed_demo", votes=20_000, categories=20, nominees=200, force=True, verbosity=0
        )  # DEBUG is off here
        edition = Edition.objects.get(slug="load-pl-2026")
        category = Category.objects.filter(edition=edition).order_by("position").first()
        nominee = Nominee.objects.filter(category=category).order_by("pk").first()
        vote_path = f"/en/e/{edition.slug}/c/{category.slug}/"

        # Unconfirmed votes to confirm, each from its own address, mailed an hour ago.
        def tokens_file(tag: str, count: int) -> str:
            sent = timezone.now() - timedelta(hours=1)
            votes = Vote.objects.bulk_create(
                [
                    Vote(
                        edition=edition,
                        category=category,
                        nominee=nominee,
                        email=f"{tag}{i}@example.org",
                        email_canonical=f"{tag}{i}@example.org",
                        email_fingerprint=f"{tag}{i}@example.org",
                        ip_hash=i,
                        network_hash=i,
                        agent_hash=i,
                        user_agent="bench",
                        language="en",
                        created_at=sent,
                        email_requested_at=sent,
                        email_sent_at=sent,
                    )
                    for i in range(count)
                ],
                batch_size=5000,
            )
            path = Path(tempfile.gettempdir()) / f"bench-tokens-{tag}.txt"
            path.write_text("\n".join(confirmation_token(v) for v in votes) + "\n")
            return str(path)

        expected = args.duration * 2000  # more tokens than any run can use
        tokens_up, tokens_frozen = tokens_file("up", expected), tokens_file("fz", expected)
        connection.close()

        server_log = open(Path(tempfile.gettempdir()) / "bench-gunicorn.log", "w")  # noqa: SIM115 (closed with the process)
        print(f"server log: {server_log.name}")
        server = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "portal.wsgi",
                "-w",
                str(args.workers),
                "-b",
                f"127.0.0.1:{args.port}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=server_log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{args.port}"
        wait_for(f"{base}/healthz/")
        load = {"duration": args.duration, "connections": args.connections, "threads": args.threads}
        print(
            f"gunicorn {args.workers} sync workers; wrk {args.threads} threads, {args.connections} connections, "
            f"{args.duration} s per run, on loopback"
        )

        def vote_script():
            return VOTE_LUA.format(nominee=nominee.pk, csrf=CSRF, path=vote_path)

        def confirm_script(tokens):
            return CONFIRM_LUA.format(tokens=tokens, threads=args.threads, csrf=CSRF)

        run_wrk(f"{base}/bench/minimal/", None, **{**load, "duration": 3})  # warm-up
        minimal = run_wrk(f"{base}/bench/minimal/", None, **load)
        vote = run_wrk(base, vote_script(), **load)
        confirm = run_wrk(base, confirm_script(tokens_up), **load)
        print(line("minimal view (one ORM query)", minimal))
        print(line("vote POST", vote) + f"  -> {vote['rate'] / minimal['rate']:.2f}x minimal (target >= 0.6x)")
        print(
            line("confirmation POST", confirm)
            + f"  -> {confirm['rate'] / minimal['rate']:.2f}x minimal (target >= 0.6x)"
        )

        redis.send_signal(signal.SIGSTOP)
        frozen_at = time.time()
        try:
            vote_frozen = run_wrk(base, vote_script(), **load)
            confirm_frozen = run_wrk(base, confirm_script(tokens_frozen), **load)
        finally:
            redis.send_signal(signal.SIGCONT)
        print(
            line("vote POST, Redis frozen", vote_frozen)
            + f"  -> {vote_frozen['rate'] / vote['rate']:.2f}x Redis up (target >= 0.8x)"
        )
        print(
            line("confirmation POST, Redis frozen", confirm_frozen)
            + f"  -> {confirm_frozen['rate'] / confirm['rate']:.2f}x Redis up"
        )
        print(f"Redis frozen for {time.time() - frozen_at:.0f} s, then resumed")

        started = time.perf_counter()
        reconcile()
        took = time.perf_counter() - started
        confirmed = Vote.objects.filter(edition=edition, confirmed_at__isnull=False).count()
        in_tally = sum(t.counted + t.held + t.rejected for t in Tally.objects.filter(edition=edition))
        during_freeze = Vote.objects.filter(edition=edition, email__startswith="fz", confirmed_at__isnull=False).count()
        mismatched = [
            t.nominee_id
            for t in Tally.objects.filter(edition=edition)
            if t.counted + t.held + t.rejected
            != Vote.objects.filter(nominee_id=t.nominee_id, confirmed_at__isnull=False).count()
        ]
        print(
            f"reconcile after Redis returned: {took:.1f} s; {confirmed:,} confirmed votes "
            f"({during_freeze:,} confirmed while Redis was frozen), {in_tally:,} in the tally, "
            f"{len(mismatched)} nominees off"
        )
        if confirmed != in_tally or mismatched:
            sys.exit("FAILED: confirmed votes missing from the tally")
        print("OK: every confirmed vote is in the tally")
    finally:
        if server:
            server.terminate()
            server.wait()
        redis.send_signal(signal.SIGCONT)
        redis.terminate()
        redis.wait()


if __name__ == "__main__":
    os.chdir(os.path.dirname(os.path.abspath(__file__)))
    main()
