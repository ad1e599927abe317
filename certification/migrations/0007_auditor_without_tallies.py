"""Auditors no longer see the tallies list: vote counts of an edition stay hidden from them until its results are released.

They keep nominations.view_nominee: the check form's nominee autocomplete needs it.
"""

from django.db import migrations

PERMISSION = ("nominations", "view_tally")


def _group_and_permission(apps):
    group = apps.get_model("auth", "Group").objects.filter(name="Auditor").first()
    permission = apps.get_model("auth", "Permission").objects.filter(
        content_type__app_label=PERMISSION[0], codename=PERMISSION[1]
    ).first()
    return group, permission


def revoke(apps, schema_editor):
    group, permission = _group_and_permission(apps)
    if group is not None and permission is not None:
        group.permissions.remove(permission)


def grant(apps, schema_editor):
    group, permission = _group_and_permission(apps)
    if group is not None and permission is not None:
        group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [("certification", "0006_audit_log_no_truncate")]
    operations = [migrations.RunPython(revoke, grant)]
