"""The audit log now belongs to the `audit` app (same table, renamed there); certification forgets the model."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("certification", "0007_auditor_without_tallies"),
        ("audit", "0001_initial"),
    ]
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="AuditEntry")]),
    ]
