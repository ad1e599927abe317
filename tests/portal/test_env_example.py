"""`.env.example` lists every setting the code and the compose file read, and nothing else."""

import re
import subprocess
from pathlib import Path

from tests.production import compose

ROOT = Path(__file__).resolve().parents[2]
# Where settings are read: the apps, the gunicorn config, and the compose file's ${...}.
CODE = [*(ROOT / name for name in ("portal", "audit", "nominations", "certification")), ROOT / "deploy"]
READ = re.compile(
    r"""(?:env_(?:str|int|bool|list|colour)\(\s*|os\.environ\.get\(\s*|os\.environ\[\s*|os\.getenv\(\s*)["']([A-Z][A-Z0-9_]+)["']"""
)
PER_LANGUAGE = re.compile(r"""env_per_language\(\s*["']([A-Z][A-Z0-9_]+)["']""")
COMPOSE_VARIABLE = re.compile(r"\$\{([A-Z][A-Z0-9_]+)")
# Read by the code, but not an operator's setting.
NOT_SETTINGS = {
    "TESTING": "switched on by pytest itself",
}


def names_read() -> set[str]:
    names = set()
    for folder in CODE:
        for path in folder.rglob("*.py"):
            if "migrations" in path.parts:
                continue
            text = path.read_text()
            names |= set(READ.findall(text))
            for prefix in PER_LANGUAGE.findall(text):
                names |= {f"{prefix}_EN", f"{prefix}_PL", f"{prefix}_RO"}
    names |= set(COMPOSE_VARIABLE.findall((ROOT / "docker-compose.yml").read_text()))
    return names - set(NOT_SETTINGS)


def names_listed() -> set[str]:
    listed = set()
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = re.match(r"([A-Z][A-Z0-9_]*)=", line)
        if match:
            listed.add(match.group(1))
    return listed


def test_env_example_lists_every_setting_the_code_reads():
    missing = names_read() - names_listed()
    assert not missing, f"read by the code but missing from .env.example: {sorted(missing)}"


def test_env_example_lists_nothing_the_code_does_not_read():
    stale = names_listed() - names_read()
    assert not stale, f"in .env.example but read nowhere: {sorted(stale)}"


def test_the_scan_finds_settings_read_in_each_way():
    """The scan itself: a helper call over two lines, a per-language name, os.environ, compose."""
    found = names_read()
    assert {"EMAIL_BACKEND", "PROGRAMME_NAME_RO", "REDIS_URL", "WEB_CONCURRENCY", "APP_DB_PASSWORD"} <= found


def test_a_shell_reads_the_same_values_as_docker_compose():
    """Without Docker (README, "Production"): `set -a; . ./.env; set +a` before each process, or systemd's EnvironmentFile."""
    sourced = subprocess.run(
        ["sh", "-c", 'set -a; . "$0"; set +a; env -0', str(ROOT / ".env.example")],
        env={},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    shell = dict(item.split("=", 1) for item in sourced.split("\0") if "=" in item)
    expected = compose.env_example()
    assert {name: shell.get(name) for name in expected} == expected
