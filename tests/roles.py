"""The staff roles (groups made by migrations), as the migrated database has them, for tests that run after a flush.

A transactional or live-server test ends with a flush, which empties auth_group too; the
permissions and content types come back (post_migrate), the groups do not. The snapshot is
taken once, right after the test database is migrated, and `restore` puts the groups back
with the same permissions (by natural key) when a test asks for a role that is gone.
"""

SNAPSHOT: dict[str, list[tuple[str, str]]] = {}


def take() -> None:
    from django.contrib.auth.models import Group

    for group in Group.objects.prefetch_related("permissions__content_type"):
        SNAPSHOT[group.name] = [(p.content_type.app_label, p.codename) for p in group.permissions.all()]


def restore(names) -> None:
    """Make the named roles (and their permissions) exist again if a flush removed them."""
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    for name in names:
        if name not in SNAPSHOT or Group.objects.filter(name=name).exists():
            continue
        group = Group.objects.create(name=name)
        wanted = Q()
        for app_label, codename in SNAPSHOT[name]:
            wanted |= Q(content_type__app_label=app_label, codename=codename)
        if SNAPSHOT[name]:
            group.permissions.set(Permission.objects.filter(wanted))
