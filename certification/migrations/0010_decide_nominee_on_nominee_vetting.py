"""`decide_nominee` hangs on the nominee in vetting (what it is about), not on checks; the groups that hold it keep it."""

from django.db import migrations

CODENAME = "decide_nominee"


def _move(apps, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    old = Permission.objects.filter(content_type__app_label="certification", content_type__model=source, codename=CODENAME).first()
    if old is None:
        return
    target_type, _created = ContentType.objects.get_or_create(app_label="certification", model=target)
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
    _move(apps, "check", "nomineevetting")


def backward(apps, schema_editor):
    _move(apps, "nomineevetting", "check")


class Migration(migrations.Migration):
    dependencies = [("certification", "0009_view_unreleased_tallies_moves_to_nominations")]

    operations = [
        migrations.AlterModelOptions(
            name="check",
            options={"ordering": ["nominee", "kind", "channel"], "verbose_name": "check", "verbose_name_plural": "checks"},
        ),
        migrations.AlterModelOptions(
            name="nomineevetting",
            options={
                "permissions": [("decide_nominee", "Can approve or reject nominees (four eyes)")],
                "verbose_name": "nominee in vetting",
                "verbose_name_plural": "vetting",
            },
        ),
        migrations.RunPython(forward, backward),
    ]
