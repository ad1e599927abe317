"""Shared pieces of the admin."""


class ReadOnlyAdminMixin:
    """An admin page that shows records and never adds, changes or deletes them.

    Such records change only through the services (votes, tallies, the audit
    log, certificates...); the database refuses edits of the audit log as well.
    """

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
