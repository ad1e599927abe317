"""Released results: an edition's figures and vote ledger as published, frozen at release.

A version is never changed (the database refuses an UPDATE of these tables); an
amendment adds the next version and the earlier ones stay readable. The code that
builds and checks them is nominations/ledger.py.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .editions import Category, Edition, Nominee
from .votes import Standing


class ReleasedResults(models.Model):
    """One published version of an edition's results: who, when, why, and the edition's digest."""

    edition = models.ForeignKey(
        Edition, verbose_name=_("edition"), on_delete=models.PROTECT, related_name="released_results"
    )
    version = models.PositiveIntegerField(_("version"))
    released_at = models.DateTimeField(_("released at"))
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("released by"), on_delete=models.PROTECT, related_name="+"
    )
    # Empty for the first release; an amendment says why, and the results page shows it.
    reason = models.TextField(_("reason"), max_length=2000, blank=True)
    # SHA-256 over the category digests (nominations.ledger.edition_digest).
    digest = models.CharField(_("edition digest"), max_length=64)
    # The secret key of the receipt hashes (HMAC-SHA256), the same in every version of an
    # edition so that a voter's line keeps its hash. Never published: with a public salt,
    # 60-bit receipt codes could be searched offline against every line at once.
    ledger_key = models.CharField(max_length=64, editable=False)

    class Meta:
        verbose_name = _("released results")
        verbose_name_plural = _("released results")
        ordering = ["edition", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "version"], name="releasedresults_one_per_version"),
            models.CheckConstraint(condition=Q(version__gte=1), name="releasedresults_version_from_1"),
        ]

    def __str__(self) -> str:
        return f"{self.edition} v{self.version}"

    @property
    def is_amendment(self) -> bool:
        return self.version > 1


class ReleasedCategory(models.Model):
    """A category's published ledger: its digest (SHA-256 of its canonical CSV) and how many lines it has."""

    results = models.ForeignKey(
        ReleasedResults, verbose_name=_("released results"), on_delete=models.CASCADE, related_name="categories"
    )
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="+")
    digest = models.CharField(_("ledger digest"), max_length=64)
    lines = models.PositiveIntegerField(_("ledger lines"))

    class Meta:
        verbose_name = _("released category")
        verbose_name_plural = _("released categories")
        constraints = [
            models.UniqueConstraint(fields=["results", "category"], name="releasedcategory_one_per_version"),
        ]

    def __str__(self) -> str:
        return f"{self.results} {self.category_id}"


class ReleasedFigure(models.Model):
    """A nominee's published figures in one version: what the results page, the winners and the certificates read."""

    results = models.ForeignKey(
        ReleasedResults, verbose_name=_("released results"), on_delete=models.CASCADE, related_name="figures"
    )
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="+")
    nominee = models.ForeignKey(Nominee, verbose_name=_("nominee"), on_delete=models.PROTECT, related_name="+")
    counted = models.PositiveIntegerField(_("counted"))
    held = models.PositiveIntegerField(_("flagged, held"))
    rejected = models.PositiveIntegerField(_("fraud, not counted"))

    class Meta:
        verbose_name = _("released figure")
        verbose_name_plural = _("released figures")
        constraints = [
            models.UniqueConstraint(fields=["results", "nominee"], name="releasedfigure_one_per_nominee"),
        ]

    def __str__(self) -> str:
        return f"{self.results} {self.nominee_id}: {self.counted}"


class LedgerLine(models.Model):
    """One confirmed vote in a published ledger: its receipt's hash, nominee, day and standing; never its voter."""

    ledger = models.ForeignKey(
        ReleasedCategory, verbose_name=_("ledger"), on_delete=models.CASCADE, related_name="ledger_lines"
    )
    # 1-based position in the canonical order (by receipt hash), so a download streams in order.
    line = models.PositiveIntegerField(_("line"))
    receipt_hash = models.CharField(_("receipt hash"), max_length=32)
    nominee = models.ForeignKey(
        Nominee, verbose_name=_("nominee"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    day = models.DateField(_("day"))
    standing = models.CharField(
        _("standing"), max_length=11, choices=[(s.value, s.label) for s in Standing if s != Standing.UNCONFIRMED]
    )
    # Why a vote is held out: the rules confirmed as fraud (rejected) or still pending (held).
    reason = models.CharField(_("reason"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("ledger line")
        verbose_name_plural = _("ledger lines")
        constraints = [
            models.UniqueConstraint(fields=["ledger", "line"], name="ledgerline_one_per_position"),
            # Also the voter's look-up by receipt hash.
            models.UniqueConstraint(fields=["ledger", "receipt_hash"], name="ledgerline_one_per_receipt"),
        ]

    def __str__(self) -> str:
        return f"{self.ledger_id}:{self.line}"
