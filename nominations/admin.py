from django.contrib import admin, messages
from django.db import models
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.admin_mixins import ReadOnlyAdminMixin

from . import selectors, services
from .admin_visibility import VisibilityAdminMixin
from .emails import mask_email
from .exceptions import PortalError
from .forms import AmendmentForm, EmailAddressField
from .models import (
    EDITION_RULES,
    EDITION_THRESHOLDS,
    Category,
    Edition,
    Firm,
    FraudDecision,
    FraudFlag,
    Nomination,
    Nominee,
    Tally,
    TaskRun,
    Vote,
)
from .services.editions import EDITION_FIELDS, FIRM_FIELDS, FIRM_IDENTITY_FIELDS


class CategoryInline(admin.TabularInline):
    model = Category
    extra = 0
    fields = ("position", "slug", "name_en", "name_pl", "name_ro")
    prepopulated_fields = {"slug": ("name_en",)}


@admin.register(Edition)
class EditionAdmin(VisibilityAdminMixin, admin.ModelAdmin):
    list_display = (
        "__str__",
        "nomination_opens_at",
        "nomination_closes_at",
        "voting_opens_at",
        "voting_closes_at",
        "results_date",
        "results_released_at",
    )
    list_filter = ("country",)
    search_fields = ("label", "slug")
    prepopulated_fields = {"slug": ("country", "label")}
    readonly_fields = ("results_released_at", "results_released_by", "rules_status")
    inlines = [CategoryInline]
    actions = ["close_voting_now", "release_results", "amend_results", "review_winners"]
    fieldsets = (
        (None, {"fields": ("country", "label", "slug", "time_zone")}),
        (
            _("Windows (in the edition's time zone)"),
            {"fields": ("nomination_opens_at", "nomination_closes_at", "voting_opens_at", "voting_closes_at", "results_date")},
        ),
        (
            _("Rules and thresholds (public, frozen once voting opens)"),
            {"fields": ("rules_status", *EDITION_THRESHOLDS)},
        ),
        (_("Results"), {"fields": ("results_released_at", "results_released_by")}),
    )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Windows are typed and shown in the edition's time zone: a Romanian 23:59 is 23:59 in Bucharest.
        with timezone.override(selectors.edition_form_zone(object_id=object_id, data=request.POST)):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render"):
                response.render()  # a TemplateResponse renders later, outside this zone, unless made to now
            return response

    def get_readonly_fields(self, request, obj=None):
        # Frozen fields are shown, not editable; Edition.clean still refuses a change that slips through.
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.rules_frozen():
            fields += [name for name in EDITION_RULES if name not in fields]
        return fields

    def save_model(self, request, obj, form, change):
        # The service checks the permission, refuses frozen rules and writes the audit entry.
        if not change:
            services.create_edition(edition=obj, actor=request.user)
            return
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in EDITION_FIELDS}
        try:
            services.change_edition(edition=obj, changes=changes, actor=request.user)
        except PortalError as error:
            self.message_user(request, error.message, messages.ERROR)

    @admin.display(description=_("status of the rules"))
    def rules_status(self, obj):
        if obj is None or obj.pk is None or not obj.rules_frozen():
            return _("Editable until voting opens; then frozen.")
        return _(
            "Frozen: voting opened on %(date)s, so the windows and thresholds can no longer change "
            "(closing voting early is an action)."
        ) % {"date": date_format(timezone.localtime(obj.voting_opens_at), "DATETIME_FORMAT")}

    @admin.action(description=_("Close voting now in the selected editions"), permissions=["change"])
    def close_voting_now(self, request, queryset):
        for edition in queryset:
            try:
                services.close_voting_now(edition=edition, by=request.user)
            except PortalError as error:
                self.message_user(request, f"{edition}: {error.message}", messages.ERROR)
            else:
                self.message_user(request, _("Voting closed in %s.") % edition, messages.SUCCESS)

    @admin.action(description=_("Release the results of the selected editions"), permissions=["release"])
    def release_results(self, request, queryset):
        released = 0
        for edition in queryset:
            try:
                services.release_results(edition=edition, by=request.user)
            except PortalError as error:
                self.message_user(request, f"{edition}: {error.message}", messages.ERROR)
            else:
                released += 1
        if released:
            self.message_user(
                request,
                ngettext("Released the results of %d edition.", "Released the results of %d editions.", released)
                % released,
                messages.SUCCESS,
            )

    @admin.action(description=_("Amend the published results of the selected edition (with a reason)"), permissions=["release"])
    def amend_results(self, request, queryset):
        """A confirmation page (what would change, and the reason), then services.amend_results writes the next version."""
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one edition to amend its results."), messages.ERROR)
            return None
        edition = queryset.get()
        form = AmendmentForm(request.POST if "confirm" in request.POST else None)
        if "confirm" in request.POST and form.is_valid():
            try:
                results = services.amend_results(edition=edition, by=request.user, reason=form.cleaned_data["reason"])
            except PortalError as error:
                self.message_user(request, f"{edition}: {error.message}", messages.ERROR)
            else:
                self.message_user(
                    request, _("%(edition)s: the results are amended; version %(version)d is published.")
                    % {"edition": edition, "version": results.version}, messages.SUCCESS,
                )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Amend the results of %(edition)s") % {"edition": edition},
            "edition": edition,
            "preview": selectors.amendment_preview(edition=edition),
            "form": form,
            "action": request.POST.get("action"),
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/nominations/edition/amend_results.html", context)

    def has_release_permission(self, request):
        return request.user.has_perm("nominations.release_results")

    @admin.action(description=_("Review the proposed winners and issue certificates"), permissions=["issue"])
    def review_winners(self, request, queryset):
        edition = queryset.order_by("pk").first()
        return redirect("admin:certification_certificate_winners", edition_id=edition.pk)

    def has_issue_permission(self, request):
        return request.user.has_perm("certification.issue_certificate")


