"""docker-compose.yml read as docker compose reads it, without a Docker engine.

Parsed with PyYAML (anchors and `<<` merges resolved), with `${...}` interpolated from
.env.example the way compose interpolates from .env (`${X}`, `${X:-default}`,
`${X-default}`, `${X:?error}`, `$$`). The smoke test takes the nginx template and the
entrypoint script from the paths the proxy service mounts, so the file compose runs is
the file CI runs.
"""

import json
import re
import shlex
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
# Where nginx's official image looks for templates to render and scripts to run at start.
NGINX_TEMPLATES = "/etc/nginx/templates/"
NGINX_ENTRYPOINT_SCRIPTS = "/docker-entrypoint.d/"

_VARIABLE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def env_example() -> dict[str, str]:
    """.env.example as docker compose reads an env file: NAME=value lines, comments skipped, quotes removed.

    tests/portal/test_env_example.py checks a shell (`set -a; . ./.env`) and systemd read the same values.
    """
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = re.match(r"([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match:
            value = match.group(2)
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            values[match.group(1)] = value
    return values


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's interpolation of one string."""

    def replace(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1) or match.group(4)
        operator, argument = match.group(2), match.group(3)
        value = env.get(name)
        if operator == ":-":
            return value if value else argument
        if operator == "-":
            return argument if value is None else value
        if operator in {":?", "?"}:
            if (value is None) or (operator == ":?" and value == ""):
                raise ValueError(f"compose would stop: {name}: {argument}")
            return value
        return value or ""

    return _VARIABLE.sub(replace, text)


def _interpolated(node: Any, env: dict[str, str]) -> Any:
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, list):
        return [_interpolated(item, env) for item in node]
    if isinstance(node, dict):
        return {key: _interpolated(value, env) for key, value in node.items()}
    return node


@cache
def raw() -> dict[str, Any]:
    """The file as written (merges resolved, `${...}` left as they are)."""
    return yaml.safe_load(COMPOSE_FILE.read_text())


def resolved(env: dict[str, str] | None = None) -> dict[str, Any]:
    """The file as compose runs it with `.env` = .env.example (or the given values)."""
    return _interpolated(raw(), env_example() if env is None else env)


def services() -> dict[str, dict[str, Any]]:
    return resolved()["services"]


def command_words(service: dict[str, Any]) -> list[str]:
    command = service.get("command", [])
    return shlex.split(command) if isinstance(command, str) else list(command)


def mounts(service: dict[str, Any]) -> dict[str, str]:
    """A service's volumes as {target in the container: source} (short syntax; ":ro" dropped)."""
    found = {}
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        found[target] = source
    return found


def mounted_file(service: str, target_prefix: str) -> Path:
    """The one file of the repository a service mounts under `target_prefix`."""
    found = [source for target, source in mounts(services()[service]).items() if target.startswith(target_prefix)]
    assert len(found) == 1, f"{service} mounts {len(found)} files under {target_prefix}"
    return (ROOT / found[0]).resolve()


def nginx_template() -> Path:
    """The site template the proxy service renders (nginx's image: envsubst at start)."""
    return mounted_file("proxy", NGINX_TEMPLATES)


def compose_spec_schema() -> dict[str, Any]:
    """The compose-spec JSON schema, as check-jsonschema ships it (vendored from compose-spec)."""
    vendored = resources.files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json")
    return json.loads(vendored.read_text())
