"""Integrity reviews in the admin: the evidence beside the category's profile, and holding or releasing a group."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from portal.admin_mixins import ReadOnlyAdminMixin

from .. import selectors, services
from ..admin_visibility import VisibilityAdminMixin
from ..exceptions import PortalError
from ..models import FraudDecision, IntegrityReview

MEASURES = {
    "delay": _("confirmation delay"),
    "night": _("votes at night"),
    "regularity": _("regular arrivals"),
    "agent": _("one user agent"),
    "machine_names": _("machine-made names"),
    "rare_domain": _("rare mail domains"),
    "one_category": _("voted in this category only"),
    "network_per_vote": _("a network per vote"),
}


@admin.register(IntegrityReview)
class IntegrityReviewAdmin(VisibilityAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("nominee", "edition", "state", "score", "threshold", "held_votes", "created_at", "settled_at")
    list_filter = ("state", "edition")
    list_select_related = ("nominee__firm", "nominee__category", "edition")
    search_fields = ("nominee__firm__name",)
    show_full_result_count = False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        review = self.get_object(request, object_id)
        if review is None or not self.has_view_permission(request, review):
            raise PermissionDenied
        if request.method == "POST":
            decision = request.POST.get("decision")
            group = request.POST.get("group") or None
            # Queued, never settled here: settling waits for the processing lock (services.integrity).
            try:
                settlement = services.settle_group(review=review, group=group, decision=decision, by=request.user)
            except (PortalError, ValueError) as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                if settlement is not None:
                    self.message_user(
                        request,
                        format_html(
                            '{} <a href="{}">{}</a>',
                            _("%(count)d flags will be settled in the background.") % {"count": settlement.total},
                            reverse("admin:nominations_flagsettlement_change", args=[settlement.pk]),
                            _("Follow its progress."),
                        ),
                        messages.SUCCESS,
                    )
            return HttpResponseRedirect(request.path)
        groups = [
            {
                **g,
                "label": f"{g['dimension']}:{g['key']}",
                "measures": [(MEASURES.get(k, k), v) for k, v in sorted(g["measures"].items(), key=lambda i: -i[1])],
            }
            for g in review.evidence.get("groups", [])
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Integrity review of %(nominee)s") % {"nominee": review.nominee},
            "review": review,
            "chart": selectors.review_chart_svg(review),
            "groups": groups,
            "profile": sorted(review.evidence.get("profile", {}).items(), key=lambda i: -i[1]),
            "can_settle": request.user.has_perm("nominations.change_integrityreview") and review.state == "open",
            "fraud": FraudDecision.FRAUD,
            "genuine": FraudDecision.GENUINE,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/nominations/integrityreview/review.html", context)
