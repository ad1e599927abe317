"""The shape docker compose and the Dockerfile describe (checked without Docker; tests/production runs it)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def compose_services() -> dict[str, str]:
    """Each service's block of docker-compose.yml, by name."""
    text = (ROOT / "docker-compose.yml").read_text()
    body = text.split("\nservices:\n", 1)[1].split("\nvolumes:\n", 1)[0]
    parts = re.split(r"^  ([a-z][a-z0-9_-]*):\n", body, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_only_the_proxy_publishes_ports_and_gunicorn_is_reached_through_it():
    services = compose_services()
    published = sorted(name for name, block in services.items() if re.search(r"^    ports:", block, re.MULTILINE))
    assert published == ["proxy"]
    assert re.search(r"^    image: nginx:", services["proxy"], re.MULTILINE)
    assert "server web:8000;" in services["proxy"]


def test_trusted_proxy_count_matches_the_one_proxy_that_overwrites_forwarded_for():
    env = (ROOT / ".env.example").read_text()
    assert re.search(r"^TRUSTED_PROXY_COUNT=1$", env, re.MULTILINE)
    template = (ROOT / "deploy/nginx/portal.conf.template").read_text()
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in template
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in template
    assert "proxy_add_x_forwarded_for" not in template


def test_the_image_collects_static_files_with_debug_off_and_runs_as_a_user():
    dockerfile = (ROOT / "Dockerfile").read_text()
    collect = next(line for line in dockerfile.splitlines() if "collectstatic" in line and line.startswith("RUN"))
    assert "DEBUG=0" in collect
    users = re.findall(r"^USER (\S+)$", dockerfile, re.MULTILINE)
    assert users and users[-1] not in {"root", "0"}
    assert dockerfile.index(f"USER {users[-1]}") < dockerfile.index("\nCMD ")


def test_the_build_context_leaves_out_secrets_and_local_state():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".env", ".venv", "db.sqlite3", "media", ".git", "node_modules", "deploy/certs", "signing"} <= ignored
