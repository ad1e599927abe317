"""A permission to read voters' e-mail addresses in the admin, which masks them otherwise; no role is given it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("nominations", "0010_edition_time_zone")]
    operations = [
        migrations.AlterModelOptions(
            name="vote",
            options={
                "ordering": ["-created_at"],
                "permissions": [("view_voter_email", "Can see voters' e-mail addresses")],
                "verbose_name": "vote",
                "verbose_name_plural": "votes",
            },
        ),
    ]
