"""One vocabulary: a vote's standing is counted, held, rejected or unconfirmed, as the tally's columns are named.

Vote.integrity becomes Vote.standing ("ok" -> "counted", "fraud" -> "rejected"),
and a pending fraud flag says "pending" instead of an empty string. The index,
constraint and partial index that name the old column or values are made again.
"""

from django.db import migrations, models

STANDINGS = [("ok", "counted"), ("fraud", "rejected")]


def forward(apps, schema_editor):
    Vote = apps.get_model("nominations", "Vote")
    FraudFlag = apps.get_model("nominations", "FraudFlag")
    for old, new in STANDINGS:
        Vote.objects.filter(standing=old).update(standing=new)
    FraudFlag.objects.filter(decision="").update(decision="pending")


def backward(apps, schema_editor):
    Vote = apps.get_model("nominations", "Vote")
    FraudFlag = apps.get_model("nominations", "FraudFlag")
    for old, new in STANDINGS:
        Vote.objects.filter(standing=new).update(standing=old)
    FraudFlag.objects.filter(decision="pending").update(decision="")


class Migration(migrations.Migration):
    dependencies = [("nominations", "0008_tally_view_unreleased_permission")]

    operations = [
        migrations.RemoveConstraint(model_name="vote", name="vote_standing_matches_confirmation"),
        migrations.RemoveIndex(model_name="fraudflag", name="fraudflag_pending_reasons"),
        migrations.RemoveIndex(model_name="vote", name="vote_tally_cover"),
        migrations.RenameField(model_name="vote", old_name="integrity", new_name="standing"),
        migrations.AlterField(
            model_name="fraudflag",
            name="decision",
            field=models.CharField(
                choices=[("pending", "pending"), ("fraud", "confirmed as fraud"), ("genuine", "genuine")],
                default="pending", max_length=8, verbose_name="decision",
            ),
        ),
        migrations.RunPython(forward, backward),
        migrations.AlterField(
            model_name="vote",
            name="standing",
            field=models.CharField(
                choices=[
                    ("unconfirmed", "not confirmed"), ("counted", "counted"), ("held", "held for review"),
                    ("rejected", "rejected as fraud, not counted"),
                ],
                default="unconfirmed", editable=False, max_length=11, verbose_name="standing",
            ),
        ),
        migrations.AddIndex(
            model_name="fraudflag",
            index=models.Index(condition=models.Q(("decision", "pending")), fields=["nominee", "rule"], name="fraudflag_pending_reasons"),
        ),
        migrations.AddIndex(
            model_name="vote",
            index=models.Index(fields=["edition", "nominee", "standing"], name="vote_tally_cover"),
        ),
        migrations.AddConstraint(
            model_name="vote",
            constraint=models.CheckConstraint(
                condition=models.Q(models.Q(("confirmed_at__isnull", True), ("standing", "unconfirmed")))
                | models.Q(("confirmed_at__isnull", False), ("standing__in", ["counted", "held", "rejected"])),
                name="vote_standing_matches_confirmation",
            ),
        ),
    ]
