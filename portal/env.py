"""Typed settings from the environment, failing loudly on a bad value (healthchecks' hc/settings.py style)."""

import os
import re

from django.core.exceptions import ImproperlyConfigured


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise ImproperlyConfigured(f"Set the {name} environment variable.")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false).")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer.") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def env_colour(name: str, default: str) -> str:
    """A colour as "#RRGGBB"; the "#" may be left out (an env file could read it as a comment)."""
    value = env_str(name, default).strip()
    if not re.fullmatch(r"#?[0-9A-Fa-f]{6}", value):
        raise ImproperlyConfigured(f"{name}={value!r} is not a colour like B8860B or #B8860B.")
    return "#" + value.lstrip("#").upper()


def env_per_language(name: str, languages: tuple[str, ...] = ("en", "pl", "ro")) -> dict[str, str]:
    """`NAME_EN`, `NAME_PL`, ... as {"en": ..., ...}, only those set: the rest keep the translated default."""
    found = {}
    for language in languages:
        value = os.environ.get(f"{name}_{language.upper()}")
        if value is not None and value != "":
            found[language] = value
    return found
