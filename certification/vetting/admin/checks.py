"""Checks in the admin: a read-only list, and a small page that records or corrects one through the service.

The page is a view of its own rather than the ModelAdmin's change form: the
service computes and saves the check (with its audit entry) and may refuse it,
which a ModelAdmin's save_model cannot say. The views only parse input, call
services.record_check or services.add_evidence once, and show its message.
"""

from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from nominations.admin_visibility import VisibilityAdminMixin
from portal.admin_mixins import ReadOnlyAdminMixin
from portal.objects import ObjectUnavailable, open_stored

from ...exceptions import VettingError
from ...models import Check, NomineeVetting
from ...workflow import S  # the nominee's states, as the workflow names them
from .. import selectors, services
from ..forms import FIELDSETS, CheckForm, EvidenceForm

# Labels of what `Check.details` holds: the form's inputs, and what the service adds.
DETAIL_LABELS = {
    **{name: field.label for name, field in CheckForm.base_fields.items()},
    "percent": _("satisfied (%)"),
    "threshold": _("survey threshold (%)"),
    "pending_flags": _("unsettled flagged votes"),
    "settled_flags": _("settled flagged votes"),
}


def record_url(*, nominee_id: int, kind: str = "", channel: str = "") -> str:
    """The record page of a nominee, opened on one check (a correction when it is recorded)."""
    url = reverse("admin:certification_check_record", args=[nominee_id])
    return f"{url}?{urlencode({'kind': kind, 'channel': channel})}" if kind else url


