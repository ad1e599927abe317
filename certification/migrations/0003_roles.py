"""The two staff roles, as groups with their permissions (created here, never by hand).

Permissions are normally created after all migrations (post_migrate); they are
created here first so the groups can be given them on a fresh database.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Auditor": [
        # Read what vetting needs; no change to votes, tallies, editions.
        "nominations.view_edition",
        "nominations.view_category",
        "nominations.view_firm",
        "nominations.view_nominee",
        "nominations.view_nomination",
        "nominations.view_vote",
        "nominations.view_tally",
        "nominations.view_fraudflag",
        "nominations.change_fraudflag",  # settle flagged votes
        "certification.view_nomineevetting",
        "certification.view_check",
        "certification.add_check",
        "certification.change_check",  # only their own (admin and services)
        "certification.view_evidence",
        "certification.add_evidence",
        "certification.decide_nominee",
        "certification.view_auditentry",
    ],
    "Programme manager": [
        "nominations.view_edition",
        "nominations.add_edition",
        "nominations.change_edition",
        "nominations.view_category",
        "nominations.add_category",
        "nominations.change_category",
        "nominations.release_results",
        "nominations.view_firm",
        "nominations.view_nominee",
        "nominations.view_tally",
        "certification.view_nomineevetting",
        "certification.view_check",
        "certification.view_unreleased_tallies",
        "certification.view_auditentry",
    ],
}


def create_roles(apps, schema_editor):
    for label in ("nominations", "certification"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in ROLES.items():
        group, _created = Group.objects.get_or_create(name=name)
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("certification", "0002_audit_log_append_only"),
        ("nominations", "0003_edition_thresholds_frozen_trigger"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_roles, remove_roles)]
