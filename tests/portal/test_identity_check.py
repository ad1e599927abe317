"""The system check refuses a programme name or certificate title that is empty or missing in one language."""

import os
import subprocess
import sys
from pathlib import Path

from portal.checks import check_identity

ROOT = Path(__file__).resolve().parents[2]


def ids(problems) -> list[str]:
    return [problem.id for problem in problems]


def test_the_translated_defaults_pass():
    assert check_identity() == []


def test_a_title_in_every_language_passes(settings):
    settings.CERTIFICATE_TITLE = {"en": "Service Star", "pl": "Gwiazda Obsługi", "ro": "Steaua Serviciului"}
    assert check_identity() == []


def test_a_title_given_only_in_polish_is_refused(settings):
    settings.CERTIFICATE_TITLE = {"pl": "Gwiazda Obsługi"}
    (problem,) = check_identity()
    assert problem.id == "portal.E007"
    assert "CERTIFICATE_TITLE_EN, CERTIFICATE_TITLE_RO" in problem.msg


def test_an_empty_title_is_refused(settings):
    settings.CERTIFICATE_TITLE = {"en": "Service Star", "pl": "  ", "ro": "Steaua Serviciului"}
    assert ids(check_identity()) == ["portal.E006"]


def test_a_programme_name_missing_in_one_language_is_refused(settings):
    settings.PROGRAMME_NAME = {"en": "Service Stars", "pl": "Gwiazdy Obsługi"}
    assert ids(check_identity()) == ["portal.E007"]


def test_an_empty_certifying_body_is_refused(settings):
    settings.CERTIFYING_BODY_NAME = " "
    assert ids(check_identity()) == ["portal.E008"]


def run_check(**variables) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**os.environ, "TESTING": "1", **variables},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_manage_py_check_stops_on_a_title_set_for_one_language_only():
    result = run_check(CERTIFICATE_TITLE_PL="Gwiazda Obsługi")
    assert result.returncode != 0
    assert "portal.E007" in result.stderr and "CERTIFICATE_TITLE_EN, CERTIFICATE_TITLE_RO" in result.stderr


def test_a_bad_mark_colour_fails_loudly():
    result = run_check(MARK_RIM_COLOUR="gold")
    assert result.returncode != 0 and "MARK_RIM_COLOUR='gold' is not a colour" in result.stderr


def test_a_mark_colour_may_leave_out_its_hash(monkeypatch):
    from portal.env import env_colour

    monkeypatch.setenv("MARK_INK_COLOUR", "1d4ed8")
    assert env_colour("MARK_INK_COLOUR", "#000000") == "#1D4ED8"
