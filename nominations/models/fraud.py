"""Fraud flags: a rule tripped by a vote, held until an auditor settles it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .editions import Edition, Nominee
from .votes import Standing, Vote


class FraudRule(models.TextChoices):
    """Rule codes are stored on flags (and keyed on by the tally's held reasons): never rename one."""

    DISPOSABLE_DOMAIN = "disposable", _("Throw-away e-mail domain (listed or detected)")
    NETWORK_BURST = "network", _("Vote farm: a network whose votes serve one nominee only")
    # No longer run (it held genuine surges); kept so that flags raised by it still read.
    NOMINEE_BURST = "burst", _("Burst far above the nominee's and category's usual rate")
    FAST_CONFIRMATION = "fast", _("Confirmed faster than a person can read the e-mail")
    AGENT_CLUSTER = "cluster", _("Many voters with one user agent on one network, for one nominee")
    EMAIL_VARIANT = "variant", _("Variant of an address that already voted (one inbox)")
    AUTOMATION = "automation", _("Automation user agent (headless browser, script)")
    INTEGRITY = "integrity", _("Held by an open integrity review of the nominee")


# One bit per rule in Vote.pending_rules, written out so that a rule added or renamed keeps
# the others' bits (at most 16: Vote.RULE_MASK). A new rule needs a bit here and the
# triggers of migration 0019 rewritten with it (tests/nominations/test_tally_key.py checks both).
RULE_BITS: dict[str, int] = {
    "disposable": 1 << 0,
    "network": 1 << 1,
    "burst": 1 << 2,
    "fast": 1 << 3,
    "cluster": 1 << 4,
    "variant": 1 << 5,
    "automation": 1 << 6,
    "integrity": 1 << 7,
}


class FraudDecision(models.TextChoices):
    PENDING = "pending", _("pending")
    FRAUD = "fraud", _("confirmed as fraud")
    GENUINE = "genuine", _("genuine")


class FraudFlag(models.Model):
    """A rule tripped by a vote. It holds the vote out of the count until an auditor settles it; it never deletes it."""

    # On PostgreSQL the vote table is partitioned by edition and its key is (id, edition_id)
    # (docs/partitioning.md): the flag carries its vote's edition, and the database's foreign
    # key is the two columns (edition_id, vote_id), added in SQL by migration 0025, which is
    # why Django's one-column constraint is off. SQLite keeps Django's plain foreign key.
    vote = models.ForeignKey(
        Vote, verbose_name=_("vote"), on_delete=models.PROTECT, related_name="flags", db_constraint=False
    )
    edition = models.ForeignKey(
        Edition, verbose_name=_("edition"), on_delete=models.PROTECT, related_name="+", db_index=False, editable=False
    )
    nominee = models.ForeignKey(Nominee, verbose_name=_("nominee"), on_delete=models.PROTECT, related_name="flags")
    rule = models.CharField(_("rule"), max_length=10, choices=FraudRule.choices)
    evidence = models.JSONField(_("evidence"), default=dict)
    created_at = models.DateTimeField(_("flagged at"), default=timezone.now)
    decision = models.CharField(
        _("decision"), max_length=8, choices=FraudDecision.choices, default=FraudDecision.PENDING
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
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

    def save(self, *args, **kwargs):
        # The vote's edition, when the caller gave the vote object (bulk writers set edition_id themselves).
        if self.edition_id is None and self.vote_id is not None:
            self.edition_id = self.vote.edition_id
        super().save(*args, **kwargs)


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
