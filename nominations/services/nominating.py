"""Nominations: a customer's proposal of a firm in a category, with ratings."""

import logging
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model

from .. import challenge
from ..client import ClientInfo
from ..exceptions import NominationClosed, UnknownCategory
from ..models import QUALITIES, Category, Edition, Firm, Nomination, Nominee

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NominationInput:
    firm_name: str
    city: str
    website: str
    registration_number: str  # already normalised (bare digits, checksum valid)
    channel: str
    ratings: dict[str, int]
    reason: str
    # The firm's country when it is not the edition's (a Polish firm nominated in Romania).
    registration_country: str = ""


def nominate(
    *,
    edition: Edition,
    category: Category,
    data: NominationInput,
    client: ClientInfo,
    proof: challenge.Proof | None = None,
) -> Nomination:
    """Record a customer's nomination; the same firm is one Firm and one Nominee per category.

    proof: the form's solved proof of work, redeemed once (as in cast_vote).
    """
    if not edition.is_nomination_open():
        raise NominationClosed()
    if category.edition_id != edition.pk:
        raise UnknownCategory()
    if proof is not None:
        challenge.redeem(proof)
    with transaction.atomic():
        firm = _get_or_create_firm(edition=edition, data=data)
        nominee = _get_or_create(Nominee, category=category, firm=firm, defaults={"edition": edition})
        return Nomination.objects.create(
            nominee=nominee,
            submitted_name=data.firm_name,
            city=data.city,
            channel=data.channel,
            reason=data.reason,
            ip_hash=client.ip_hash,
            network_hash=client.network_hash,
            user_agent=client.user_agent,
            form_seconds=proof.form_seconds if proof else None,
            **{f"rating_{q}": data.ratings[q] for q, _label in QUALITIES},
        )


def _get_or_create_firm(*, edition: Edition, data: NominationInput) -> Firm:
    firm = _get_or_create(
        Firm,
        country=data.registration_country or edition.country,
        registration_number=data.registration_number,
        defaults={"name": data.firm_name, "website": data.website},
    )
    if data.website and not firm.website:
        Firm.objects.filter(pk=firm.pk, website="").update(website=data.website)
    return firm


def _get_or_create(model: type[Model], defaults: dict | None = None, **lookup: Any) -> Any:
    """get_or_create that survives a concurrent insert of the same row (the unique constraint wins)."""
    try:
        with transaction.atomic():
            obj, _created = model._default_manager.get_or_create(defaults=defaults, **lookup)
            return obj
    except IntegrityError:
        return model._default_manager.get(**lookup)
