"""The Programme manager issues and revokes certificates, and fills in firms' contact addresses."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = [
    "certification.issue_certificate",
    "certification.revoke_certificate",
    "certification.view_certificate",
    "certification.view_firmaccount",
    "certification.view_termsacceptance",
    "nominations.change_firm",  # the contact e-mail address for the invitation
]


def _permissions(apps):
    for label in ("nominations", "certification"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    for perm in PERMISSIONS:
        app_label, codename = perm.split(".")
        yield Permission.objects.get(content_type__app_label=app_label, codename=codename)


def grant(apps, schema_editor):
    group, _created = apps.get_model("auth", "Group").objects.get_or_create(name="Programme manager")
    group.permissions.add(*_permissions(apps))


def revoke(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name="Programme manager").first()
    if group is not None:
        group.permissions.remove(*_permissions(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("certification", "0004_certificates"),
        ("nominations", "0005_firm_contact_email"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
