"""A generated edition into the database (COPY), and how the fraud checks did on it."""

import io
from datetime import UTC, datetime, timedelta

import numpy as np
from django.db import connection

from nominations.client import keyed_hash, network_of
from nominations.emails import canonical_email, email_fingerprint
from nominations.models import Category, Edition, Firm, Nominee

from .data import CAMPAIGNS, HARD_CASES
from .generator import Row, Simulation

# Into the database ------------------------------------------------------------
COLUMNS = (
    "edition_id",
    "category_id",
    "nominee_id",
    "email",
    "email_canonical",
    "email_fingerprint",
    "token_nonce",
    "receipt_code",
    "ip_hash",
    "network_hash",
    "wide_network_hash",
    "user_agent",
    "agent_hash",
    "language",
    "created_at",
    "email_requested_at",
    "email_sent_at",
    "first_email_sent_at",
    "email_send_count",
    "confirmed_at",
    "standing",
)


def create_edition(sim: Simulation, *, start: datetime, days: int, slug: str = "fraud-quality") -> tuple:
    edition = Edition.objects.create(
        country="PL",
        label=slug[-20:],
        slug=slug,
        nomination_opens_at=start - timedelta(days=30),
        nomination_closes_at=start - timedelta(days=1),
        voting_opens_at=start,
        voting_closes_at=start + timedelta(days=days + 3),
        results_date=(start + timedelta(days=days + 10)).date(),
    )
    categories = [
        Category.objects.create(edition=edition, slug=f"c{c}", name_en=f"Category {c}") for c in range(sim.categories)
    ]
    nominee_ids = {}
    for c, indexes in sim.nominees.items():
        for i in indexes:
            firm = Firm.objects.create(country="PL", registration_number=f"{slug[:3]}{i:07d}"[-10:], name=f"Firm {i}")
            nominee_ids[i] = Nominee.objects.create(edition=edition, category=categories[c], firm=firm).pk
    return edition, [cat.pk for cat in categories], nominee_ids


