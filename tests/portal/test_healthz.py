"""/healthz/ reports the database, Redis and the storage each on its own, and answers 503 when one is down.

The database being down is seen through a real server in tests/production (a gunicorn
node pointed at a closed port); here Redis and the storage are broken for real: a
closed port, a storage folder that is a file.
"""

import socket

import pytest

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_healthy_when_every_component_answers(client, settings):
    response = client.get("/healthz/")
    assert response.status_code == 200
    expected_redis = "ok" if settings.REDIS_URL else "not configured"
    assert response.json() == {"status": "ok", "database": "ok", "redis": expected_redis, "storage": "ok"}
    assert "no-cache" in response.headers["Cache-Control"]


def test_redis_down_answers_503_and_names_it(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.json() == {"status": "down", "database": "ok", "redis": "down", "storage": "ok"}


def test_storage_down_answers_503_and_names_it(client, settings, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the media folder should be")
    settings.MEDIA_ROOT = blocked
    response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.json()["storage"] == "down" and response.json()["database"] == "ok"


def test_the_storage_probe_leaves_no_file_behind(client, settings):
    client.get("/healthz/")
    from pathlib import Path

    leftovers = list((Path(settings.MEDIA_ROOT) / "healthz").glob("*")) if Path(settings.MEDIA_ROOT).exists() else []
    assert leftovers == []
