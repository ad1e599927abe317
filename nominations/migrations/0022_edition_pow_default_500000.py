"""The proof-of-work difficulty defaults to 500,000 (measured in Chromium, README).

On SQLite the AlterField rebuilds nominations_edition, which drops the frozen-rules
trigger: it is created again, with the columns of 0018_integrity_threshold_frozen.
"""

from importlib import import_module

import django.core.validators
from django.db import migrations, models

frozen = import_module("nominations.migrations.0018_integrity_threshold_frozen")


class Migration(migrations.Migration):
    dependencies = [
        ("nominations", "0021_vote_outbox_and_tally_key_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="edition",
            name="pow_max_number",
            field=models.PositiveIntegerField(
                default=500000,
                help_text="The vote and nomination forms make the browser solve a puzzle of up to this many steps before sending.",
                validators=[
                    django.core.validators.MinValueValidator(1000),
                    django.core.validators.MaxValueValidator(50000000),
                ],
                verbose_name="proof-of-work difficulty (max number)",
            ),
        ),
        migrations.RunPython(frozen.install(frozen.AFTER), migrations.RunPython.noop),
    ]
