"""The public page of a nominee: who it is, its category's published figures, its certificate."""

from dataclasses import dataclass

from django.http import Http404

from nominations import selectors as nomination_selectors
from nominations.models import Nominee
from nominations.selectors.results import CategoryResult

from ..models import Certificate


@dataclass(frozen=True)
class NomineePage:
    nominee: Nominee
    category_result: CategoryResult | None  # the category's published figures; None before release
    certificate: Certificate | None  # shown only once the results are public
    certificate_status: str  # "pending" (results not out), "none", or the certificate's status

    @property
    def figure(self):
        if self.category_result is None:
            return None
        return next((row for row in self.category_result.rows if row.nominee.pk == self.nominee.pk), None)


def nominee_page(*, edition_slug: str, nominee_id: int) -> NomineePage:
    """404 alike for an unknown nominee and one of another edition. Figures only after release (visibility rule)."""
    nominee = (
        Nominee.objects.filter(pk=nominee_id, edition__slug=edition_slug)
        .select_related("firm", "category", "edition")
        .first()
    )
    if nominee is None:
        raise Http404
    edition = nominee.edition
    if not edition.results_released:
        return NomineePage(nominee=nominee, category_result=None, certificate=None, certificate_status="pending")
    published = nomination_selectors.published_results(edition=edition)
    category_result = next((c for c in published.categories if c.category.pk == nominee.category_id), None)
    certificate = Certificate.objects.filter(nominee=nominee).first()
    status = certificate.status() if certificate else "none"
    return NomineePage(
        nominee=nominee, category_result=category_result, certificate=certificate, certificate_status=status
    )
