"""Votes: cast, confirmed by e-mail, and where each stands in the count."""

import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .editions import Category, Edition, Nominee


class Standing(models.TextChoices):
    """Where a vote stands: one column, so the recount is an index-only GROUP BY.

    The same four words name the tally's columns (Tally.counted, .held, .rejected, .unconfirmed).
    """

    UNCONFIRMED = "unconfirmed", _("not confirmed")
    COUNTED = "counted", _("counted")
    HELD = "held", _("held for review")
    REJECTED = "rejected", _("rejected as fraud, not counted")


class MailKind(models.TextChoices):
    CONFIRM = "confirm", _("confirmation link")
    ALREADY_VOTED = "already_voted", _("already voted")


# tally_key = nominee_id * 2**20 + standing code * 2**16 + pending rule bits (16 bits for rules).
NOMINEE_SHIFT = 2**20
STANDING_SHIFT = 2**16
RULE_MASK = STANDING_SHIFT - 1
STANDING_CODES = {Standing.UNCONFIRMED: 0, Standing.COUNTED: 1, Standing.HELD: 2, Standing.REJECTED: 3}


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

    On PostgreSQL the table is partitioned by edition (`PARTITION BY LIST (edition_id)`, one
    partition per edition and a default one; docs/partitioning.md): the database's primary
    key is (id, edition_id) and every unique index holds the edition, while Django still
    sees `id` as the key (ids come from one identity sequence, so they stay unique).
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
    # Unique per edition (vote_receipt_per_edition): on PostgreSQL the table is partitioned by
    # edition, and a unique index there must hold the edition. 60 random bits make a repeat
    # across editions a one-in-10^18 event; the receipt look-up takes the newest edition's vote.
    receipt_code = models.CharField(_("receipt code"), max_length=14, default=new_receipt_code, editable=False)
    # Keyed hashes (nominations.client.keyed_hash): never the address itself.
    ip_hash = models.BigIntegerField(_("address hash"), editable=False)
    network_hash = models.BigIntegerField(_("network hash"), editable=False)
    # IPv4 /16 or IPv6 /48 (nominations.client.network_of(wide=True)); 0 for votes cast before it was kept.
    wide_network_hash = models.BigIntegerField(_("wide network hash"), default=0, db_default=0, editable=False)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True, editable=False)
    agent_hash = models.BigIntegerField(_("user agent hash"), default=0, editable=False)
    language = models.CharField(max_length=5, default="en", editable=False)
    created_at = models.DateTimeField(_("cast at"), default=timezone.now, editable=False)
    # Last time the voter asked for an e-mail (the cool-down runs from here) and
    # when the mail actually left (the fraud checks time confirmations from here).
    # Seconds between the server showing the form and the vote being sent (a signed
    # time in the form, nominations.challenge); NULL when not cast through the form.
    form_seconds = models.FloatField(_("form open for (seconds)"), null=True, blank=True, editable=False)
    email_requested_at = models.DateTimeField(_("e-mail requested at"), null=True, blank=True, editable=False)
    email_sent_at = models.DateTimeField(_("e-mail sent at"), null=True, blank=True, editable=False)
    email_send_count = models.PositiveSmallIntegerField(default=0, editable=False)
    # When the first confirmation mail left: every link sent stays valid, so the
    # fast-confirmation rule times from here (the earliest link), never from a resend.
    first_email_sent_at = models.DateTimeField(_("first e-mail sent at"), null=True, blank=True, editable=False)
    # The outbox (nominations.outbox): the mail this vote waits for, written in the
    # request's transaction; the relay hands it to a worker after the commit, and
    # the worker clears it once the mail has left. email_queued_at is the relay's
    # lease: a mail handed over but not sent within OUTBOX_MAIL_LEASE is handed over again.
    email_pending = models.CharField(
        _("e-mail waiting"),
        max_length=13,
        choices=MailKind.choices,
        blank=True,
        default="",
        db_default="",
        editable=False,
    )
    email_queued_at = models.DateTimeField(_("e-mail handed to a worker at"), null=True, blank=True, editable=False)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True, editable=False)
    # The address with the spellings its provider delivers to one inbox folded
    # together (nominations.emails.email_fingerprint): the variant rule uses it.
    email_fingerprint = models.CharField(max_length=254, blank=True, editable=False)
    standing = models.CharField(
        _("standing"), max_length=11, choices=Standing.choices, default=Standing.UNCONFIRMED, editable=False
    )
    # Background processing: fraud-checked (confirmed votes) and reflected in the tally.
    # NULL means waiting; a change that affects the tally sets tallied_at back to NULL.
    checked_at = models.DateTimeField(_("fraud-checked at"), null=True, blank=True, editable=False)
    tallied_at = models.DateTimeField(_("tallied at"), null=True, blank=True, editable=False)
    # The rules (RULE_BITS) with a pending flag on this vote, one bit each. On PostgreSQL
    # triggers on the flags keep it (migration 0019), so no code path can forget it.
    pending_rules = models.PositiveIntegerField(_("rules pending"), default=0, db_default=0, editable=False)
    # The recount's one grouping key: nominee, standing and pending rules in one bigint, so
    # counting an edition is one index-only GROUP BY on one column, as cheap as counting by nominee.
    tally_key = models.GeneratedField(
        expression=models.F("nominee_id") * NOMINEE_SHIFT
        + models.Case(
            *(
                models.When(standing=standing, then=models.Value(code * STANDING_SHIFT))
                for standing, code in STANDING_CODES.items()
            ),
            default=models.Value(0),
        )
        + models.F("pending_rules"),
        output_field=models.BigIntegerField(),
        db_persist=True,
    )

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        ordering = ["-created_at"]
        # The admin masks voters' addresses (j***@w*.pl) except to holders of this; no role has it.
        permissions = [("view_voter_email", _("Can see voters' e-mail addresses"))]
        constraints = [
            models.CheckConstraint(condition=Q(pending_rules__lt=STANDING_SHIFT), name="vote_pending_rules_fit"),
            # The edition first: a unique index on the partitioned table holds the partition key
            # (a category belongs to one edition, so the rule is the same).
            models.UniqueConstraint(
                fields=["edition", "category", "email_canonical"],
                condition=Q(confirmed_at__isnull=False),
                name="vote_one_counted_per_voter_category",
            ),
            # The code first, so the look-up by code alone (the receipt page) seeks each partition's index.
            models.UniqueConstraint(fields=["receipt_code", "edition"], name="vote_receipt_per_edition"),
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
                fields=["category", "email_fingerprint"],
                condition=Q(confirmed_at__isnull=False),
                name="vote_fingerprint",
            ),
            # The recount reads only this index (an index-only scan), never the wide rows.
            models.Index(fields=["edition", "tally_key"], name="vote_tally_key"),
            # Small partial indexes: the work queue of the background processing.
            models.Index(fields=["id"], condition=Q(tallied_at__isnull=True), name="vote_untallied"),
            models.Index(
                fields=["id"], condition=Q(checked_at__isnull=True, confirmed_at__isnull=False), name="vote_unchecked"
            ),
            # The outbox: the mails waiting to be handed to a worker (a handful at any time).
            models.Index(fields=["id"], condition=~Q(email_pending=""), name="vote_mail_outbox"),
            # The fraud rules over a batch: they find it by its checked_at mark, then
            # look up the groups its votes belong to. Without these each batch read
            # the whole table, or a nominee's every vote once per vote in the batch.
            models.Index(fields=["checked_at"], condition=Q(checked_at__isnull=False), name="vote_checked_batch"),
            models.Index(
                fields=["nominee", "network_hash"], condition=Q(confirmed_at__isnull=False), name="vote_nominee_network"
            ),
            models.Index(
                fields=["network_hash", "agent_hash"],
                condition=Q(confirmed_at__isnull=False),
                name="vote_network_agent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_code} → {self.nominee_id}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None
