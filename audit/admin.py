"""The audit log in the admin: read-only for everyone, superusers included (the database refuses edits too)."""

from django.contrib import admin

from portal.admin_mixins import ReadOnlyAdminMixin

from . import services
from .models import AuditEntry

# Those who release results note the head down (and it is printed in released results).
SEES_CHAIN_HEAD = "nominations.release_results"


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("at", "actor_name", "action", "object_type", "object_repr", "before", "after", "reason")
    list_filter = ("action", "object_type")
    search_fields = ("object_repr", "actor_name", "object_id", "reason")
    date_hierarchy = "at"
    show_full_result_count = False
    list_per_page = 100

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in AuditEntry._meta.fields]

    def changelist_view(self, request, extra_context=None):
        if request.user.has_perm(SEES_CHAIN_HEAD):
            extra_context = {**(extra_context or {}), "chain_head": services.chain_head()}
        return super().changelist_view(request, extra_context=extra_context)
