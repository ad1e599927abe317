"""Nominees, votes, tallies, fraud flags, nominations and background jobs in the admin; figures through the visibility rule."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from portal.admin_mixins import ReadOnlyAdminMixin
from portal.exceptions import PortalError

from .. import selectors, services
from ..admin_visibility import VisibilityAdminMixin
from ..emails import mask_email
from ..models import (
    FlagSettlement,
    FraudDecision,
    FraudFlag,
    Nomination,
    Nominee,
    Tally,
    TaskRun,
    Vote,
)


def reasons_html(reasons: dict) -> str:
    labels = dict(FraudFlag._meta.get_field("rule").choices)
    return format_html_join(", ", "{}: {}", ((labels.get(rule, rule), n) for rule, n in sorted(reasons.items()))) or "–"


@admin.register(Nominee)
class NomineeAdmin(VisibilityAdminMixin, admin.ModelAdmin):
    list_display = (
        "firm",
        "category",
        "edition",
        "state",
        "counted",
        "held",
        "flagged_share",
        "held_reasons",
        "created_at",
    )
    list_filter = ("edition", "category", "state")
    search_fields = ("firm__name", "firm__registration_number")
    list_select_related = ("firm", "category", "edition", "tally")
    autocomplete_fields = ("firm",)

    TALLY_COLUMNS = ("counted", "held", "flagged_share", "held_reasons")

    def get_list_display(self, request):
        # The columns are for those who see every edition's figures (auditors vet under
        # Certification -> Vetting, which shows each edition's counts once released).
        if selectors.can_see_vote_figures(user=request.user):
            return self.list_display
        return tuple(column for column in self.list_display if column not in self.TALLY_COLUMNS)

    def get_readonly_fields(self, request, obj=None):
        # Votes, tallies and certification hang off a nominee: moving it to another
        # edition, category or firm would carry them somewhere they were not cast.
        readonly = super().get_readonly_fields(request, obj)
        return (*readonly, "edition", "category", "firm") if obj is not None else readonly

    @admin.display(description=_("counted"), ordering="tally__counted")
    def counted(self, obj):
        return getattr(getattr(obj, "tally", None), "counted", 0)

    @admin.display(description=_("held"), ordering="tally__held")
    def held(self, obj):
        return getattr(getattr(obj, "tally", None), "held", 0)

    @admin.display(description=_("flagged share"))
    def flagged_share(self, obj):
        tally = getattr(obj, "tally", None)
        return f"{tally.flagged_share:.0%}" if tally else "–"

    @admin.display(description=_("reasons held"))
    def held_reasons(self, obj):
        tally = getattr(obj, "tally", None)
        if not tally or not tally.held_reasons:
            return "–"
        url = (
            reverse("admin:nominations_fraudflag_changelist") + f"?nominee__id__exact={obj.pk}&decision__exact=pending"
        )
        return format_html('<a href="{}">{}</a>', url, reasons_html(tally.held_reasons))


@admin.register(Tally)
class TallyAdmin(VisibilityAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: tallies are derived from the votes by the background processing."""

    list_display = (
        "nominee_name",
        "category",
        "edition",
        "counted",
        "held",
        "rejected",
        "unconfirmed",
        "share",
        "updated_at",
    )
    list_filter = ("edition", "category")
    search_fields = ("nominee__firm__name",)
    list_select_related = ("nominee__firm", "category", "edition")
    ordering = ("-counted",)

    def get_queryset(self, request):
        return selectors.visible_tallies(user=request.user, queryset=super().get_queryset(request))

    @admin.display(description=_("nominee"), ordering="nominee__firm__name")
    def nominee_name(self, obj):
        return obj.nominee.firm.name

    @admin.display(description=_("flagged share"))
    def share(self, obj):
        return f"{obj.flagged_share:.0%}"