@admin.register(Check)
class CheckAdmin(VisibilityAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    # Checks are recorded and corrected on the record page (record_check_view), through the service.
    list_display = ("nominee", "kind", "channel", "result", "score", "recorded_by", "recorded_at")
    list_filter = ("kind", "result", "nominee__edition", "nominee__category")
    search_fields = ("nominee__firm__name", "nominee__firm__registration_number")
    list_select_related = ("nominee__firm", "nominee__category", "recorded_by")
    fields = (
        "nominee",
        "kind",
        "channel",
        "result",
        "score",
        "found",
        "notes",
        "recorded_by",
        "recorded_at",
        "evidence_files",
    )
    readonly_fields = fields

    @admin.display(description=_("found"))
    def found(self, obj):
        rows = []
        for name, value in (obj.details or {}).items():
            if isinstance(value, bool):
                value = _("Yes") if value else _("No")
            rows.append((DETAIL_LABELS.get(name, name), value))
        return format_html_join(mark_safe("<br>"), "{}: {}", rows) or "–"

    @admin.display(description=_("evidence"))
    def evidence_files(self, obj):
        if obj is None or obj.pk is None:
            return "–"
        links = format_html_join(
            ", ",
            '<a href="{}">{}</a> ({}, {} B)',
            (
                (reverse("admin:certification_evidence_download", args=[e.pk]), e.original_name, e.content_type, e.size)
                for e in obj.evidence.all()
            ),
        )
        return links or "–"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        check = self.get_object(request, object_id)
        extra_context = dict(extra_context or {})
        if check is not None and check.recorded_by_id == request.user.pk and check.nominee.state == S.UNDER_REVIEW:
            extra_context["record_url"] = record_url(
                nominee_id=check.nominee_id, kind=check.kind, channel=check.channel
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        return [
            path(
                "record/<int:nominee_id>/",
                self.admin_site.admin_view(self.record_check_view),
                name="certification_check_record",
            ),
            path(
                "<int:check_id>/evidence/",
                self.admin_site.admin_view(self.add_evidence_view),
                name="certification_check_evidence",
            ),
            path(
                "evidence/<int:evidence_id>/download/",
                self.admin_site.admin_view(self.download_evidence),
                name="certification_evidence_download",
            ),
            *super().get_urls(),
        ]

    # The record page ---------------------------------------------------------------------

    def record_check_view(self, request, nominee_id):
        """Record a check on a nominee under review, or correct one's own: services.record_check decides which."""
        if not (
            request.user.has_perm("certification.add_check") or request.user.has_perm("certification.change_check")
        ):
            raise PermissionDenied
        nominee = selectors.get_nominee_for_check(nominee_id=nominee_id)
        data = request.POST if request.method == "POST" else request.GET
        existing = selectors.get_check(nominee=nominee, kind=data.get("kind", ""), channel=data.get("channel", ""))
        if request.method != "POST":
            mine = existing is not None and existing.recorded_by_id == request.user.pk
            initial = (
                CheckForm.initial_from(existing) if mine else {"kind": data.get("kind"), "channel": data.get("channel")}
            )
            return self._render_record_page(
                request, nominee=nominee, form=CheckForm(initial=initial), existing=existing
            )
        form = CheckForm(request.POST)
        if form.is_valid():
            try:
                check = services.record_check(
                    nominee=nominee,
                    kind=form.cleaned_data["kind"],
                    channel=form.cleaned_data["channel"],
                    inputs=form.inputs(),
                    notes=form.cleaned_data["notes"],
                    actor=request.user,
                )
            except VettingError as error:
                form.add_error(None, error.message)
            else:
                self.message_user(
                    request,
                    _("The check “%(check)s” of %(firm)s was recorded: %(result)s.")
                    % {"check": check, "firm": nominee.firm.name, "result": check.get_result_display()},
                    messages.SUCCESS,
                )
                if "_continue" in request.POST:
                    return redirect(record_url(nominee_id=nominee.pk, kind=check.kind, channel=check.channel))
                return redirect("admin:certification_nomineevetting_change", nominee.pk)
        return self._render_record_page(request, nominee=nominee, form=form, existing=existing)

    def add_evidence_view(self, request, check_id):
        """Attach a file to one's own check through services.add_evidence; shown on the record page."""
        check = selectors.get_check_for_evidence(check_id=check_id)
        back = record_url(nominee_id=check.nominee_id, kind=check.kind, channel=check.channel)
        if request.method != "POST":
            return redirect(back)
        if not request.user.has_perm("certification.add_evidence"):
            raise PermissionDenied
        evidence_form = EvidenceForm(request.POST, request.FILES)
        if evidence_form.is_valid():
            try:
                evidence = services.add_evidence(
                    check=check, file=evidence_form.cleaned_data["file"], actor=request.user
                )
            except VettingError as error:
                evidence_form.add_error("file", error.message)
            else:
                self.message_user(
                    request,
                    _("The file “%(file)s” was added to the check “%(check)s”.")
                    % {"file": evidence.original_name, "check": check},
                    messages.SUCCESS,
                )
                return redirect(back)
        form = CheckForm(initial=CheckForm.initial_from(check) if check.recorded_by_id == request.user.pk else {})
        return self._render_record_page(
            request, nominee=check.nominee, form=form, existing=check, evidence_form=evidence_form
        )

    def _render_record_page(self, request, *, nominee, form, existing: Check | None, evidence_form=None):
        mine = existing is not None and existing.recorded_by_id == request.user.pk
        if mine and evidence_form is None and request.user.has_perm("certification.add_evidence"):
            evidence_form = EvidenceForm()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Record a check: %(firm)s") % {"firm": nominee.firm.name},
            "nominee": nominee,
            "form": form,
            "adminform": helpers.AdminForm(form, FIELDSETS, prepopulated_fields={}, model_admin=self),
            "existing": existing,
            "mine": mine,
            "evidence_form": evidence_form,
            "opts": self.model._meta,
            "nominee_opts": NomineeVetting._meta,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/certification/check/record.html", context)

    def download_evidence(self, request, evidence_id):
        evidence = selectors.get_evidence_for_download(user=request.user, evidence_id=evidence_id)
        try:
            stored = open_stored(evidence.file)
        except ObjectUnavailable as error:
            if error.missing:
                message = _("The file %(name)s is missing from the file store; upload it again.")
            else:
                message = _("The file store cannot be reached at the moment; try again later.")
            self.message_user(request, message % {"name": evidence.original_name}, messages.ERROR)
            return redirect("admin:certification_check_change", evidence.check_record_id)
        response = FileResponse(
            stored,
            as_attachment=True,
            filename=evidence.original_name,
            content_type=evidence.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "sandbox"
        return response
