"""A labelled edition for measuring the fraud checks: genuine traffic, its hard cases, and campaigns.

Used by bench/fraud_quality.py (200,000+ votes) and, small, by the test that
guards the precision and recall floors. Every vote carries a label: "genuine",
a hard legitimate case ("office_nat", ...), or a campaign shape ("slow_drip", ...).
Each campaign targets the runner-up of its own category, sized to overturn the
leader, so "did fraud decide a race" is measurable.
"""

from .data import CAMPAIGNS, HARD_CASES
from .generator import Generator, Row, Simulation, generate
from .storage import (
    COLUMNS,
    copy_rows,
    create_edition,
    outcome,
    race_changes,
    report,
    rule_precision,
    rules_by_label,
    settle_as_auditor,
    winners,
)

__all__ = [
    "CAMPAIGNS",
    "COLUMNS",
    "HARD_CASES",
    "Generator",
    "Row",
    "Simulation",
    "copy_rows",
    "create_edition",
    "generate",
    "outcome",
    "race_changes",
    "report",
    "rule_precision",
    "rules_by_label",
    "settle_as_auditor",
    "winners",
]
