"""One production stack (collected static files, gunicorn, nginx) shared by a module's tests.

Needs PostgreSQL, Redis and nginx, as production does: skipped on SQLite, without Redis
(`make run`'s path) or without an nginx binary (.ci/run installs Debian's).
"""

import shutil
import socketserver
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from tests.production import stack


def pytest_collection_modifyitems(items):
    reason = None
    if connection.vendor != "postgresql":
        reason = "production runs PostgreSQL (set DATABASE_URL)"
    elif not django_settings.REDIS_URL:
        reason = "production runs Redis (set REDIS_URL)"
    elif not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        reason = "needs nginx (apt-get install nginx; .ci/run does)"
    for item in items:
        if "tests/production/" in str(item.fspath):
            item.add_marker(pytest.mark.postgres)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@dataclass
class MailSink:
    """A bare SMTP server: what the portal's mail backend sends arrives in `messages`."""

    port: int
    messages: list[bytes] = field(default_factory=list)


class _SMTPHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        sink: MailSink = self.server.sink  # type: ignore[attr-defined]
        self.wfile.write(b"220 sink\r\n")
        while line := self.rfile.readline():
            command = line.strip().upper()
            if command.startswith(b"DATA"):
                self.wfile.write(b"354 go on\r\n")
                body = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    body.append(data)
                sink.messages.append(b"".join(body))
                self.wfile.write(b"250 queued\r\n")
            elif command.startswith(b"QUIT"):
                self.wfile.write(b"221 bye\r\n")
                return
            elif command.startswith(b"EHLO"):
                self.wfile.write(b"250 sink\r\n")
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture(scope="session")
def mail_sink() -> Iterator[MailSink]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.daemon_threads = True
    server.sink = MailSink(port=server.server_address[1])  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.sink  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory) -> Path:
    """The Dockerfile's collectstatic line, once per run."""
    root = tmp_path_factory.mktemp("staticfiles")
    stack.collect_static(root)
    return root


@pytest.fixture(scope="module")
def production_env(django_db_setup, collected_static, mail_sink, tmp_path_factory) -> dict[str, str]:
    """.env.example's values, with only what must point at this machine replaced."""
    db = connection.settings_dict
    signing = tmp_path_factory.mktemp("signing")
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    env = {
        **stack.base_env(),
        **stack.env_example(),
        "DATABASE_URL": f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": django_settings.REDIS_URL,
        "STATIC_ROOT": str(collected_static),
        # One folder for every node (README: object storage when configured, a shared volume otherwise).
        "MEDIA_ROOT": str(tmp_path_factory.mktemp("media")),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(mail_sink.port),
        "EMAIL_USE_TLS": "0",
        # No Celery worker in these tests: the web nodes run the tasks themselves.
        "CELERY_TASK_ALWAYS_EAGER": "1",
        # Two workers a node on these shared 2-core machines (production: WEB_CONCURRENCY=3).
        "WEB_CONCURRENCY": "2",
        "TESTING": "0",
        "SIGNING_DIR": str(signing),
    }
    # README "Production", step 3, as an operator trying it out does it: a development key pair.
    made = subprocess.run(
        [sys.executable, "manage.py", "make_signing_key"],
        cwd=stack.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    return env
