"""Editions and their categories, firms and nominees (customers' nominations: nominations.py)."""

from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _


class Country(models.TextChoices):
    POLAND = "PL", _("Poland")
    ROMANIA = "RO", _("Romania")


class TimeZone(models.TextChoices):
    """An edition's clock: its windows are typed, stored and shown in it, and its certificates' days are its days."""

    WARSAW = "Europe/Warsaw", _("Warsaw time")
    BUCHAREST = "Europe/Bucharest", _("Bucharest time")


# The zone an edition of each country runs on, unless staff choose otherwise.
COUNTRY_TIME_ZONES = {Country.POLAND: TimeZone.WARSAW, Country.ROMANIA: TimeZone.BUCHAREST}


def country_zone(country: str) -> ZoneInfo:
    return ZoneInfo(COUNTRY_TIME_ZONES.get(country, TimeZone.WARSAW))


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    OFFICE = "office", _("Office")
    CHAT = "chat", _("Chat")


# The five qualities customers judge (domain.md), in the order the forms show them.
QUALITIES = (
    ("fast", _("Fast and responsive")),
    ("personalised", _("Personalised (a person, not a number)")),
    ("competent", _("Competent")),
    ("friendly", _("Friendly and courteous")),
    ("helpful", _("Helpful")),
)


