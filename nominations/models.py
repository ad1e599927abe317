import secrets
from decimal import Decimal

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

    @property
    def name(self) -> str:
        lang = (translation.get_language() or "en")[:2]
        return getattr(self, f"name_{lang}", "") or self.name_en

    def __str__(self) -> str:
        return self.name


# Fields an edition's public rules are made of: once voting opens they are frozen
# (Edition.frozen_changes; the database refuses changes to the thresholds too).
EDITION_THRESHOLDS = ("min_counted_votes", "min_voter_networks", "max_flagged_share", "pass_mark", "survey_threshold")
EDITION_WINDOWS = ("nomination_opens_at", "nomination_closes_at", "voting_opens_at", "voting_closes_at", "results_date")
EDITION_RULES = EDITION_THRESHOLDS + EDITION_WINDOWS


class Edition(models.Model):
    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    label = models.CharField(_("label"), max_length=20, help_text=_('Like "2026/2027".'))
    slug = models.SlugField(_("slug"), max_length=40, unique=True)
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
        _("minimum counted votes"), default=10, help_text=_("A nominee needs at least this many counted votes to qualify.")
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
        ]

    def __str__(self) -> str:
        return f"{self.get_country_display()} {self.label}"

    def is_nomination_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.nomination_opens_at <= now < self.nomination_closes_at

    def is_voting_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.voting_opens_at <= now < self.voting_closes_at

    def has_voting_closed(self, now=None) -> bool:
        return (now or timezone.now()) >= self.voting_closes_at

    @property
    def results_released(self) -> bool:
        return self.results_released_at is not None

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
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.CASCADE, related_name="nominees")
    firm = models.ForeignKey(Firm, verbose_name=_("firm"), on_delete=models.PROTECT, related_name="nominees")
    # Changed only through certification.workflow (compare-and-set, audited).
    state = models.CharField(
        _("state"), max_length=12, choices=NomineeState.choices, default=NomineeState.NOMINATED, db_index=True,
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


class Nomination(models.Model):
    """One customer's proposal of a firm, with their ratings."""

    nominee = models.ForeignKey(Nominee, verbose_name=_("nominee"), on_delete=models.CASCADE, related_name="nominations")
    submitted_name = models.CharField(_("firm name as submitted"), max_length=160)
    city = models.CharField(_("city or branch"), max_length=100)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    rating_fast = models.PositiveSmallIntegerField(_("fast"))
    rating_personalised = models.PositiveSmallIntegerField(_("personalised"))
    rating_competent = models.PositiveSmallIntegerField(_("competent"))
    rating_friendly = models.PositiveSmallIntegerField(_("friendly"))
    rating_helpful = models.PositiveSmallIntegerField(_("helpful"))
    reason = models.TextField(_("reason"), max_length=1000)
    ip_hash = models.BigIntegerField(editable=False)
    network_hash = models.BigIntegerField(editable=False)
    user_agent = models.CharField(max_length=300, blank=True, editable=False)
    created_at = models.DateTimeField(_("submitted"), auto_now_add=True)

    class Meta:
        verbose_name = _("nomination")
        verbose_name_plural = _("nominations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(**{f"rating_{q}__gte": 1}) & Q(**{f"rating_{q}__lte": 5}),
                name=f"nomination_rating_{q}_1_to_5",
            )
            for q, _label in QUALITIES
        ]


class Standing(models.TextChoices):
    """Where a vote stands: one column, so the recount is an index-only GROUP BY.

    The same four words name the tally's columns (Tally.counted, .held, .rejected, .unconfirmed).
    """

    UNCONFIRMED = "unconfirmed", _("not confirmed")
    COUNTED = "counted", _("counted")
    HELD = "held", _("held for review")
    REJECTED = "rejected", _("rejected as fraud, not counted")


