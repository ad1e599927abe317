"""`view_unreleased_tallies` moves from certification's checks to nominations' tallies, with the groups and users that hold it."""

from django.db import migrations

CODENAME = "view_unreleased_tallies"


def _move(apps, source: tuple[str, str], target: tuple[str, str]) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    old = Permission.objects.filter(content_type__app_label=source[0], content_type__model=source[1], codename=CODENAME).first()
    if old is None:
        return  # a fresh database: post_migrate creates it on the tally
    target_type, _created = ContentType.objects.get_or_create(app_label=target[0], model=target[1])
    new = Permission.objects.filter(content_type=target_type, codename=CODENAME).first()
    if new is None:
        old.content_type = target_type
        old.save(update_fields=["content_type"])
        return
    for group in old.group_set.all():
        group.permissions.add(new)
    for user in old.user_set.all():
        user.user_permissions.add(new)
    old.delete()


def forward(apps, schema_editor):
    _move(apps, ("certification", "check"), ("nominations", "tally"))


def backward(apps, schema_editor):
    _move(apps, ("nominations", "tally"), ("certification", "check"))


class Migration(migrations.Migration):
    dependencies = [
        ("certification", "0008_audit_log_moves_out"),
        ("nominations", "0008_tally_view_unreleased_permission"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    operations = [
        migrations.AlterModelOptions(
            name="check",
            options={
                "ordering": ["nominee", "kind", "channel"],
                "permissions": [("decide_nominee", "Can approve or reject nominees (four eyes)")],
                "verbose_name": "check",
                "verbose_name_plural": "checks",
            },
        ),
        migrations.RunPython(forward, backward),
    ]
