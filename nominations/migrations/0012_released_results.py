"""Released results: each version of an edition's published figures, its category ledgers and their lines."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('nominations', '0011_vote_view_voter_email'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ReleasedResults',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(verbose_name='version')),
                ('released_at', models.DateTimeField(verbose_name='released at')),
                ('reason', models.TextField(blank=True, max_length=2000, verbose_name='reason')),
                ('digest', models.CharField(max_length=64, verbose_name='edition digest')),
                ('ledger_key', models.CharField(editable=False, max_length=64)),
                ('edition', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='released_results', to='nominations.edition', verbose_name='edition')),
                ('released_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='released by')),
            ],
            options={
                'verbose_name': 'released results',
                'verbose_name_plural': 'released results',
                'ordering': ['edition', '-version'],
            },
        ),
        migrations.CreateModel(
            name='ReleasedFigure',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('counted', models.PositiveIntegerField(verbose_name='counted')),
                ('held', models.PositiveIntegerField(verbose_name='flagged, held')),
                ('rejected', models.PositiveIntegerField(verbose_name='fraud, not counted')),
                ('category', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='nominations.category', verbose_name='category')),
                ('nominee', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='nominations.nominee', verbose_name='nominee')),
                ('results', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='figures', to='nominations.releasedresults', verbose_name='released results')),
            ],
            options={
                'verbose_name': 'released figure',
                'verbose_name_plural': 'released figures',
            },
        ),
        migrations.CreateModel(
            name='ReleasedCategory',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('digest', models.CharField(max_length=64, verbose_name='ledger digest')),
                ('lines', models.PositiveIntegerField(verbose_name='ledger lines')),
                ('category', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='nominations.category', verbose_name='category')),
                ('results', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='categories', to='nominations.releasedresults', verbose_name='released results')),
            ],
            options={
                'verbose_name': 'released category',
                'verbose_name_plural': 'released categories',
            },
        ),
        migrations.CreateModel(
            name='LedgerLine',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('line', models.PositiveIntegerField(verbose_name='line')),
                ('receipt_hash', models.CharField(max_length=32, verbose_name='receipt hash')),
                ('day', models.DateField(verbose_name='day')),
                ('standing', models.CharField(choices=[('counted', 'counted'), ('held', 'held for review'), ('rejected', 'rejected as fraud, not counted')], max_length=11, verbose_name='standing')),
                ('reason', models.CharField(blank=True, max_length=100, verbose_name='reason')),
                ('nominee', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='nominations.nominee', verbose_name='nominee')),
                ('ledger', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='ledger_lines', to='nominations.releasedcategory', verbose_name='ledger')),
            ],
            options={
                'verbose_name': 'ledger line',
                'verbose_name_plural': 'ledger lines',
                'constraints': [models.UniqueConstraint(fields=('ledger', 'line'), name='ledgerline_one_per_position'), models.UniqueConstraint(fields=('ledger', 'receipt_hash'), name='ledgerline_one_per_receipt')],
            },
        ),
        migrations.AddConstraint(
            model_name='releasedresults',
            constraint=models.UniqueConstraint(fields=('edition', 'version'), name='releasedresults_one_per_version'),
        ),
        migrations.AddConstraint(
            model_name='releasedresults',
            constraint=models.CheckConstraint(condition=models.Q(('version__gte', 1)), name='releasedresults_version_from_1'),
        ),
        migrations.AddConstraint(
            model_name='releasedfigure',
            constraint=models.UniqueConstraint(fields=('results', 'nominee'), name='releasedfigure_one_per_nominee'),
        ),
        migrations.AddConstraint(
            model_name='releasedcategory',
            constraint=models.UniqueConstraint(fields=('results', 'category'), name='releasedcategory_one_per_version'),
        ),
    ]
