"""Who may see vote figures and voters' addresses: the one rule every admin list, filter, export and page asks."""

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Exists,
    ExpressionWrapper,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.constants import LOOKUP_SEP
from django.db.models.functions import Cast

from portal.auth import Actor

from ..models import (
    Edition,
    FraudFlag,
    Nominee,
    Tally,
    Vote,
)

# Who may see vote figures ----------------------------------------------------------------
#
# One rule, asked by every list, filter, sort, annotation, lookup, export and page of the
# admin in both apps: an edition's vote figures (counts, shares, the votes themselves listed
# per nominee or standing, charts) are visible once its results are released, and earlier
# only to those who release them or may see them before. The helpers below are that rule in
# SQL; they all start from can_see_vote_figures.

__all__ = [
    "AUDITED_FIGURES",
    "FIGURE_MODELS",
    "VOTER_EMAIL_FIELDS",
    "audit_entries_with_hidden_figures",
    "can_see_tallies",
    "can_see_unreleased_tallies",
    "can_see_vote_figures",
    "can_see_voter_emails",
    "may_filter_by",
    "visible_tallies",
    "visible_vote_figure",
    "visible_votes",
    "vote_figures_visible",
    "vote_figures_visible_q",
]

FIGURE_MODELS = (Vote, Tally)
VOTER_EMAIL_FIELDS = ("email", "email_canonical", "email_fingerprint")
# Keys under which the audit log keeps a nominee's figures (qualification's measures).
AUDITED_FIGURES = ["counted", "held", "rejected", "unconfirmed", "networks", "flagged_share"]


def can_see_vote_figures(*, user: Actor, edition: Edition | None = None) -> bool:
    """Whether `user` may see the vote figures of `edition`; without an edition, those of every edition, released or not."""
    if user.has_perm("nominations.release_results") or user.has_perm("nominations.view_unreleased_tallies"):
        return True
    return edition is not None and edition.results_released


def can_see_unreleased_tallies(*, user: Actor) -> bool:
    """can_see_vote_figures of every edition (the name callers used before the rule had one)."""
    return can_see_vote_figures(user=user)


def can_see_tallies(*, user: Actor, edition: Edition) -> bool:
    """can_see_vote_figures of one edition (the name callers used before the rule had one)."""
    return can_see_vote_figures(user=user, edition=edition)


def vote_figures_visible_q(*, user: Actor, edition_path: str = "edition") -> Q:
    """The rows whose edition's figures `user` may see (`edition_path` leads from the row to its edition)."""
    if can_see_vote_figures(user=user):
        return Q()
    return Q(**{f"{edition_path}__results_released_at__isnull": False})


def vote_figures_visible(*, user: Actor, edition_path: str = "edition") -> Any:
    """can_see_vote_figures per row, as an annotation."""
    if can_see_vote_figures(user=user):
        return Value(True)
    return ExpressionWrapper(vote_figures_visible_q(user=user, edition_path=edition_path), output_field=BooleanField())


def visible_vote_figure(expression: Any, *, user: Actor, edition_path: str = "edition") -> Any:
    """A figure as an annotation that is NULL on rows whose figures `user` may not see.

    Filters, sorting, facets and exports built on it can then not tell hidden rows apart.
    """
    if can_see_vote_figures(user=user):
        return expression
    return Case(When(vote_figures_visible_q(user=user, edition_path=edition_path), then=expression), default=None)


def visible_votes(*, user: Actor, queryset: QuerySet | None = None) -> QuerySet:
    """The votes `user` may list: a list of votes filtered by nominee or standing is a count.

    Those of editions whose figures the user may see, and the flagged ones to those who
    settle flags: a flag shows its vote anyway, and its settlement needs the vote's details.
    """
    queryset = Vote.objects.all() if queryset is None else queryset
    if can_see_vote_figures(user=user):
        return queryset
    visible = vote_figures_visible_q(user=user)
    if user.has_perm("nominations.view_fraudflag"):
        visible |= Q(Exists(FraudFlag.objects.filter(vote=OuterRef("pk"))))
    return queryset.filter(visible)


def visible_tallies(*, user: Actor, queryset: QuerySet | None = None) -> QuerySet:
    """The tallies `user` may see: those of editions whose figures are visible to them."""
    queryset = Tally.objects.all() if queryset is None else queryset
    return queryset.filter(vote_figures_visible_q(user=user))


def _lookup_reaches(model: type[Model], lookup: str) -> tuple[bool, bool]:
    """Whether a lookup path reaches the votes or tallies through a relation, and whether it reads a voter's address."""
    opts = model._meta
    for part in lookup.split(LOOKUP_SEP):
        try:
            field = opts.get_field(part)
        except FieldDoesNotExist:
            return False, False  # a transform, a comparison ("gt", "pk") or an unknown name
        if issubclass(opts.model, Vote) and part in VOTER_EMAIL_FIELDS:
            return False, True
        if not field.is_relation or field.related_model is None:
            return False, False
        related = field.related_model
        if not (isinstance(related, type) and issubclass(related, Model)):
            return False, False  # "self": the same model again
        if issubclass(related, FIGURE_MODELS):
            return True, False
        opts = related._meta
    return False, False


def may_filter_by(*, user: Actor, model: type[Model], lookup: str, figure_annotations: tuple[str, ...] = ()) -> bool:
    """Whether a URL filter of an admin list may run for `user`; a refused one must answer as an unknown field does.

    Refused: a figure the queryset annotates (`figure_annotations`) or a path into the
    votes or tallies, to a user who may not see every edition's figures (the rows of Vote
    and Tally are restricted by visible_votes / visible_tallies instead); a voter's
    address, to a user who may not see addresses (a filter would be an oracle for them).
    """
    reaches_figures, reads_email = _lookup_reaches(model, lookup)
    reaches_figures |= lookup.split(LOOKUP_SEP)[0] in figure_annotations
    if reaches_figures and not can_see_vote_figures(user=user):
        return False
    return not (reads_email and not can_see_voter_emails(user=user))


def audit_entries_with_hidden_figures(*, user: Actor) -> Q | None:
    """The audit entries whose content `user` may not read: a nominee's figures (qualification's measures) before release.

    None when the user may see every edition's figures. Registered with audit.redaction
    (the audit log imports no app).
    """
    if can_see_vote_figures(user=user):
        return None
    visible_nominees = (
        Nominee.objects.filter(vote_figures_visible_q(user=user))
        .annotate(text_pk=Cast("pk", CharField()))
        .values("text_pk")
    )
    carries_figures = Q(after__has_any_keys=AUDITED_FIGURES) | Q(before__has_any_keys=AUDITED_FIGURES)
    return Q(object_type=Nominee._meta.label_lower) & carries_figures & ~Q(object_id__in=visible_nominees)


# Who may see voters' e-mail addresses -------------------------------------------


def can_see_voter_emails(*, user: Actor) -> bool:
    """Voters' addresses are shown whole only with nominations.view_voter_email (no role has it); the admin masks them otherwise."""
    return user.has_perm("nominations.view_voter_email")
