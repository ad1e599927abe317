"""The permission to see unreleased vote counts belongs to the tallies (it lived on certification's checks).

The permission row itself moves in certification's 0009, so the groups that hold it keep it.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("nominations", "0007_fraud_batch_indexes")]
    operations = [
        migrations.AlterModelOptions(
            name="tally",
            options={
                "permissions": [("view_unreleased_tallies", "Can see vote counts of editions whose results are not released")],
                "verbose_name": "tally",
                "verbose_name_plural": "tallies",
            },
        ),
    ]
