"""CPU time per request, in process: the minimal view against the vote POST and the confirmation POST.

    .venv/bin/python bench/cpu_per_request.py [--rounds 15] [--batch 200] [--profile vote]

CPU time, not wall time, so that the seven other jobs on a shared machine change the
figures much less than they change a wrk run. Each request goes through Django's
WSGI handler with production settings (DEBUG off, every middleware, rate limits on
with a rate no benchmark reaches, so their cost is in), on a throw-away database named
after DATABASE_URL's (portal_12 -> portal_12_bench_cpu) and a redis-server of its own.
For each request it adds up three processes' CPU: this one (time.process_time), the
PostgreSQL backend serving it and the redis-server (both from /proc/PID/schedstat, in
ns). The endpoints alternate batch by batch (minimal, vote, confirm, minimal, ...), and
the medians over the rounds are printed with their ratio to the minimal view
(target >= 0.4x: the endpoint costs at most 2.5 times the one-query view).

--profile vote|confirm|minimal prints a cProfile of one more batch of that endpoint.
"""

import argparse
import cProfile
import io
import os
import pstats
import signal
import statistics
import sys
import time
from urllib.parse import urlencode

from common import (
    bench_database_url,
    cpu_ns,
    free_port,
    load,
    machine,
    recreate_database,
    setup_django,
    solved_challenges,
    start_redis,
    unconfirmed_votes,
)

CSRF = "B" * 32  # an unmasked CSRF secret, sent both as the cookie and as the form field


class Endpoint:
    def __init__(self, name: str, method: str, expect: int):
        self.name, self.method, self.expect = name, method, expect

    def environ(self, i: int) -> dict:
        raise NotImplementedError


