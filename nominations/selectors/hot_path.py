"""The vote POST's read, hand-written (PostgreSQL): the chosen nominee with what the POST needs, in one statement.

Model instances are built from the row with only these fields loaded (the others
load on access), which costs a fraction of compiling the queryset each request.
"""

from typing import TypeVar

from django.db import connection
from django.db.models import Model
from django.db.models.base import DEFERRED

from ..models import Category, Edition, Firm, Nominee

__all__: list[str] = []  # nothing for `from nominations.selectors import *`: editions.get_nominee_for_vote calls this


M = TypeVar("M", bound=Model)


def partial_instance(model: type[M], **values: object) -> M:
    """A model instance with these fields loaded, as if read from the database; the others load on access."""
    # Every concrete field in order (DEFERRED for the rest): from_db then skips its field-name matching.
    fields = model._meta.concrete_fields
    return model.from_db(
        connection.alias, [f.attname for f in fields], [values.get(f.attname, DEFERRED) for f in fields]
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