@admin.register(FraudFlag)
class FraudFlagAdmin(VisibilityAdminMixin, admin.ModelAdmin):
    # The auditors' work queue: flags, and how many per nominee, are theirs to see before
    # release (vetting shows the pending ones too); the votes' figures are not.
    list_display = ("vote_receipt", "nominee", "rule", "evidence_text", "created_at", "decision", "decided_by")
    list_filter = ("decision", "rule", "nominee__edition", "nominee__category")
    search_fields = ("nominee__firm__name", "vote__receipt_code")
    list_select_related = ("vote", "nominee__firm", "nominee__category", "decided_by")
    readonly_fields = [f.name for f in FraudFlag._meta.fields]
    actions = ["confirm_fraud", "mark_genuine"]
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # a count per filter choice over the whole table
    list_per_page = 100

    @admin.display(description=_("vote"), ordering="vote__receipt_code")
    def vote_receipt(self, obj):
        return obj.vote.receipt_code

    @admin.display(description=_("evidence"))
    def evidence_text(self, obj):
        return ", ".join(f"{key}: {value}" for key, value in obj.evidence.items())

    def _settle(self, request, queryset, decision):
        # Queued, never settled here: settling waits for the processing lock. The task's service
        # writes the audit log, one entry per flag and per vote whose standing changed.
        try:
            settlement = services.request_flag_settlement(
                flag_ids=list(queryset.values_list("pk", flat=True)), decision=decision, by=request.user
            )
        except PortalError as refusal:
            self.message_user(request, str(refusal.message), messages.ERROR)
            return
        url = reverse("admin:nominations_flagsettlement_change", args=[settlement.pk])
        self.message_user(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                _("%(count)d flags will be settled in the background.") % {"count": settlement.total},
                url,
                _("Follow its progress."),
            ),
            messages.SUCCESS,
        )

    @admin.action(description=_("Confirm the selected flags as fraud (the votes stay out)"), permissions=["settle"])
    def confirm_fraud(self, request, queryset):
        self._settle(request, queryset, FraudDecision.FRAUD)

    @admin.action(description=_("Mark the selected flags as genuine (the votes count)"), permissions=["settle"])
    def mark_genuine(self, request, queryset):
        self._settle(request, queryset, FraudDecision.GENUINE)

    def has_settle_permission(self, request):
        return request.user.has_perm("nominations.change_fraudflag")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TaskRun)
class TaskRunAdmin(VisibilityAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """The background processing at a glance: last runs, votes waiting, and whether a worker answers."""

    list_display = ("name", "last_started_at", "last_finished_at", "last_processed", "last_error")
    readonly_fields = ("name", "last_started_at", "last_finished_at", "last_processed", "last_error")

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "status": selectors.background_status()}
        return super().changelist_view(request, extra_context=extra_context)


@admin.register(FlagSettlement)
class FlagSettlementAdmin(VisibilityAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Auditors' queued decisions on flags and how far each has got; seen by those who may settle flags."""

    list_display = ("pk", "decision", "state", "progress", "settled", "requested_by", "requested_at", "finished_at")
    list_filter = ("state", "decision")
    list_select_related = ("requested_by",)
    readonly_fields = (
        "decision",
        "state",
        "total",
        "done",
        "settled",
        "requested_by",
        "requested_at",
        "started_at",
        "finished_at",
        "error",
    )
    fields = readonly_fields
    show_full_result_count = False

    @admin.display(description=_("progress"))
    def progress(self, obj):
        return f"{obj.done}/{obj.total}"

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("nominations.change_fraudflag") or super().has_view_permission(request, obj)

    def has_module_permission(self, request):
        return self.has_view_permission(request)


@admin.register(Nomination)
class NominationAdmin(VisibilityAdminMixin, admin.ModelAdmin):
    list_display = ("submitted_name", "nominee", "city", "channel", "created_at")
    list_filter = ("channel", "nominee__edition")
    search_fields = ("submitted_name", "nominee__firm__name", "city")
    list_select_related = ("nominee__firm", "nominee__category")
    readonly_fields = [f.name for f in Nomination._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False


@admin.register(Vote)
class VoteAdmin(VisibilityAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    # A confirmed vote is never lost; the fraud review settles doubtful ones.
    # The rows are selectors.visible_votes: a list of votes filtered by nominee or standing is
    # a count, so before release auditors see only the flagged votes they settle.
    list_display = ("receipt_code", "nominee", "category", "created_at", "confirmed_at")
    list_filter = ("edition", ("confirmed_at", admin.EmptyFieldListFilter))
    search_fields = ("receipt_code", "email_canonical")
    list_select_related = ("nominee__firm", "nominee__category", "category")
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # a count per filter choice over the whole table

    def get_queryset(self, request):
        return selectors.visible_votes(user=request.user, queryset=super().get_queryset(request))

    def get_search_fields(self, request):
        # Searching by address would tell whether someone voted, to those who may not read addresses.
        if selectors.can_see_voter_emails(user=request.user):
            return self.search_fields
        return tuple(name for name in self.search_fields if name not in selectors.VOTER_EMAIL_FIELDS)

    def get_fields(self, request, obj=None):
        names = [f.name for f in Vote._meta.fields]
        if selectors.can_see_voter_emails(user=request.user):
            return names
        return [
            "voter_email" if name == "email" else name for name in names if name not in selectors.VOTER_EMAIL_FIELDS[1:]
        ]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @admin.display(description=_("e-mail"))
    def voter_email(self, obj):
        # Only in the fields of those who may not read addresses (get_fields).
        return mask_email(obj.email)