def wsgi_environ(method: str, path: str, body: bytes = b"", remote: str = "127.0.0.1") -> dict:
    return {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": remote,
        "HTTP_HOST": "127.0.0.1",
        "HTTP_COOKIE": f"csrftoken={CSRF}",
        "HTTP_USER_AGENT": "Mozilla/5.0 (bench) Firefox/140.0",
        "HTTP_ACCEPT_LANGUAGE": "en",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--profile", choices=["minimal", "vote", "confirm"])
    args = parser.parse_args()

    url = bench_database_url("bench_cpu")
    recreate_database(url)
    redis_port = free_port()
    redis = start_redis(redis_port)
    try:
        run(args, url, redis, redis_port)
    finally:
        redis.send_signal(signal.SIGCONT)
        redis.terminate()
        redis.wait()


def run(args, url: str, redis, redis_port: int) -> None:
    huge = "1000000000/h"  # rate limits on, never reached: their cost is measured, not their refusals
    setup_django(
        url,
        DEBUG="0",
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        SECRET_KEY="bench-" + "k" * 50,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        RATELIMIT_ENABLE="1",
        RATELIMIT_VOTE=huge,
        RATELIMIT_CONFIRM=huge,
        DJANGO_SETTINGS_MODULE="bench.settings",
        IP_HASH_KEY="bench",
        CONN_MAX_AGE="600",
        CELERY_TASK_ALWAYS_EAGER="0",
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        LOG_LEVEL="WARNING",
    )
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from django.db import connection

    from nominations.mail import confirmation_token
    from nominations.models import Category, Edition, Nominee

    print(f"machine: {machine()}")
    print(f"before: {load()}")
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("seed_demo", votes=2000, categories=20, nominees=200, force=True, verbosity=0)
    edition = Edition.objects.get(slug="load-pl-2026")
    category = Category.objects.filter(edition=edition).order_by("position").first()
    nominee = Nominee.objects.filter(category=category).order_by("pk").first()
    vote_path = f"/en/e/{edition.slug}/c/{category.slug}/"
    needed = (args.rounds + 2) * args.batch
    to_confirm = unconfirmed_votes(nominee, "c", needed)
    tokens = [confirmation_token(v) for v in to_confirm]
    proofs = solved_challenges(edition, needed + 50)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    connection.close()

    counters = {"vote": 0, "confirm": 0}

    def minimal_environ():
        return wsgi_environ("GET", "/bench/minimal/")

    def vote_environ():
        counters["vote"] += 1
        n = counters["vote"]
        body = (
            urlencode(
                {"nominee": nominee.pk, "email": f"voter{n}@example.com", "consent": "on", "csrfmiddlewaretoken": CSRF}
            )
            + "&"
            + proofs[n]
        ).encode()
        # Addresses spread over many networks, as real voters are (one rate-limit key each).
        return wsgi_environ("POST", vote_path, body, remote=f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}")

    def confirm_environ():
        token = tokens[counters["confirm"]]
        counters["confirm"] += 1
        return wsgi_environ("POST", f"/en/vote/confirm/{token}/", f"csrfmiddlewaretoken={CSRF}".encode())

    endpoints = {
        "minimal": (minimal_environ, 200),
        "vote": (vote_environ, 302),
        "confirm": (confirm_environ, 200),
    }
    application = get_wsgi_application()
    statuses: list[str] = []

    def start_response(status, headers, exc_info=None):
        statuses.append(status)

    def one(make_environ) -> None:
        response = application(make_environ(), start_response)
        for _chunk in response:
            pass
        response.close()

    def backend_pid() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return cursor.fetchone()[0]

    def batch(name: str) -> tuple[float, float, float]:
        make_environ, expect = endpoints[name]
        pid = backend_pid()
        statuses.clear()
        app0, pg0, redis0 = time.process_time_ns(), cpu_ns(pid), cpu_ns(redis.pid)
        for _i in range(args.batch):
            one(make_environ)
        app1, pg1, redis1 = time.process_time_ns(), cpu_ns(pid), cpu_ns(redis.pid)
        wrong = [s for s in statuses if not s.startswith(str(expect))]
        if wrong:
            sys.exit(f"{name}: {len(wrong)} unexpected responses, e.g. {wrong[0]}")
        per = 1e6 * args.batch  # ns -> ms per request
        return (app1 - app0) / per, (pg1 - pg0) / per, (redis1 - redis0) / per

    for name in endpoints:  # warm-up: templates, connections, the rate limit's script
        for _i in range(20):
            one(endpoints[name][0])
    samples: dict[str, list[tuple[float, float, float]]] = {name: [] for name in endpoints}
    for _round in range(args.rounds):
        for name in endpoints:
            samples[name].append(batch(name))

    print(f"after: {load()}")
    print(f"{args.rounds} rounds of {args.batch} requests per endpoint, alternating; medians in ms of CPU per request")
    print(f"{'endpoint':<10} {'app':>7} {'postgres':>9} {'redis':>7} {'total':>7}   ratio app   ratio total")
    medians = {}
    for name, rows in samples.items():
        app = statistics.median(r[0] for r in rows)
        pg = statistics.median(r[1] for r in rows)
        rd = statistics.median(r[2] for r in rows)
        total = statistics.median(sum(r) for r in rows)
        medians[name] = (app, total)
        ratio = ""
        if name != "minimal":
            ratio = f"{medians['minimal'][0] / app:9.2f}x {medians['minimal'][1] / total:12.2f}x"
        print(f"{name:<10} {app:7.3f} {pg:9.3f} {rd:7.3f} {total:7.3f}   {ratio}")
    print("(ratio: the minimal view's CPU per request / the endpoint's; target >= 0.4x)")

    if args.profile:
        profiler = cProfile.Profile(time.process_time)  # CPU, not wall time spent waiting on sockets
        make_environ = endpoints[args.profile][0]
        profiler.enable()
        for _i in range(args.batch):
            one(make_environ)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(60)
        stats.sort_stats("tottime").print_stats(40)
        print(out.getvalue())


if __name__ == "__main__":
    os.chdir(os.path.dirname(os.path.abspath(__file__)))
    main()
