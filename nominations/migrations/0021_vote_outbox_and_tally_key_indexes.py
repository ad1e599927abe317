"""The outbox's and the recount's indexes on the vote table, built without blocking votes.

Split out of 0018 and 0019 so that those stay atomic while CREATE INDEX CONCURRENTLY
runs outside a transaction (tests/portal/test_concurrent_indexes.py).
"""

from django.db import migrations, models

from portal.migration_operations import AddIndexWithoutBlocking


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("nominations", "0020_merge_pending_rules")]

    operations = [
        AddIndexWithoutBlocking(
            model_name="vote",
            index=models.Index(condition=~models.Q(email_pending=""), fields=["id"], name="vote_mail_outbox"),
        ),
        AddIndexWithoutBlocking(
            model_name="vote",
            index=models.Index(fields=["edition", "tally_key"], name="vote_tally_key"),
        ),
    ]
