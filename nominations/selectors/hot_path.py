"""The vote POST's read, hand-written (PostgreSQL): the chosen nominee with what the POST needs, in one statement.

Model instances are built from the row with only these fields loaded (the others
load on access), which costs a fraction of compiling the queryset each request.
"""

import functools
from typing import TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Model
from django.db.models.base import DEFERRED, ModelState
from django.db.models.signals import post_init, pre_init

from ..models import Category, Edition, Firm, Nominee

__all__: list[str] = []  # nothing for `from nominations.selectors import *`: editions.get_nominee_for_vote calls this


M = TypeVar("M", bound=Model)


@functools.cache
def on_postgresql() -> bool:
    """Whether the hand-written statements can run: fixed for the process, so read once (each use of
    the `connection` proxy costs a context-local look-up, and the vote POST asked several times)."""
    return connections[DEFAULT_DB_ALIAS].vendor == "postgresql"


def partial_instance(model: type[M], **values: object) -> M:
    """A model instance with these fields loaded, as if read from the database; the others load on access."""
    if _built_plainly(model):
        # What Model.__init__ and from_db leave behind for a plain model: the loaded values in
        # __dict__ (a field missing from it is deferred) and the state of a saved row. A fifth
        # of the cost, which on the vote POST is four instances per request.
        instance = Model.__new__(model)
        instance._state = state = ModelState()
        state.adding, state.db = False, DEFAULT_DB_ALIAS  # the hot path's statements run on `connection`, the default
        instance.__dict__.update(values)
        return instance
    # Every concrete field in order (DEFERRED for the rest): from_db then skips its field-name matching.
    fields = model._meta.concrete_fields
    return model.from_db(
        DEFAULT_DB_ALIAS, [f.attname for f in fields], [values.get(f.attname, DEFERRED) for f in fields]
    )


def _built_plainly(model: type[Model]) -> bool:
    """Whether building the model runs nothing of its own: Django's __init__ and from_db, no init signal receivers."""
    return (
        model.__init__ is Model.__init__
        and all("from_db" not in base.__dict__ for base in model.__mro__ if base is not Model)
        and not pre_init.has_listeners(model)
        and not post_init.has_listeners(model)
    )


_NOMINEE_SQL = """
SELECT n.id, n.edition_id, n.category_id, n.firm_id, f.name, c.slug, e.slug, e.voting_opens_at, e.voting_closes_at
FROM nominations_nominee n
JOIN nominations_category c ON c.id = n.category_id
JOIN nominations_edition e ON e.id = c.edition_id
JOIN nominations_firm f ON f.id = n.firm_id
WHERE n.id = %s AND c.slug = %s AND e.slug = %s
"""


def nominee_for_vote(*, pk: int, edition_slug: str, category_slug: str) -> Nominee | None:
    with connection.cursor() as cursor:
        cursor.execute(_NOMINEE_SQL, [pk, category_slug, edition_slug])
        row = cursor.fetchone()
    if row is None:
        return None
    nominee_id, edition_id, category_id, firm_id, firm_name, slug, e_slug, opens_at, closes_at = row
    edition = partial_instance(
        Edition, id=edition_id, slug=e_slug, voting_opens_at=opens_at, voting_closes_at=closes_at
    )
    category = partial_instance(Category, id=category_id, edition_id=edition_id, slug=slug)
    category.edition = edition
    nominee = partial_instance(Nominee, id=nominee_id, edition_id=edition_id, category_id=category_id, firm_id=firm_id)
    nominee.firm = partial_instance(Firm, id=firm_id, name=firm_name)
    nominee.category = category
    nominee.edition = edition
    return nominee
