"""The demo prints and mails links to the server it runs on (SITE_URL, which `make run` sets from PORT)."""

import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_demo_prints_links_to_the_configured_site(settings):
    settings.SITE_URL = "http://127.0.0.1:8123"
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "http://127.0.0.1:8123/admin/" in out.getvalue()
    assert ":8000" not in out.getvalue()


def test_make_run_serves_and_links_on_the_same_port():
    from pathlib import Path

    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    assert "SITE_URL ?= http://127.0.0.1:$(PORT)" in makefile
    assert "SITE_URL=$(SITE_URL) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)" in makefile
