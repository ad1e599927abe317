"""The audit log in the admin: read-only for everyone, superusers included (the database refuses edits too).

Some entries carry what a user may not see yet (a nominee's vote figures before release):
audit.redaction says which, for this user. Their content shows as hidden, and filters,
search and sorting on content are not offered to that user: a hand-typed filter on
`before`, `after` or `reason` answers as an unknown field does.
"""

import json

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import BooleanField, ExpressionWrapper, Value
from django.db.models.constants import LOOKUP_SEP
from django.utils.translation import gettext_lazy as _

from portal.admin_mixins import ReadOnlyAdminMixin

from . import redaction, services
from .models import AuditEntry

# Those who release results note the head down (and it is printed in released results).
SEES_CHAIN_HEAD = "nominations.release_results"
CONTENT = ("before", "after", "reason")
HIDDEN = _("hidden until the results are released")


def _content(name: str, label):
    @admin.display(description=label)
    def show(self, obj):
        if getattr(obj, "content_hidden", False):
            return HIDDEN
        value = getattr(obj, name)
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    return show


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "at",
        "actor_name",
        "action",
        "object_type",
        "object_repr",
        "before_shown",
        "after_shown",
        "reason_shown",
    )
    list_filter = ("action", "object_type")
    search_fields = ("object_repr", "actor_name", "object_id", "reason")
    date_hierarchy = "at"
    show_full_result_count = False
    list_per_page = 100

    before_shown = _content("before", _("before"))
    after_shown = _content("after", _("after"))
    reason_shown = _content("reason", _("reason"))

    def get_queryset(self, request):
        hidden = redaction.hidden_entries(user=request.user)
        flag = Value(False) if hidden is None else ExpressionWrapper(hidden, output_field=BooleanField())
        return super().get_queryset(request).annotate(content_hidden=flag)

    def get_fields(self, request, obj=None):
        return [f"{f.name}_shown" if f.name in CONTENT else f.name for f in AuditEntry._meta.fields]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def get_search_fields(self, request):
        if redaction.hidden_entries(user=request.user) is None:
            return self.search_fields
        return tuple(name for name in self.search_fields if name not in CONTENT)

    def lookup_allowed(self, lookup, value, request):
        if lookup.split(LOOKUP_SEP)[0] in CONTENT and redaction.hidden_entries(user=request.user) is not None:
            raise IncorrectLookupParameters(f"Cannot resolve keyword '{lookup}'")
        return super().lookup_allowed(lookup, value, request)

    def changelist_view(self, request, extra_context=None):
        if request.user.has_perm(SEES_CHAIN_HEAD):
            extra_context = {**(extra_context or {}), "chain_head": services.chain_head()}
        return super().changelist_view(request, extra_context=extra_context)
