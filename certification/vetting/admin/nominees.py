"""Nominees in vetting: the list with its filters and export, the nominee's vetting page, the decisions.

Actions parse input and call services (vetting.services, vetting.qualification,
certification.workflow); the rules live there.
"""

import csv

from django import forms
from django.contrib import admin, messages
from django.db.models import Q
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from nominations.admin_visibility import VisibilityAdminMixin
from portal.admin_mixins import ReadOnlyAdminMixin
from portal.text import TextField

from ...exceptions import VettingError
from ...models import NomineeVetting
from ...workflow import S  # the nominee's states, as the workflow names them
from .. import qualification, scoring, selectors, services


class FlaggedShareFilter(admin.SimpleListFilter):
    """Buckets of the flagged share, among the nominees whose figures the user may see (the share is NULL on the others)."""

    title = _("flagged share")
    parameter_name = "flagged"
    BUCKETS = {
        "none": (None, 0.0),
        "low": (0.0, 0.10),
        "medium": (0.10, 0.25),
        "high": (0.25, None),
    }

    def lookups(self, request, model_admin):
        return (
            ("none", _("none")),
            ("low", _("up to 10%")),
            ("medium", _("10% to 25%")),
            ("high", _("over 25%")),
        )

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(Q(share__isnull=True) | Q(share=0), tallies_visible=True)
        if self.value() in self.BUCKETS:
            low, high = self.BUCKETS[self.value()]
            queryset = queryset.filter(share__gt=low)
            return queryset.filter(share__lte=high) if high is not None else queryset
        return queryset


def spreadsheet_safe(cell):
    """A text cell a spreadsheet would run as a formula is prefixed with an apostrophe."""
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + cell
    return cell


class DecisionForm(forms.Form):
    reason = TextField(
        multiline=True,
        label=_("reason"),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
        max_length=2000,
        required=False,
    )


@admin.register(NomineeVetting)
class NomineeVettingAdmin(VisibilityAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    # States change only through the actions (certification.workflow).
    # The figures are vetting_queryset's annotations, NULL where the user may not see them
    # (nominations' visibility rule): sorting and the flagged-share filter work on the rows
    # whose figures the user sees and cannot order or pick out the others.
    list_display = (
        "firm",
        "registration_number",
        "category",
        "edition",
        "state",
        "vetting_score",
        "counted",
        "flagged_share",
    )
    list_filter = ("edition", "category", "state", FlaggedShareFilter)
    search_fields = ("firm__name", "firm__registration_number")
    fields = ("firm", "category", "edition", "state")
    readonly_fields = fields
    actions = ["start_review", "qualify", "approve", "reject", "export_csv"]
    list_per_page = 100
    figure_annotations = selectors.FIGURE_ANNOTATIONS

    def get_queryset(self, request):
        return selectors.vetting_queryset(user=request.user)

    def has_review_permission(self, request):
        return request.user.has_perm("certification.add_check")

    def has_decide_permission(self, request):
        return request.user.has_perm("certification.decide_nominee")

    @admin.display(description=_("registration number"), ordering="firm__registration_number")
    def registration_number(self, obj):
        return obj.firm.registration_number

    @admin.display(description=_("vetting score"))
    def vetting_score(self, obj):
        score = scoring.vetting_score(obj.checks.all())
        return "–" if score is None else score

    @admin.display(description=_("counted"), ordering="counted_votes")
    def counted(self, obj):
        return _("not released") if not obj.tallies_visible else obj.counted_votes

    @admin.display(description=_("flagged share"), ordering="share")
    def flagged_share(self, obj):
        if not obj.tallies_visible:
            return _("not released")
        return "–" if obj.share is None else f"{obj.share:.0%}"

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        nominee = self.get_object(request, object_id) if object_id else None
        if nominee is not None and self.has_view_permission(request, nominee):
            summary = selectors.vetting_summary(nominee=nominee, user=request.user)
            can_record = request.user.has_perm("certification.add_check") and nominee.state == S.UNDER_REVIEW
            extra_context = {
                **(extra_context or {}),
                "vetting_panel": render_to_string(
                    "admin/certification/vetting_panel.html",
                    {
                        "summary": summary,
                        "can_record": can_record,
                        "record_url": reverse("admin:certification_check_record", args=[nominee.pk]),
                        "user_id": request.user.pk,
                    },
                    request=request,
                ),
            }
        return super().changeform_view(request, object_id, form_url, extra_context)

    # Actions: each calls a service per nominee and reports what was refused and why.

    def _each(self, request, queryset, move, done_message):
        done = 0
        for nominee in queryset.select_related(None).select_related("firm", "category", "edition"):
            try:
                move(nominee)
            except VettingError as error:
                self.message_user(request, f"{nominee.firm.name}: {error.message}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, done_message % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Start the review of the selected nominees"), permissions=["review"])
    def start_review(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda n: services.start_review(nominee=n, actor=request.user),
            _("%(count)d nominees are now under review."),
        )

    @admin.action(description=_("Qualify the selected nominees by the edition's thresholds"), permissions=["decide"])
    def qualify(self, request, queryset):
        try:
            outcome = qualification.qualify_nominees(nominees=queryset.filter(state=S.NOMINATED), actor=request.user)
        except VettingError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        self.message_user(
            request,
            _("%(qualified)d qualified; %(not_qualified)d missed a threshold (reasons in the audit log).") % outcome,
            messages.SUCCESS,
        )

    def _decide(self, request, queryset, *, title, move, done_message):
        form = DecisionForm(request.POST if "confirm" in request.POST else None)
        if "confirm" in request.POST and form.is_valid():
            reason = form.cleaned_data["reason"]
            self._each(request, queryset, lambda n: move(n, reason), done_message)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "form": form,
            "nominees": queryset.select_related(None).select_related("firm", "category"),
            "action": request.POST.get("action"),
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/certification/confirm_decision.html", context)

    @admin.action(description=_("Approve the selected nominees (second auditor)"), permissions=["decide"])
    def approve(self, request, queryset):
        return self._decide(
            request,
            queryset,
            title=_("Approve nominees"),
            move=lambda n, reason: services.approve(nominee=n, actor=request.user, reason=reason),
            done_message=_("%(count)d nominees approved."),
        )

    @admin.action(description=_("Reject the selected nominees (second auditor)"), permissions=["decide"])
    def reject(self, request, queryset):
        return self._decide(
            request,
            queryset,
            title=_("Reject nominees"),
            move=lambda n, reason: services.reject(nominee=n, actor=request.user, reason=reason),
            done_message=_("%(count)d nominees rejected."),
        )

    @admin.action(description=_("Export the selected nominees with their scores (CSV)"), permissions=["view"])
    def export_csv(self, request, queryset):
        header, rows = selectors.csv_rows(nominees=queryset, user=request.user)
        categories = {row[1] for row in rows}
        name = slugify(categories.pop()) if len(categories) == 1 else "nominees"
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="vetting-{name}.csv"'
        writer = csv.writer(response)
        writer.writerow(header)
        writer.writerows([[spreadsheet_safe(cell) for cell in row] for row in rows])
        return response