def new_receipt_code() -> str:
    """12 characters from an unambiguous alphabet (60 bits), shown as XXXX-XXXX-XXXX."""
    alphabet = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
    raw = "".join(secrets.choice(alphabet) for _i in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def new_token_nonce() -> str:
    return secrets.token_urlsafe(16)


class Vote(models.Model):
    """A vote as cast; it counts once `confirmed_at` is set.

    One counted vote per person per category is a partial unique index on the
    canonical address, so it holds under concurrent confirmations too.
    """

    # No single-column indexes on edition and category: the composite indexes below start with them.
    edition = models.ForeignKey(
        Edition, verbose_name=_("edition"), on_delete=models.PROTECT, related_name="votes", db_index=False
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="votes", db_index=False
    )
    nominee = models.ForeignKey(Nominee, verbose_name=_("nominee"), on_delete=models.PROTECT, related_name="votes")
    email = models.EmailField(_("e-mail"), max_length=254)
    email_canonical = models.CharField(_("canonical e-mail"), max_length=254, db_index=True)
    token_nonce = models.CharField(max_length=32, default=new_token_nonce, editable=False)
    receipt_code = models.CharField(_("receipt code"), max_length=14, unique=True, default=new_receipt_code, editable=False)
    # Keyed hashes (nominations.client.keyed_hash): never the address itself.
    ip_hash = models.BigIntegerField(_("address hash"), editable=False)
    network_hash = models.BigIntegerField(_("network hash"), editable=False)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True, editable=False)
    agent_hash = models.BigIntegerField(_("user agent hash"), default=0, editable=False)
    language = models.CharField(max_length=5, default="en", editable=False)
    created_at = models.DateTimeField(_("cast at"), default=timezone.now, editable=False)
    # Last time the voter asked for an e-mail (the cool-down runs from here) and
    # when the mail actually left (the fraud checks time confirmations from here).
    email_requested_at = models.DateTimeField(_("e-mail requested at"), null=True, blank=True, editable=False)
    email_sent_at = models.DateTimeField(_("e-mail sent at"), null=True, blank=True, editable=False)
    email_send_count = models.PositiveSmallIntegerField(default=0, editable=False)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True, editable=False)
    # The address with every variant folded together (dots and +tags on any
    # domain, look-alike domains mapped): the fraud check for variants uses it.
    email_fingerprint = models.CharField(max_length=254, blank=True, editable=False)
    standing = models.CharField(
        _("standing"), max_length=11, choices=Standing.choices, default=Standing.UNCONFIRMED, editable=False
    )
    # Background processing: fraud-checked (confirmed votes) and reflected in the tally.
    # NULL means waiting; a change that affects the tally sets tallied_at back to NULL.
    checked_at = models.DateTimeField(_("fraud-checked at"), null=True, blank=True, editable=False)
    tallied_at = models.DateTimeField(_("tallied at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "email_canonical"],
                condition=Q(confirmed_at__isnull=False),
                name="vote_one_counted_per_voter_category",
            ),
            models.CheckConstraint(
                condition=Q(confirmed_at__isnull=True, standing="unconfirmed")
                | Q(confirmed_at__isnull=False, standing__in=["counted", "held", "rejected"]),
                name="vote_standing_matches_confirmation",
            ),
        ]
        indexes = [
            models.Index(fields=["category", "email_canonical", "nominee"], name="vote_voter_lookup"),
            # Confirmed votes only: the variant and disposable-domain checks read just this index.
            models.Index(
                fields=["category", "email_fingerprint"], condition=Q(confirmed_at__isnull=False), name="vote_fingerprint"
            ),
            # The recount reads only this index (an index-only scan), never the wide rows.
            models.Index(fields=["edition", "nominee", "standing"], name="vote_tally_cover"),
            # Small partial indexes: the work queue of the background processing.
            models.Index(fields=["id"], condition=Q(tallied_at__isnull=True), name="vote_untallied"),
            models.Index(
                fields=["id"], condition=Q(checked_at__isnull=True, confirmed_at__isnull=False), name="vote_unchecked"
            ),
            # The fraud rules over a batch: they find it by its checked_at mark, then
            # look up the groups its votes belong to. Without these each batch read
            # the whole table, or a nominee's every vote once per vote in the batch.
            models.Index(fields=["checked_at"], condition=Q(checked_at__isnull=False), name="vote_checked_batch"),
            models.Index(
                fields=["nominee", "network_hash"], condition=Q(confirmed_at__isnull=False), name="vote_nominee_network"
            ),
            models.Index(
                fields=["network_hash", "agent_hash"], condition=Q(confirmed_at__isnull=False), name="vote_network_agent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_code} → {self.nominee_id}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class FraudRule(models.TextChoices):
    DISPOSABLE_DOMAIN = "disposable", _("Disposable e-mail domain")
    NETWORK_BURST = "network", _("Many votes from one network for one nominee")
    NOMINEE_BURST = "burst", _("Burst far above the nominee's and category's usual rate")
    FAST_CONFIRMATION = "fast", _("Confirmed implausibly fast after the e-mail")
    AGENT_CLUSTER = "cluster", _("Many voters with one user agent on one network")
    EMAIL_VARIANT = "variant", _("Variant of an address that already voted")


class FraudDecision(models.TextChoices):
    PENDING = "pending", _("pending")
    FRAUD = "fraud", _("confirmed as fraud")
    GENUINE = "genuine", _("genuine")


class FraudFlag(models.Model):
    """A rule tripped by a vote. It holds the vote out of the count until an auditor settles it; it never deletes it."""

    vote = models.ForeignKey(Vote, verbose_name=_("vote"), on_delete=models.PROTECT, related_name="flags")
    nominee = models.ForeignKey(Nominee, verbose_name=_("nominee"), on_delete=models.PROTECT, related_name="flags")
    rule = models.CharField(_("rule"), max_length=10, choices=FraudRule.choices)
    evidence = models.JSONField(_("evidence"), default=dict)
    created_at = models.DateTimeField(_("flagged at"), default=timezone.now)
    decision = models.CharField(_("decision"), max_length=8, choices=FraudDecision.choices, default=FraudDecision.PENDING)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("fraud flag")
        verbose_name_plural = _("fraud flags")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["vote", "rule"], name="fraudflag_one_per_rule_and_vote"),
        ]
        indexes = [
            models.Index(fields=["nominee", "decision"], name="fraudflag_nominee_decision"),
            # The tally's held reasons (pending flags per nominee and rule), read from the index alone.
            models.Index(fields=["nominee", "rule"], name="fraudflag_pending_reasons", condition=Q(decision="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.get_rule_display()} ({self.vote_id})"


def standing_from_flags():
    """A confirmed vote's standing from its flags: fraud if one is confirmed as fraud, held while one is pending, else counted.

    An expression for Vote.objects.update(standing=...): settling flags and raising new ones share it.
    """
    return models.Case(
        models.When(
            models.Exists(FraudFlag.objects.filter(vote=models.OuterRef("pk"), decision=FraudDecision.FRAUD)),
            then=models.Value(Standing.REJECTED),
        ),
        models.When(
            models.Exists(FraudFlag.objects.filter(vote=models.OuterRef("pk"), decision=FraudDecision.PENDING)),
            then=models.Value(Standing.HELD),
        ),
        default=models.Value(Standing.COUNTED),
    )


class Tally(models.Model):
    """Votes per nominee, derived from the votes and recomputable at any time; pages read this, not COUNT(*)."""

    nominee = models.OneToOneField(Nominee, verbose_name=_("nominee"), on_delete=models.CASCADE, primary_key=True, related_name="tally")
    edition = models.ForeignKey(Edition, verbose_name=_("edition"), on_delete=models.CASCADE, related_name="tallies")
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.CASCADE, related_name="tallies")
    counted = models.PositiveIntegerField(_("counted"), default=0)
    held = models.PositiveIntegerField(_("flagged, held"), default=0)
    rejected = models.PositiveIntegerField(_("fraud, not counted"), default=0)
    unconfirmed = models.PositiveIntegerField(_("unconfirmed"), default=0)
    held_reasons = models.JSONField(_("reasons held"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        permissions = [("view_unreleased_tallies", _("Can see vote counts of editions whose results are not released"))]
        verbose_name = _("tally")
        verbose_name_plural = _("tallies")

    def __str__(self) -> str:
        return str(self.nominee_id)

    @property
    def confirmed(self) -> int:
        return self.counted + self.held + self.rejected

    @property
    def flagged_share(self) -> float:
        return (self.held + self.rejected) / self.confirmed if self.confirmed else 0.0


class TaskRun(models.Model):
    """When each background job last ran, so a stopped worker shows in the admin instead of staying silent."""

    name = models.CharField(_("job"), max_length=40, primary_key=True)
    last_started_at = models.DateTimeField(_("last started"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("last finished"), null=True, blank=True)
    last_processed = models.PositiveIntegerField(_("votes in last run"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")

    def __str__(self) -> str:
        return self.name
