"""Auditors see and settle integrity reviews (nominations.IntegrityReview): holding or releasing a group of votes."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = ("view_integrityreview", "change_integrityreview")


def _permissions(apps):
    app_config = apps.get_app_config("nominations")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    return apps.get_model("auth", "Permission").objects.filter(
        content_type__app_label="nominations", codename__in=PERMISSIONS
    )


def grant(apps, schema_editor):
    for group in apps.get_model("auth", "Group").objects.filter(name="Auditor"):
        group.permissions.add(*_permissions(apps))


def revoke(apps, schema_editor):
    for group in apps.get_model("auth", "Group").objects.filter(name="Auditor"):
        group.permissions.remove(*_permissions(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("certification", "0012_certificate_credentials_and_status_list"),
        ("nominations", "0014_vote_integrity_reviews"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
