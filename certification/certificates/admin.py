"""Certificates in the admin: issuing to the proposed winners, files, revocation, firm accounts."""

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from nominations import selectors as nominations_selectors
from nominations.admin_visibility import VisibilityAdminMixin
from portal.admin_mixins import ReadOnlyAdminMixin
from portal.exceptions import PortalError

from ..models import Certificate, CertificateStatus, FirmAccount, TermsAcceptance
from . import accounts, services, winners
from .forms import RevocationForm


class CertificateStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return CertificateStatus.choices

    def queryset(self, request, queryset):
        if self.value() == CertificateStatus.REVOKED:
            return queryset.filter(revoked_at__isnull=False)
        if self.value() == CertificateStatus.EXPIRED:
            return queryset.expired_on()
        if self.value() == CertificateStatus.VALID:
            return queryset.valid_on()
        return queryset


@admin.register(Certificate)
class CertificateAdmin(VisibilityAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    # Certificates are issued from the proposed winners page.
    list_display = ("serial", "firm", "category", "edition", "status_label", "valid_until", "files_status", "issued_at")
    list_filter = ("edition", "category", CertificateStatusFilter, "files_status")
    search_fields = ("serial", "firm__name", "firm__registration_number")
    list_select_related = ("firm", "category", "edition")
    actions = ["revoke", "regenerate_files", "resend_invitation"]
    list_per_page = 100
    fields = (
        "serial",
        "status_label",
        "firm",
        "contact_email",
        "category",
        "edition",
        "country",
        "valid_from",
        "valid_until",
        "issued_at",
        "issued_by",
        "revoked_at",
        "revoked_by",
        "revocation_reason",
        "files_status",
        "files_error",
        "files_generated_at",
    )
    readonly_fields = fields

    def has_issue_permission(self, request):
        return request.user.has_perm("certification.issue_certificate")

    def has_revoke_permission(self, request):
        return request.user.has_perm("certification.revoke_certificate")

    @admin.display(description=_("status"))
    def status_label(self, obj):
        return obj.get_status_display()

    @admin.display(description=_("contact e-mail"))
    def contact_email(self, obj):
        return obj.firm.contact_email or _("none: no invitation can be sent")

    @admin.action(description=_("Revoke the selected certificates (with a reason)"), permissions=["revoke"])
    def revoke(self, request, queryset):
        form = RevocationForm(request.POST if "confirm" in request.POST else None)
        if "confirm" in request.POST and form.is_valid():
            done = 0
            for certificate in queryset:
                try:
                    services.revoke_certificate(
                        certificate=certificate, actor=request.user, reason=form.cleaned_data["reason"]
                    )
                except PortalError as error:
                    self.message_user(request, f"{certificate.serial}: {error.message}", messages.ERROR)
                else:
                    done += 1
            if done:
                self.message_user(request, _("%(count)d certificates revoked.") % {"count": done}, messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Revoke certificates"),
            "form": form,
            "certificates": queryset,
            "action": request.POST.get("action"),
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/certification/confirm_revocation.html", context)

    @admin.action(description=_("Generate the files of the selected certificates again"), permissions=["issue"])
    def regenerate_files(self, request, queryset):
        for certificate in queryset:
            services.regenerate_certificate_files(certificate=certificate, actor=request.user)
        self.message_user(request, _("The files are being generated again."), messages.SUCCESS)

    @admin.action(description=_("Send the firm's invitation again (new link)"), permissions=["issue"])
    def resend_invitation(self, request, queryset):
        for certificate in queryset:
            try:
                account = accounts.resend_invitation(certificate=certificate, actor=request.user)
            except PortalError as error:
                self.message_user(request, f"{certificate.firm.name}: {error.message}", messages.WARNING)
            else:
                self.message_user(
                    request, _("Invitation sent to %(email)s.") % {"email": account.user.email}, messages.SUCCESS
                )

    def get_urls(self):
        winners = path(
            "winners/<int:edition_id>/",
            self.admin_site.admin_view(self.proposed_winners_view),
            name="certification_certificate_winners",
        )
        return [winners, *super().get_urls()]

    def proposed_winners_view(self, request, edition_id: int):
        """Per category: the ranked approved nominees with votes and vetting score, and the proposed winners."""
        if not (self.has_issue_permission(request) or request.user.has_perm("certification.view_certificate")):
            raise PermissionDenied
        edition = nominations_selectors.get_edition_by_id(edition_id)
        if request.method == "POST":
            if not self.has_issue_permission(request):
                raise PermissionDenied
            try:
                result = services.issue_certificates(
                    edition=edition, nominee_ids=request.POST.getlist("nominee"), actor=request.user
                )
            except PortalError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(count)d certificates issued; their files are being generated.")
                    % {"count": len(result.certificates)},
                    messages.SUCCESS,
                )
                for warning in result.warnings:
                    self.message_user(request, warning, messages.WARNING)
                for failure in result.failures:
                    self.message_user(request, _("Not issued: %(why)s") % {"why": failure}, messages.ERROR)
            return redirect(request.path)
        try:
            ranking, not_ready = winners.ranking(edition=edition), ""
        except PortalError as error:
            ranking, not_ready = {}, error.message
        context = {
            **self.admin_site.each_context(request),
            "title": _("Proposed winners: %(edition)s") % {"edition": edition},
            "edition": edition,
            "ranking": ranking,
            "not_ready": not_ready,
            "can_issue": self.has_issue_permission(request),
            "per_category": settings.CERTIFICATES_PER_CATEGORY,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/certification/proposed_winners.html", context)


@admin.register(FirmAccount)
class FirmAccountAdmin(VisibilityAdminMixin, admin.ModelAdmin):
    list_display = ("user", "firm", "invited_at", "activated_at")
    search_fields = ("user__username", "firm__name")
    list_select_related = ("user", "firm")
    readonly_fields = ("user", "firm", "invited_at", "activated_at")

    def has_add_permission(self, request):
        return False  # created when a certificate is issued (or an invitation resent)

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TermsAcceptance)
class TermsAcceptanceAdmin(VisibilityAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("firm", "user", "version", "accepted_at")
    list_filter = ("version",)
    search_fields = ("firm__name", "user__username")
    list_select_related = ("firm", "user")
    readonly_fields = ("firm", "user", "version", "accepted_at")