def copy_rows(rows: list[Row], indexes: list[int], *, edition_id: int, category_ids: list, nominee_ids: dict) -> None:
    """Write these rows with COPY (receipt code "S" + the row's index, so labels map back to ids)."""
    buffer = io.StringIO()
    for index in indexes:
        row = rows[index]
        canonical = canonical_email(row.email)
        confirmed = datetime.fromtimestamp(row.confirmed, tz=UTC)
        sent = confirmed - timedelta(seconds=row.delay)
        fields = (
            edition_id,
            category_ids[row.category],
            nominee_ids[row.nominee],
            row.email,
            canonical,
            email_fingerprint(canonical),
            f"n{index}",
            f"S{index:013d}",
            keyed_hash(row.ip),
            keyed_hash(network_of(row.ip)),
            keyed_hash(network_of(row.ip, wide=True)),
            row.agent.replace("\t", " "),
            keyed_hash(row.agent),
            "pl",
            (sent - timedelta(seconds=30)).isoformat(),
            (sent - timedelta(seconds=30)).isoformat(),
            sent.isoformat(),
            sent.isoformat(),
            1,
            confirmed.isoformat(),
            "counted",
        )
        buffer.write("\t".join(str(f) for f in fields) + "\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.copy_from(buffer, "nominations_vote", columns=COLUMNS)


# Measuring ----------------------------------------------------------------------
def outcome(sim: Simulation, edition_id: int) -> dict[str, np.ndarray]:
    """Per row: whether it is held or rejected now, and whether an integrity review holds it."""
    from nominations.models import FraudFlag, FraudRule, Vote

    caught = np.zeros(len(sim.rows), dtype=bool)
    review = np.zeros(len(sim.rows), dtype=bool)
    ids = {}
    for pk, code, standing in Vote.objects.filter(edition_id=edition_id).values_list("pk", "receipt_code", "standing"):
        index = int(code[1:])
        ids[pk] = index
        caught[index] = standing != "counted"
    for vote_id in FraudFlag.objects.filter(vote__edition_id=edition_id, rule=FraudRule.INTEGRITY).values_list(
        "vote_id", flat=True
    ):
        review[ids[vote_id]] = True
    return {"caught": caught, "review": review, "ids": ids}


def rules_by_label(sim: Simulation, edition_id: int, caught: np.ndarray) -> dict[str, dict[str, int]]:
    """Per label, how many of its caught votes each rule (or review) flagged: which rule holds whom."""
    from nominations.models import FraudFlag

    out: dict[str, dict[str, int]] = {}
    for code, rule in FraudFlag.objects.filter(vote__edition_id=edition_id).values_list("vote__receipt_code", "rule"):
        index = int(code[1:])
        if caught[index]:
            per = out.setdefault(sim.rows[index].label, {})
            per[rule] = per.get(rule, 0) + 1
    return out


def rule_precision(sim: Simulation, edition_id: int, caught: np.ndarray) -> dict[str, tuple[int, float]]:
    """Per rule: the caught votes it flagged and the share of them that are fraud."""
    from nominations.models import FraudFlag

    seen: dict[str, list[bool]] = {}
    for code, rule in FraudFlag.objects.filter(vote__edition_id=edition_id).values_list("vote__receipt_code", "rule"):
        index = int(code[1:])
        if caught[index]:
            seen.setdefault(rule, []).append(sim.rows[index].label in CAMPAIGNS)
    return {rule: (len(f), sum(f) / len(f)) for rule, f in sorted(seen.items())}


def settle_as_auditor(sim: Simulation, edition_id: int, auditor) -> int:
    """An informed auditor: holds each review group that is mostly fraud, releases the others."""
    from nominations.fraud.reviews import pending_flags
    from nominations.models import FlagSettlement, FraudDecision, IntegrityReview, ReviewState, Vote
    from nominations.services import settle_group
    from nominations.services.flags import run_settlement

    def decide(review, group, decision) -> int:
        settlement = settle_group(review=review, group=group, decision=decision, by=auditor)
        if settlement is None:
            return 0
        run_settlement(settlement_id=settlement.pk)  # the worker's task, here at once (nothing if it ran already)
        return FlagSettlement.objects.get(pk=settlement.pk).settled

    codes = dict(Vote.objects.filter(edition_id=edition_id).values_list("pk", "receipt_code"))
    decided = 0
    for review in IntegrityReview.objects.filter(edition_id=edition_id, state=ReviewState.OPEN):
        groups: dict[str, list[bool]] = {}
        for vote_id, evidence in pending_flags(review).values_list("vote_id", "evidence"):
            fraud = sim.rows[int(codes[vote_id][1:])].label in CAMPAIGNS
            for label in evidence.get("groups", []):
                groups.setdefault(label, []).append(fraud)
        for label, frauds in sorted(groups.items(), key=lambda item: -len(item[1])):
            decision = FraudDecision.FRAUD if sum(frauds) * 2 > len(frauds) else FraudDecision.GENUINE
            decided += decide(review, label, decision)
        decide(review, None, FraudDecision.GENUINE)
    return decided


def report(sim: Simulation, caught: np.ndarray) -> dict:
    """Recall per campaign, held share per legitimate case, overall precision and false-positive rate."""
    labels = np.array([row.label for row in sim.rows])
    fraud = np.isin(labels, CAMPAIGNS)
    lines = {}
    for shape in CAMPAIGNS:
        mask = labels == shape
        lines[shape] = {"votes": int(mask.sum()), "recall": float(caught[mask].mean()) if mask.any() else 0.0}
    for case in ("genuine", *HARD_CASES):
        mask = labels == case
        lines[case] = {"votes": int(mask.sum()), "held": float(caught[mask].mean()) if mask.any() else 0.0}
    flagged = caught.sum()
    return {
        "lines": lines,
        "recall": float(caught[fraud].mean()),
        "precision": float(caught[fraud].sum() / flagged) if flagged else 1.0,
        "fpr": float(caught[~fraud].mean()),
    }


def winners(sim: Simulation, counted: np.ndarray) -> dict[int, int]:
    """Each category's leader by the votes counted (mask)."""
    tallies: dict[int, dict[int, int]] = {}
    for row, ok in zip(sim.rows, counted, strict=True):
        if ok:
            per = tallies.setdefault(row.category, {})
            per[row.nominee] = per.get(row.nominee, 0) + 1
    return {c: max(per, key=per.get) for c, per in tallies.items()}


def race_changes(sim: Simulation, caught: np.ndarray) -> list[int]:
    """Categories whose winner by the counted votes differs from the winner by the genuine votes alone."""
    labels = np.array([row.label for row in sim.rows])
    truth = winners(sim, ~np.isin(labels, CAMPAIGNS))
    now = winners(sim, ~caught)
    return sorted(c for c in truth if now.get(c) != truth[c])
