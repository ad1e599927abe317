"""The edition's confirmed votes as numpy columns, read in one query, for the integrity assessment (assess.py)."""

import numpy as np

from .rules import VOTE, _rows, email_domain, epoch, local_part

RARE_AGENT = 0.002  # an agent with fewer than 1 in 500 of the category's votes


class Frame:
    """The edition's confirmed votes (rejected ones left out) as numpy columns, read in one query."""

    def __init__(self, edition):
        offset = edition.voting_opens_at.astimezone(edition.zone).utcoffset()
        self.offset = offset.total_seconds() if offset else 0.0
        sent = "COALESCE(v.first_email_sent_at, v.email_sent_at)"
        rows = _rows(
            f"""SELECT v.id, v.category_id, v.nominee_id, v.network_hash, v.wide_network_hash, v.agent_hash,
                       {email_domain("v.email_canonical")}, {local_part("v.email_canonical")},
                       {epoch("v.confirmed_at")}, COALESCE({epoch("v.confirmed_at")} - {epoch(sent)}, -1)
                FROM {VOTE} v WHERE v.edition_id = %s AND v.confirmed_at IS NOT NULL AND v.standing <> 'rejected'""",
            (edition.pk,),
        )
        n = len(rows)
        columns = list(zip(*rows, strict=True)) if rows else [()] * 10
        self.ids = np.fromiter(columns[0], dtype=np.int64, count=n)
        self.category = np.fromiter(columns[1], dtype=np.int64, count=n)
        self.nominee = np.fromiter(columns[2], dtype=np.int64, count=n)
        domains = np.array(columns[6], dtype=object)
        self.locals = columns[7]
        self.time = np.fromiter(columns[8], dtype=float, count=n)
        self.delay = np.fromiter((-1.0 if d is None else d for d in columns[9]), dtype=float, count=n)
        self.domain_names, domain_codes = (
            np.unique(domains.astype(str), return_inverse=True) if n else ([], np.zeros(0))
        )
        voters = np.fromiter(
            (hash((d, lp)) for d, lp in zip(columns[6], columns[7], strict=True)), dtype=np.int64, count=n
        )
        _u, voter_code, voter_votes = np.unique(voters, return_inverse=True, return_counts=True)
        self.voter_votes = voter_votes[voter_code] if n else np.zeros(0, dtype=int)
        self.keys = {
            "network": np.fromiter(columns[3], dtype=np.int64, count=n),
            "wide_network": np.fromiter(columns[4], dtype=np.int64, count=n),
            "agent": np.fromiter(columns[5], dtype=np.int64, count=n),
            "domain": np.asarray(domain_codes, dtype=np.int64),
            # Bands doubling in width from 4 s: a script's fixed wait fills one or two.
            "delay": np.floor(np.log2(np.maximum(self.delay, 1.0) / 4.0 + 1)).astype(np.int64),
            "hour": (((self.time + self.offset) // 3600) % 24).astype(np.int64),
        }
        # 1 for a vote between midnight and six (local): a campaign that works while people sleep.
        self.keys["night"] = (self.keys["hour"] < 6).astype(np.int64)
        # 1 for a vote whose agent the category's other nominees' voters hardly use: a pool of agents
        # rotated through (each value too small a group alone) shows as one group.
        self.keys["odd_agent"] = odd_among_others(self.category, self.nominee, self.keys["agent"], RARE_AGENT)
        self.day = ((self.time + self.offset) // 86400).astype(np.int64)  # local date, for nights
        domain_counts = np.bincount(self.keys["domain"], minlength=len(self.domain_names)) if n else np.zeros(0)
        self.domain_share = domain_counts / max(n, 1)
        self.size = n

    def key_label(self, dimension: str, key: int) -> str:
        return str(self.domain_names[key]) if dimension == "domain" else str(int(key))

    def key_value(self, dimension: str, label: str) -> int:
        if dimension == "domain":
            return int(np.searchsorted(self.domain_names, label))
        return int(label)


def odd_among_others(category: np.ndarray, nominee: np.ndarray, key: np.ndarray, limit: float) -> np.ndarray:
    """1 where the value has less than `limit` of the votes for the other nominees of the vote's category, else 0."""
    if not len(key):
        return np.zeros(0, dtype=np.int64)
    _k, kcode = np.unique(key, return_inverse=True)
    _n, ncode = np.unique(nominee, return_inverse=True)
    _c, ccode = np.unique(category, return_inverse=True)
    width = int(kcode.max()) + 1
    _u, npair, n_count = np.unique(ncode.astype(np.int64) * width + kcode, return_inverse=True, return_counts=True)
    _u, cpair, c_count = np.unique(ccode.astype(np.int64) * width + kcode, return_inverse=True, return_counts=True)
    others = c_count[cpair] - n_count[npair]
    population = np.bincount(ccode)[ccode] - np.bincount(ncode)[ncode]
    return (others < limit * np.maximum(population, 1)).astype(np.int64)


def lookup(keys: np.ndarray, counts: np.ndarray, query: np.ndarray) -> np.ndarray:
    """counts[k] for each query key found in the sorted keys, else 0."""
    if not len(keys):
        return np.zeros(len(query))
    at = np.clip(np.searchsorted(keys, query), 0, len(keys) - 1)
    return np.where(keys[at] == query, counts[at], 0).astype(float)