@admin.register(Firm)
class FirmAdmin(VisibilityAdminMixin, admin.ModelAdmin):
    list_display = ("name", "country", "registration_number", "website", "contact_email", "created_at")
    list_filter = ("country",)
    search_fields = ("name", "registration_number")
    formfield_overrides = {
        models.URLField: {"assume_scheme": "https"},  # as the nomination form does
        models.EmailField: {"form_class": EmailAddressField},  # the invitation goes there: as the vote form checks
    }
    # What the public verification shows of a certified firm: only a superuser corrects it.

    def get_readonly_fields(self, request, obj=None):
        if obj is None or request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return (*super().get_readonly_fields(request, obj), *FIRM_IDENTITY_FIELDS)

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in FIRM_FIELDS}
        try:
            services.change_firm(firm=obj, changes=changes, actor=request.user)
        except PortalError as error:
            self.message_user(request, error.message, messages.ERROR)


def reasons_html(reasons: dict) -> str:
    labels = dict(FraudFlag._meta.get_field("rule").choices)
    return format_html_join(", ", "{}: {}", ((labels.get(rule, rule), n) for rule, n in sorted(reasons.items()))) or "–"


@admin.register(Nominee)
class NomineeAdmin(VisibilityAdminMixin, admin.ModelAdmin):
    list_display = ("firm", "category", "edition", "state", "counted", "held", "flagged_share", "held_reasons", "created_at")
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
        url = reverse("admin:nominations_fraudflag_changelist") + f"?nominee__id__exact={obj.pk}&decision__exact=pending"
        return format_html('<a href="{}">{}</a>', url, reasons_html(tally.held_reasons))


@admin.register(Tally)
class TallyAdmin(VisibilityAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: tallies are derived from the votes by the background processing."""

    list_display = ("nominee_name", "category", "edition", "counted", "held", "rejected", "unconfirmed", "share", "updated_at")
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

    def _settle(self, request, queryset, decision, label):
        # The service writes the audit log (certification.audit), one entry per flag and per vote whose standing changed.
        settled = services.settle_flags(flag_ids=list(queryset.values_list("pk", flat=True)), decision=decision, by=request.user)
        self.message_user(request, label % {"count": settled}, messages.SUCCESS)

    @admin.action(description=_("Confirm the selected flags as fraud (the votes stay out)"), permissions=["settle"])
    def confirm_fraud(self, request, queryset):
        self._settle(request, queryset, FraudDecision.FRAUD, _("%(count)d flags confirmed as fraud."))

    @admin.action(description=_("Mark the selected flags as genuine (the votes count)"), permissions=["settle"])
    def mark_genuine(self, request, queryset):
        self._settle(request, queryset, FraudDecision.GENUINE, _("%(count)d flags marked as genuine."))

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
        return ["voter_email" if name == "email" else name for name in names if name not in selectors.VOTER_EMAIL_FIELDS[1:]]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @admin.display(description=_("e-mail"))
    def voter_email(self, obj):
        # Only in the fields of those who may not read addresses (get_fields).
        return mask_email(obj.email)
