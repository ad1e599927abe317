"""Small judgements on one vote or one group's figures, shared by the per-vote rules and the assessment."""

import re
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

import numpy as np

# Browsers driven by a program, and HTTP clients that are not browsers at all.
AUTOMATION = re.compile(
    r"headless|phantomjs|slimerjs|selenium|webdriver|puppeteer|playwright|electron/|"
    r"^curl/|^wget/|python-requests|python-urllib|python-httpx|aiohttp|^httpx|^go-http-client|"
    r"^java/|okhttp|apache-httpclient|node-fetch|^axios|undici|libwww-perl|scrapy|"
    r"^mechanize|httpclient|^ruby|^php|bot\b|spider|crawler",
    re.IGNORECASE,
)


def is_automation_agent(user_agent: str) -> bool:
    """An empty agent or a known automation one; browsers' reduced agents (Chrome 110+) are not."""
    return not user_agent.strip() or bool(AUTOMATION.search(user_agent))


_SEPARATORS = re.compile(r"[._\-+]")
_SWITCH = re.compile(r"(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z])")
_HEX = re.compile(r"[0-9a-f]{10,}")
_CONSONANTS = re.compile(r"[bcdfghjklmnpqrstvwxz]{6,}")
_VOWEL = re.compile(r"[aeiouy]")
_LETTER = re.compile(r"[a-z]")


def is_machine_made(local: str) -> bool:
    """A mailbox name no person picked: letters and digits interleaved, hex strings, long runs without vowels.

    "jan.kowalski85", "ana-maria.popescu", "brzeczyszczykiewicz" are names; "x7k2p9qa",
    "a81f3c09be", "qzxwvkt" are not. Regular expressions only: it runs over many names.
    """
    name = _SEPARATORS.sub("", local.lower())
    if len(name) < 6:
        return False
    if len(_SWITCH.findall(name)) >= 3:
        return True
    if _HEX.fullmatch(name) and not name.isalpha():
        return True
    if _CONSONANTS.search(name):
        return True
    return len(_VOWEL.findall(name)) < 0.15 * len(_LETTER.findall(name))


# The providers a typo-squatting domain imitates. A vote confirmed from "gmai.com" means someone
# reads that domain's mail: a catch-all posing as the real provider, never a voter's typo.
MAJOR_PROVIDERS = (
    "gmail.com",
    "yahoo.com",
    "hotmail.com",
    "outlook.com",
    "icloud.com",
    "interia.pl",
    "yahoo.ro",
    "protonmail.com",
    "googlemail.com",
)
# Real providers one edit from another (short names collide): never judged look-alikes.
REAL_PROVIDERS = frozenset(
    {
        "ymail.com",
        "yahoo.co.uk",
        "yahoo.fr",
        "yahoo.de",
        "yahoo.es",
        "yahoo.it",
        "yahoo.pl",
        "interia.eu",
        "outlook.de",
        "outlook.fr",
        "hotmail.de",
        "hotmail.fr",
        "hotmail.it",
        "hotmail.es",
        "gmx.com",
        "mail.com",
    }
)


def _one_edit_apart(a: str, b: str) -> bool:
    """One letter changed, added, dropped, or two neighbours swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def lookalike_of(domain: str) -> str:
    """The major provider this domain imitates ("gmial.com" -> "gmail.com"), or ""; a provider itself imitates none."""
    if domain in MAJOR_PROVIDERS or domain in REAL_PROVIDERS:
        return ""
    return next((p for p in MAJOR_PROVIDERS if _one_edit_apart(domain, p)), "")


@cache
def edition_zone(edition_id: int) -> ZoneInfo:
    from ..models import Edition  # a model read, cached per process

    edition = Edition.objects.filter(pk=edition_id).only("time_zone", "country").first()
    return edition.zone if edition else ZoneInfo("UTC")


def local_hours(times: list[float] | np.ndarray, zone: ZoneInfo) -> np.ndarray:
    """The local hour (0-23) of each epoch second; the zone's offset taken once per group (one season)."""
    times = np.asarray(times, dtype=float)
    if not len(times):
        return np.zeros(0, dtype=int)
    offset = datetime.fromtimestamp(float(np.median(times)), tz=zone).utcoffset()
    seconds = offset.total_seconds() if offset else 0.0
    return (((times + seconds) // 3600) % 24).astype(int)


def night_share(times: list[float], edition_id: int) -> float:
    """Share of votes between midnight and six in the edition's time zone."""
    if not times:
        return 0.0
    return float(np.mean(local_hours(times, edition_zone(edition_id)) < 6))


def regularity(times: list[float]) -> float:
    """Coefficient of variation of the gaps between votes: 1 for chance arrivals, near 0 for clockwork, >1 for bursts."""
    if len(times) < 6:
        return 1.0
    gaps = np.diff(np.sort(np.asarray(times, dtype=float)))
    mean = gaps.mean()
    return float(gaps.std() / mean) if mean > 0 else 0.0
