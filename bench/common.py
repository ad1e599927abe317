"""Shared set-up for the benchmarks: a throw-away PostgreSQL database and Django on it."""

import os
import platform
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def bench_database_url(suffix: str) -> str:
    """A throw-away database next to DATABASE_URL's, named after it: portal_12 -> portal_12_<suffix>.

    Derived, never fixed, so two people (or two checkouts) benchmarking on one server
    never drop each other's database.
    """
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal")
    parts = urlsplit(base)
    if not parts.scheme.startswith("postgres"):
        sys.exit("The benchmarks run on PostgreSQL: set DATABASE_URL=postgres://...")
    name = f"{parts.path.lstrip('/') or 'portal'}_{suffix}"
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))


def admin_connection(url: str):
    """An autocommit psycopg2 connection to the `postgres` database of the server that `url` names."""
    import psycopg2

    parts = urlsplit(url)
    admin = psycopg2.connect(
        dbname="postgres",
        user=parts.username or "postgres",
        password=parts.password,
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
    )
    admin.autocommit = True
    return admin


def recreate_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    admin = admin_connection(url)
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def setup_django(url: str, **env) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.update(env)
    import django

    django.setup()


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def timed(fn, repeat: int = 1) -> float:
    """Median wall time of `repeat` runs, in seconds."""
    times = []
    for _i in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis(port: int):
    """A redis-server of the benchmark's own (freezing it touches nothing else); returns the process once it answers."""
    import socket
    import subprocess

    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            if time.monotonic() > deadline:
                server.kill()
                raise
            time.sleep(0.05)


def cpu_ns(pid: int) -> int:
    """CPU time a process (or one PostgreSQL backend) has used, in ns (/proc/PID/schedstat; we run as its owner or root)."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


def load() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def solved_challenges(edition, count: int) -> list[str]:
    """Form fields of `count` vote POSTs with their proof of work solved, URL-encoded ("altcha=...&form_opened=...").

    As the widget would, on challenges made easy (max_number 50): the benchmarks measure
    the server's check and redemption of a proof, not a browser's hashing.
    """
    from urllib.parse import urlencode

    import altcha

    from nominations import challenge

    fields = []
    for _i in range(count):
        issued = altcha.Challenge.from_dict(challenge.issue_challenge(edition=edition, max_number=50))
        solution = altcha.solve_challenge(issued)
        payload = altcha.Payload(issued, solution).to_base64()
        fields.append(urlencode({"altcha": payload, "form_opened": challenge.form_stamp()}))
    return fields


def unconfirmed_votes(nominee, tag: str, count: int) -> list:
    """`count` votes for the nominee waiting for their confirmation, each from its own address, mailed an hour ago.

    For the confirmation benchmarks (cpu_per_request, http_load): call after setup_django.
    """
    from datetime import timedelta

    from django.utils import timezone

    from nominations.models import Vote

    sent = timezone.now() - timedelta(hours=1)
    return Vote.objects.bulk_create(
        [
            Vote(
                edition_id=nominee.edition_id,
                category_id=nominee.category_id,
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
