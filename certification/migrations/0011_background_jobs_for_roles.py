"""Both roles see "Background jobs" (until now only superusers did).

The programme manager releases results only once no confirmed vote waits to be counted,
and the auditors' flags come from the fraud scan: both need to see whether the
background processing runs. The page shows no figure per nominee or edition.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSION = ("nominations", "view_taskrun")
ROLES = ("Programme manager", "Auditor")


def _permission(apps):
    app_config = apps.get_app_config(PERMISSION[0])
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    return apps.get_model("auth", "Permission").objects.get(content_type__app_label=PERMISSION[0], codename=PERMISSION[1])


def grant(apps, schema_editor):
    permission = _permission(apps)
    for group in apps.get_model("auth", "Group").objects.filter(name__in=ROLES):
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    permission = _permission(apps)
    for group in apps.get_model("auth", "Group").objects.filter(name__in=ROLES):
        group.permissions.remove(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("certification", "0010_decide_nominee_on_nominee_vetting"),
        ("nominations", "0011_vote_view_voter_email"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
