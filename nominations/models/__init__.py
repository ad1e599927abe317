"""The nominations app's records, by topic; everything is importable from `nominations.models`."""

from .background import FlagSettlement, MailSend, SettlementState
from .challenges import SpentChallenge
from .editions import (
    COUNTRY_TIME_ZONES,
    EDITION_RULES,
    EDITION_THRESHOLDS,
    EDITION_WINDOWS,
    QUALITIES,
    Category,
    Channel,
    Country,
    Edition,
    Firm,
    Nominee,
    NomineeState,
    TimeZone,
    TranslatedNameMixin,
    country_zone,
)
from .fraud import RULE_BITS, FraudDecision, FraudFlag, FraudRule, standing_from_flags
from .integrity import IntegrityReview, ReviewState
from .mail import MailSuppression, SuppressionReason
from .nominations import Nomination
from .results import LedgerLine, ReleasedCategory, ReleasedFigure, ReleasedResults
from .tallies import Tally, TaskRun
from .votes import MailKind, Standing, Vote, new_receipt_code, new_token_nonce

__all__ = [
    "EDITION_RULES",
    "EDITION_THRESHOLDS",
    "EDITION_WINDOWS",
    "QUALITIES",
    "RULE_BITS",
    "Category",
    "Channel",
    "COUNTRY_TIME_ZONES",
    "Country",
    "Edition",
    "FraudDecision",
    "FraudFlag",
    "FraudRule",
    "IntegrityReview",
    "ReviewState",
    "Firm",
    "FlagSettlement",
    "LedgerLine",
    "MailSend",
    "MailKind",
    "MailSuppression",
    "SuppressionReason",
    "Nomination",
    "Nominee",
    "NomineeState",
    "ReleasedCategory",
    "ReleasedFigure",
    "ReleasedResults",
    "SettlementState",
    "SpentChallenge",
    "Standing",
    "Tally",
    "TaskRun",
    "TimeZone",
    "TranslatedNameMixin",
    "country_zone",
    "Vote",
    "new_receipt_code",
    "new_token_nonce",
    "standing_from_flags",
]