class TranslatedNameMixin(models.Model):
    """A name in each interface language, falling back to English."""

    name_en = models.CharField(_("name (English)"), max_length=120)
    name_pl = models.CharField(_("name (Polish)"), max_length=120, blank=True)
    name_ro = models.CharField(_("name (Romanian)"), max_length=120, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        lang = (translation.get_language() or "en")[:2]
        return getattr(self, f"name_{lang}", "") or self.name_en


# Fields an edition's public rules are made of: once voting opens they are frozen
# (Edition.frozen_changes; the database refuses changes to the thresholds too).
EDITION_THRESHOLDS = (
    "min_counted_votes",
    "min_voter_networks",
    "max_flagged_share",
    "pass_mark",
    "survey_threshold",
    "pow_max_number",
    "integrity_threshold",
)
EDITION_WINDOWS = ("nomination_opens_at", "nomination_closes_at", "voting_opens_at", "voting_closes_at", "results_date")
EDITION_RULES = EDITION_THRESHOLDS + EDITION_WINDOWS + ("time_zone",)


# Bounds of the proof-of-work difficulty: below 1,000 it costs nothing, above 50 million an old phone gives up.
POW_MIN, POW_MAX = 1_000, 50_000_000


class Edition(models.Model):
    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    label = models.CharField(_("label"), max_length=20, help_text=_('Like "2026/2027".'))
    slug = models.SlugField(_("slug"), max_length=40, unique=True)
    time_zone = models.CharField(
        _("time zone"),
        max_length=32,
        choices=TimeZone.choices,
        blank=True,
        help_text=_("The windows below are in this time zone; empty: the country's (Warsaw, Bucharest)."),
    )
    nomination_opens_at = models.DateTimeField(_("nominations open"))
    nomination_closes_at = models.DateTimeField(_("nominations close"))
    voting_opens_at = models.DateTimeField(_("voting opens"))
    voting_closes_at = models.DateTimeField(_("voting closes"))
    results_date = models.DateField(_("results announced on"))
    results_released_at = models.DateTimeField(_("results released at"), null=True, blank=True, editable=False)
    # Set when the reconcile after the close of voting has run: the tally is final.
    final_tally_at = models.DateTimeField(_("final tally at"), null=True, blank=True, editable=False)
    results_released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("results released by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Qualification thresholds, shown publicly with the rules.
    min_counted_votes = models.PositiveIntegerField(
        _("minimum counted votes"),
        default=10,
        help_text=_("A nominee needs at least this many counted votes to qualify."),
    )
    min_voter_networks = models.PositiveIntegerField(
        _("minimum distinct voter networks"),
        default=5,
        help_text=_("Counted votes must come from at least this many different networks."),
    )
    max_flagged_share = models.DecimalField(
        _("maximum flagged share"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.20"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("Share of confirmed votes flagged as doubtful above which a nominee does not qualify (0 to 1)."),
    )
    pass_mark = models.DecimalField(
        _("pass mark"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("3.50"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("5"))],
        help_text=_("Lowest vetting score (1 to 5) with which a nominee can be approved."),
    )
    survey_threshold = models.PositiveSmallIntegerField(
        _("survey threshold (percent satisfied)"),
        default=80,
        validators=[MaxValueValidator(100)],
        help_text=_("Share of surveyed customers who must be satisfied for the survey check to pass."),
    )
    # The forms' proof-of-work (nominations.challenge): the browser tries on average half
    # this many SHA-256 hashes, while the voter fills the form in (500,000: 1-2 s in headless
    # Chromium on a loaded 2-core machine, README); a script pays the same per vote.
    pow_max_number = models.PositiveIntegerField(
        _("proof-of-work difficulty (max number)"),
        default=500_000,
        validators=[MinValueValidator(POW_MIN), MaxValueValidator(POW_MAX)],
        help_text=_(
            "The vote and nomination forms make the browser solve a puzzle of up to this many steps before sending."
        ),
    )
    integrity_threshold = models.DecimalField(
        _("integrity review threshold"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("12.0"),
        validators=[MinValueValidator(Decimal("1"))],
        help_text=_(
            "Deviation score (the strongest group's evidence, in -log10 of its p-value) above which a nominee's "
            "votes get an integrity review that an auditor must settle."
        ),
    )
    # Set once by certification.services.qualify_edition, so it runs once per edition.
    qualified_at = models.DateTimeField(_("nominees qualified at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("edition")
        verbose_name_plural = _("editions")
        ordering = ["-nomination_opens_at"]
        permissions = [("release_results", _("Can release an edition's results"))]
        constraints = [
            models.UniqueConstraint(fields=["country", "label"], name="edition_unique_country_label"),
            models.CheckConstraint(
                condition=Q(nomination_closes_at__gt=models.F("nomination_opens_at")),
                name="edition_nomination_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(voting_closes_at__gt=models.F("voting_opens_at")),
                name="edition_voting_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(max_flagged_share__gte=0, max_flagged_share__lte=1), name="edition_flagged_share_0_to_1"
            ),
            models.CheckConstraint(condition=Q(pass_mark__gte=1, pass_mark__lte=5), name="edition_pass_mark_1_to_5"),
            models.CheckConstraint(condition=Q(survey_threshold__lte=100), name="edition_survey_threshold_percent"),
            models.CheckConstraint(
                condition=Q(pow_max_number__gte=POW_MIN, pow_max_number__lte=POW_MAX),
                name="edition_pow_max_number_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_country_display()} {self.label}"

    def save(self, *args, **kwargs):
        if not self.time_zone:
            self.time_zone = COUNTRY_TIME_ZONES.get(self.country, TimeZone.WARSAW)
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "time_zone"}
        super().save(*args, **kwargs)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone) if self.time_zone else country_zone(self.country)

    def today(self):
        """The date now in the edition's time zone."""
        return timezone.localdate(timezone=self.zone)

    def is_nomination_open(self, now=None) -> bool:
        """In the window, and never after voting has closed (early by "Close voting now"): nobody could vote for it."""
        now = now or timezone.now()
        return self.nomination_opens_at <= now < self.nomination_closes_at and not self.has_voting_closed(now)

    def is_voting_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.voting_opens_at <= now < self.voting_closes_at

    def has_voting_closed(self, now=None) -> bool:
        return (now or timezone.now()) >= self.voting_closes_at

    @property
    def results_released(self) -> bool:
        return self.results_released_at is not None

    def phase(self, now=None) -> str:
        """Where the edition stands, for the public wording: one of PHASES, in time order."""
        now = now or timezone.now()
        if self.results_released:
            return "released"
        if self.has_voting_closed(now):
            return "counting"
        if self.is_voting_open(now):
            return "voting"
        if self.is_nomination_open(now):
            return "nominating"
        if now < self.nomination_opens_at:
            return "upcoming"
        return "between"  # nominations closed, voting not open yet

    @property
    def current_phase(self) -> str:
        return self.phase()

    def rules_frozen(self, now=None) -> bool:
        """The rules and thresholds are frozen once voting has opened (as stored, not as edited)."""
        opens = self._stored_voting_opens_at()
        return opens is not None and opens <= (now or timezone.now())

    def _stored_voting_opens_at(self):
        if self.pk is None:
            return None
        return Edition.objects.filter(pk=self.pk).values_list("voting_opens_at", flat=True).first()

    def frozen_changes(self, now=None) -> list[str]:
        """The frozen fields this unsaved instance would change; empty while voting has not opened."""
        if self.pk is None:
            return []
        stored = Edition.objects.filter(pk=self.pk).values(*EDITION_RULES).first()
        if stored is None or stored["voting_opens_at"] > (now or timezone.now()):
            return []
        return [name for name in EDITION_RULES if getattr(self, name) != stored[name]]

    def clean(self):
        super().clean()
        changed = self.frozen_changes()
        if changed:
            raise ValidationError(
                {
                    name: _("Voting in this edition has opened, so its rules and thresholds can no longer change.")
                    for name in changed
                }
            )


class Category(TranslatedNameMixin):
    edition = models.ForeignKey(Edition, verbose_name=_("edition"), on_delete=models.CASCADE, related_name="categories")
    slug = models.SlugField(_("slug"), max_length=60)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["edition", "position", "name_en"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "slug"], name="category_unique_slug_per_edition"),
        ]


class Firm(models.Model):
    """A firm, known by its registration number in its country."""

    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    registration_number = models.CharField(_("registration number"), max_length=10)
    name = models.CharField(_("name"), max_length=160)
    website = models.URLField(_("website"), max_length=200, blank=True)
    # Filled in by a programme manager before certificates are issued: the winning
    # firm's invitation to its firm account goes here.
    contact_email = models.EmailField(
        _("contact e-mail"), max_length=254, blank=True, help_text=_("Receives the invitation to the firm account.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("firm")
        verbose_name_plural = _("firms")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["country", "registration_number"], name="firm_unique_registration"),
        ]

    def __str__(self) -> str:
        return self.name


class NomineeState(models.TextChoices):
    """A nominee's path; the allowed moves are in certification.workflow."""

    NOMINATED = "nominated", _("nominated")
    QUALIFIED = "qualified", _("qualified")
    UNDER_REVIEW = "under_review", _("under review")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    CERTIFIED = "certified", _("certified")


class Nominee(models.Model):
    """A firm in one category of one edition."""

    edition = models.ForeignKey(Edition, verbose_name=_("edition"), on_delete=models.CASCADE, related_name="nominees")
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.CASCADE, related_name="nominees"
    )
    firm = models.ForeignKey(Firm, verbose_name=_("firm"), on_delete=models.PROTECT, related_name="nominees")
    # Changed only through certification.workflow (compare-and-set, audited).
    state = models.CharField(
        _("state"),
        max_length=12,
        choices=NomineeState.choices,
        default=NomineeState.NOMINATED,
        db_index=True,
        editable=False,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("nominee")
        verbose_name_plural = _("nominees")
        ordering = ["firm__name"]
        constraints = [
            models.UniqueConstraint(fields=["category", "firm"], name="nominee_unique_firm_per_category"),
        ]

    def __str__(self) -> str:
        return f"{self.firm.name} ({self.category.name_en})"

    def clean(self) -> None:
        super().clean()
        if self.category_id and self.edition_id and self.category.edition_id != self.edition_id:
            raise ValidationError({"category": _("This category belongs to another edition.")})
