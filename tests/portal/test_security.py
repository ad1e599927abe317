import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


def test_pages_send_a_content_security_policy(client, db):
    response = client.get("/en/")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_deploy_check_is_clean_with_production_settings(tmp_path):
    env = {
        # DJANGO_ALLOW_ASYNC_UNSAFE is set for the browser tests only; production never has it.
        **{k: v for k, v in os.environ.items() if k not in {"DEBUG", "TESTING", "DJANGO_ALLOW_ASYNC_UNSAFE"}},
        "DEBUG": "0",
        "TESTING": "0",
        "SECRET_KEY": "a-production-like-secret-key-that-is-long-and-random-9f8e7d6c5b4a3210",
        "IP_HASH_KEY": "another-long-random-key-for-hashing-client-addresses-0123456789",
        "ALLOWED_HOSTS": "portal.example.com",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        # Production has its signing keys (README, "Production"); a development pair stands in.
        "SIGNING_DIR": str(tmp_path),
    }
    subprocess.run([sys.executable, "manage.py", "make_signing_key"], cwd=ROOT, env=env, check=True, timeout=120)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "TESTING"}}
    env.update(DEBUG="0", TESTING="0", ALLOWED_HOSTS="portal.example.com")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_makemigrations_check_needs_no_secrets_and_finds_nothing_to_write():
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "TESTING", "ALLOWED_HOSTS"}}
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_bad_boolean_setting_fails_loudly():
    env = {**os.environ, "DEBUG": "maybe"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0 and "DEBUG='maybe' is not a boolean" in result.stderr


@pytest.mark.django_db
def test_admin_login_locks_out_after_repeated_wrong_passwords(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    get_user_model().objects.create_superuser("admin", "a@example.com", "the-right-password-123")
    url = reverse("admin:login")
    for _i in range(3):
        client.post(url, {"username": "admin", "password": "wrong"}, REMOTE_ADDR="192.0.2.1")
    response = client.post(url, {"username": "admin", "password": "the-right-password-123"}, REMOTE_ADDR="192.0.2.1")
    assert response.status_code == 429
    assert "Sign-in locked" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_lockout_behind_the_proxy_is_per_real_client(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.TRUSTED_PROXY_COUNT = 1
    get_user_model().objects.create_superuser("admin", "a@example.com", "the-right-password-123")
    url = reverse("admin:login")
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for _i in range(3):
        client.post(url, {"username": "admin", "password": "wrong"}, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy)
    locked = client.post(
        url, {"username": "admin", "password": "the-right-password-123"}, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy
    )
    assert locked.status_code == 429
    other = client.post(
        url, {"username": "admin", "password": "the-right-password-123"}, HTTP_X_FORWARDED_FOR="203.0.113.9", **proxy
    )
    assert other.status_code == 302
    assert "_auth_user_id" in client.session


def test_benchmark_baseline_view_is_not_mounted_by_default(client, db):
    assert client.get("/bench/minimal/").status_code == 404


def test_benchmark_baseline_view_is_mounted_only_with_the_benchmark_settings():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "DEBUG": "1"}
    code = "from django.urls import resolve; print(resolve('/bench/minimal/').func.__name__)"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "bench_minimal"
