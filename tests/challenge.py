"""Solve the forms' proof of work as a browser does, with the altcha library: for tests that post forms."""

import time

import altcha

from nominations import challenge
from nominations.models import Edition


def solve(edition: Edition, *, max_number: int | None = None) -> str:
    """A solved payload for one of the edition's challenges (as the widget would post it)."""
    issued = altcha.Challenge.from_dict(challenge.issue_challenge(edition=edition, max_number=max_number))
    solution = altcha.solve_challenge(issued)
    assert solution is not None
    return altcha.Payload(issued, solution).to_base64()


def stamp(seconds_ago: float = 0.0) -> str:
    """The signed time the form was shown, as the page renders it (optionally that long ago)."""
    from django.core import signing

    return signing.dumps(round(time.time() - seconds_ago, 3), salt=challenge.STAMP_SALT)


def solved(edition: Edition, *, seconds_ago: float = 12.0) -> dict[str, str]:
    """The two fields a vote or nomination form must carry: a fresh solution and the form's stamp."""
    return {"altcha": solve(edition), "form_opened": stamp(seconds_ago)}
