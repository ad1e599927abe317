"""Proof of work on the vote and nomination forms (ALTCHA), and how long a form was open.

The browser fetches a challenge signed with ALTCHA_HMAC_KEY, finds the counter the
server hid in it (on average half the edition's `pow_max_number` SHA-256 hashes) and
sends the solution with the form. Checking it costs the server one HMAC. A challenge is
bound to its edition, expires after ALTCHA_CHALLENGE_MAX_AGE and is accepted once:
Redis remembers redeemed nonces until they expire; while Redis is down the database
does (SpentChallenge), so votes are still taken and a replay is still refused.

The form also carries the time the server showed it, signed: the seconds until it was
sent are stored on the vote or nomination (`form_seconds`), a signal the fraud checks can
read. Nothing the client says about time is believed.
"""

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import altcha
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from portal.breaker import cache_breaker

from .exceptions import ChallengeReplayed
from .models import Edition, SpentChallenge

ALGORITHM = "SHA-256"  # one hash per try, as the widget's bundled SHA worker computes it
STAMP_SALT = "nominations.form-opened"
MISSING = _("Please wait until the check that you are not a robot is finished (it runs by itself), then send again.")
INVALID = _("The check that you are not a robot did not succeed. Please reload the page and send the form again.")
EXPIRED = _("The check that you are not a robot has expired. Please send the form again: it runs once more by itself.")
BAD_STAMP = _("This form could not be checked. Please reload the page and send it again.")


class ChallengeRefused(Exception):
    def __init__(self, message):
        self.message = message
        super().__init__(str(message))


@dataclass(frozen=True)
class Proof:
    """A solved challenge, checked but not yet redeemed, and the form's open time."""

    nonce: str
    expires_at: int  # Unix seconds
    form_seconds: float
    redeemed: bool = False  # already accepted once (throttle.take_with_proof), so redeem() is not called again


def issue_challenge(*, edition: Edition, max_number: int | None = None) -> dict[str, Any]:
    """A new challenge for the edition's forms, as the widget fetches it (JSON).

    The counter is drawn here and only its key's prefix is sent, so the browser must
    count up to it; the key signature lets verification skip the hashing.
    max_number: the edition's difficulty unless given (benchmarks use a small one).
    """
    limit = edition.pow_max_number if max_number is None else max_number
    challenge = altcha.create_challenge(
        ALGORITHM,
        1,
        counter=secrets.randbelow(limit + 1),
        expires_at=int(time.time() + settings.ALTCHA_CHALLENGE_MAX_AGE.total_seconds()),
        data={"edition": edition.pk},
        hmac_secret=settings.ALTCHA_HMAC_KEY,
        hmac_key_secret=_key_secret(),
    )
    return challenge.to_dict()


def form_stamp() -> str:
    """The signed moment the server showed a form."""
    return signing.dumps(round(time.time(), 3), salt=STAMP_SALT)


def form_seconds(stamp: str | None) -> float:
    try:
        opened = float(signing.loads(stamp or "", salt=STAMP_SALT))
    except (signing.BadSignature, TypeError, ValueError):
        raise ChallengeRefused(BAD_STAMP) from None
    return max(0.0, round(time.time() - opened, 3))


def check(*, payload: str | None, stamp: str | None, edition: Edition) -> Proof:
    """The solution in a posted form, verified (signature, edition, expiry, work); not yet redeemed.

    Raises ChallengeRefused with the message for the form.
    """
    seconds = form_seconds(stamp)
    if not payload:
        raise ChallengeRefused(MISSING)
    if len(payload) > 4000:
        raise ChallengeRefused(INVALID)
    try:  # parsed once, here, rather than by verify_solution and again for the parameters
        parsed = altcha.Payload.from_base64(payload)
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise ChallengeRefused(INVALID) from None
    result = altcha.verify_solution(parsed, settings.ALTCHA_HMAC_KEY, hmac_key_secret=_key_secret())
    if result.expired:
        raise ChallengeRefused(EXPIRED)
    if not result.verified:
        raise ChallengeRefused(INVALID)
    parameters = parsed.challenge.parameters
    if (parameters.data or {}).get("edition") != edition.pk or not isinstance(parameters.expires_at, int):
        raise ChallengeRefused(INVALID)
    return Proof(nonce=parameters.nonce, expires_at=parameters.expires_at, form_seconds=seconds)


def redeem(proof: Proof) -> None:
    """Accept this challenge once; raises ChallengeReplayed the second time.

    Redis first (a key that expires with the challenge). If Redis is down or fails on
    this call the breaker is open and the database records the nonce instead: a vote is
    never refused because Redis is down, and a replay within the outage is still caught.
    A nonce redeemed in Redis just before an outage could be replayed once during it
    (until the challenge expires, ALTCHA_CHALLENGE_MAX_AGE): accepted, as such a vote
    still needs its own inbox's confirmation and passes the fraud checks.
    """
    if cache_breaker.allows():
        first = cache.add(redemption_key(proof), 1, seconds_left(proof))
        if cache_breaker.allows():  # the add reached Redis (a failure trips the breaker)
            if not first:
                raise ChallengeReplayed()
            return
    _redeem_in_database(proof)


def redemption_key(proof: Proof) -> str:
    """The cache key that marks the proof's nonce as used (portal.ratelimit.take_and_claim sets the same one)."""
    return f"altcha:{proof.nonce}"


def seconds_left(proof: Proof) -> int:
    """How long the nonce must be remembered: until the challenge expires."""
    return max(1, proof.expires_at - int(time.time()))


def _redeem_in_database(proof: Proof) -> None:
    now = datetime.now(tz=UTC)
    SpentChallenge.objects.filter(expires_at__lt=now).delete()
    try:
        with transaction.atomic():
            SpentChallenge.objects.create(nonce=proof.nonce, expires_at=datetime.fromtimestamp(proof.expires_at, UTC))
    except IntegrityError:
        raise ChallengeReplayed() from None


def _key_secret() -> str:
    # A second key, derived, for the derived-key signature (the fast verification path).
    return f"{settings.ALTCHA_HMAC_KEY}:derived-key"
