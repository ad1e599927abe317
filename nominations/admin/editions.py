"""Editions (windows, rules, closing, releasing and amending results) and firms in the admin."""

from django.contrib import admin, messages
from django.db import models
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal import dispatch

from .. import selectors, services, tasks
from ..admin_visibility import VisibilityAdminMixin
from ..exceptions import PortalError
from ..forms import AmendmentForm, EmailAddressField
from ..models import (
    EDITION_RULES,
    EDITION_THRESHOLDS,
    Category,
    Edition,
    Firm,
)
from ..services.editions import EDITION_FIELDS, FIRM_FIELDS, FIRM_IDENTITY_FIELDS


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
            {
                "fields": (
                    "nomination_opens_at",
                    "nomination_closes_at",
                    "voting_opens_at",
                    "voting_closes_at",
                    "results_date",
                )
            },
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

    def _confirmation(self, request, queryset, *, title, explanation, button, template="confirm_action.html"):
        """The page an irreversible action shows first; its form posts the action again with confirm=yes."""
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "explanation": explanation,
            "button": button,
            "editions": list(queryset),
            "action": request.POST.get("action"),
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, f"admin/nominations/edition/{template}", context)

    @admin.action(description=_("Close voting now in the selected editions"), permissions=["change"])
    def close_voting_now(self, request, queryset):
        """A confirmation page first: closing cannot be undone, and the final count starts at once."""
        if request.POST.get("confirm") != "yes":
            return self._confirmation(
                request,
                queryset,
                title=_("Close voting now?"),
                explanation=_(
                    "Voting ends at once in these editions: no vote is accepted after this, the edition's final count "
                    "starts, and the voting window cannot be reopened."
                ),
                button=_("Yes, close voting now"),
            )
        for edition in queryset:
            try:
                services.close_voting_now(edition=edition, by=request.user)
            except PortalError as error:
                self.message_user(request, f"{edition}: {error.message}", messages.ERROR)
            else:
                self.message_user(request, _("Voting closed in %s.") % edition, messages.SUCCESS)
                # The final count at once rather than at the next beat tick; inline where tasks
                # run eagerly (`make run` has no beat). Idempotent: the beat's later run changes nothing.
                dispatch.send(tasks.finalise_closed_editions)
        return None

    @admin.action(description=_("Release the results of the selected editions"), permissions=["release"])
    def release_results(self, request, queryset):
        """A confirmation page first: published figures are frozen and only change by an amendment."""
        if request.POST.get("confirm") != "yes":
            return self._confirmation(
                request,
                queryset,
                title=_("Release the results?"),
                explanation=_(
                    "The figures and vote ledgers of these editions become public at once and are frozen: after this "
                    "they change only by a published amendment."
                ),
                button=_("Yes, release the results"),
            )
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
        return None

    @admin.action(
        description=_("Amend the published results of the selected edition (with a reason)"), permissions=["release"]
    )
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
                    request,
                    _("%(edition)s: the results are amended; version %(version)d is published.")
                    % {"edition": edition, "version": results.version},
                    messages.SUCCESS,
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
