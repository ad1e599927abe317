"""Functions that change state, by topic: nominating, voting, editions (closing, the final tally, staff edits),
results (release, amendment) and flags (an auditor's decision). Each writes in a transaction, checks its
permission and logs what staff do in the audit log."""

from .editions import (
    change_edition,
    change_firm,
    close_voting_now,
    create_edition,
    finalise_closed_editions,
    recount_live_editions,
)
from .flags import settle_flags
from .integrity import settle_group
from .nominating import NominationInput, nominate
from .results import amend_results, release_results
from .voting import cast_vote, confirm_vote, hot_path_in_sql, vote_from_token

__all__ = [
    "NominationInput",
    "amend_results",
    "cast_vote",
    "change_edition",
    "change_firm",
    "close_voting_now",
    "confirm_vote",
    "create_edition",
    "finalise_closed_editions",
    "hot_path_in_sql",
    "nominate",
    "recount_live_editions",
    "release_results",
    "settle_flags",
    "settle_group",
    "vote_from_token",
]
