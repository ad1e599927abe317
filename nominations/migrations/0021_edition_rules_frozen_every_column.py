"""The edition's frozen rules, all of them: 0014_vote_integrity_reviews and 0015_edition_pow_max_number_frozen
each rewrote the trigger with its own column added, so whichever ran last dropped the other's
column (which one depends on the order migrate linearises the two branches). This installs it
with both, after the merge of the branches.
"""

import importlib

from django.db import migrations

pow_frozen = importlib.import_module("nominations.migrations.0015_edition_pow_max_number_frozen")
COLUMNS = (*pow_frozen.AFTER, "integrity_threshold")


class Migration(migrations.Migration):
    dependencies = [("nominations", "0020_vote_wide_network_hash_db_default")]
    operations = [migrations.RunPython(pow_frozen.install(COLUMNS), pow_frozen.install(pow_frozen.AFTER))]
