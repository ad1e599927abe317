"""Who wins each category of an edition: the rule is written out in the README ("## Certificates").

Only approved nominees (and ones already certified for the edition) can win,
however many votes the others have. Ranking: counted votes (desc), vetting
score (desc), the earliest nomination, then the lowest id. A nominee already
certified keeps its place: issuing never takes a certificate back.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from nominations.models import Category, Edition, Nominee
from nominations.models import NomineeState as S
from nominations.selectors import released_counts
from nominations.tally import waiting_votes

from ..exceptions import WinnersNotFinal
from ..models import Check
from ..vetting import scoring

ELIGIBLE = (S.APPROVED, S.CERTIFIED)


@dataclass(frozen=True)
class Candidate:
    nominee: Nominee
    counted: int
    score: Decimal | None
    rank: int
    winner: bool


def not_final_reason(edition: Edition) -> str | None:
    """Why the winners cannot be decided yet, or None when they can."""
    if not edition.has_voting_closed():
        return str(_("Voting in %(edition)s has not closed yet.") % {"edition": edition})
    if edition.final_tally_at is None or waiting_votes(edition) > 0:
        return str(
            _("The results of %(edition)s are not final yet: votes are still being counted.") % {"edition": edition}
        )
    if not edition.results_released:
        return str(_("The results of %(edition)s have not been released yet.") % {"edition": edition})
    return None


def sort_key(nominee: Nominee, counted: int, score: Decimal | None):
    return (-counted, -(score if score is not None else Decimal(0)), nominee.created_at, nominee.pk)


def ranking(*, edition: Edition) -> dict[Category, list[Candidate]]:
    """Every category with its eligible nominees in rank order, the winners marked; five queries.

    Raises WinnersNotFinal while voting is open, the tally is not final or the results are not released.
    """
    reason = not_final_reason(edition)
    if reason:
        raise WinnersNotFinal(reason)
    published = released_counts(edition=edition)
    if published is None:
        raise WinnersNotFinal(str(_("The results of %(edition)s have not been released yet.") % {"edition": edition}))
    per_category = settings.CERTIFICATES_PER_CATEGORY
    categories = {c.pk: c for c in Category.objects.filter(edition=edition)}
    nominees = (
        Nominee.objects.filter(edition=edition, state__in=ELIGIBLE)
        .select_related("firm")
        .prefetch_related(Prefetch("checks", queryset=Check.objects.only("pk", "nominee_id", "kind", "score")))
    )
    grouped: dict[int, list[tuple]] = {pk: [] for pk in categories}
    for nominee in nominees:
        counted = published.get(nominee.pk, 0)
        score = scoring.vetting_score(nominee.checks.all())
        grouped.setdefault(nominee.category_id, []).append((nominee, counted, score))
    result: dict[Category, list[Candidate]] = {}
    for category_id, rows in grouped.items():
        rows.sort(key=lambda row: sort_key(*row))
        certified = sum(1 for nominee, _c, _s in rows if nominee.state == S.CERTIFIED)
        free = max(per_category - certified, 0)
        candidates = []
        for rank, (nominee, counted, score) in enumerate(rows, start=1):
            if nominee.state == S.CERTIFIED:
                winner = True
            else:
                winner = free > 0
                free -= winner
            nominee.category = categories[category_id]
            candidates.append(Candidate(nominee=nominee, counted=counted, score=score, rank=rank, winner=winner))
        result[categories[category_id]] = candidates
    return dict(sorted(result.items(), key=lambda item: (item[0].position, item[0].name_en)))


def propose_winners(*, edition: Edition) -> dict[Category, list[Nominee]]:
    """The winning nominees per category (at most CERTIFICATES_PER_CATEGORY each)."""
    return {
        category: [c.nominee for c in candidates if c.winner]
        for category, candidates in ranking(edition=edition).items()
    }


def is_proposed_winner(nominee: Nominee) -> bool:
    winners = propose_winners(edition=nominee.edition)
    return any(n.pk == nominee.pk for names in winners.values() for n in names)
