"""Integrity reviews; the first send of a vote's link and its wide network; fingerprints by the provider's own rules.

The thresholds trigger of 0003 is rebuilt with the new integrity_threshold
column (frozen once voting opens, like the others). Existing fingerprints are
recomputed: they folded dots and +tags on every domain and mapped look-alike
domains, which merged different people's inboxes. The first send of existing
votes is taken to be the last one known (the only one recorded).
"""

import importlib
from decimal import Decimal

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

frozen = importlib.import_module("nominations.migrations.0003_edition_thresholds_frozen_trigger")
COLUMNS = (*frozen.COLUMNS, "integrity_threshold")


def _sql(columns):
    pg = frozen.POSTGRES_CREATE
    lite = frozen.SQLITE_CREATE
    for old, new in (
        (", ".join("NEW." + c for c in frozen.COLUMNS), ", ".join("NEW." + c for c in columns)),
        (", ".join("OLD." + c for c in frozen.COLUMNS), ", ".join("OLD." + c for c in columns)),
        (", ".join(frozen.COLUMNS), ", ".join(columns)),
        (" OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in frozen.COLUMNS), " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)),
    ):
        pg, lite = pg.replace(old, new), lite.replace(old, new)
    return pg, lite


def _rebuild(columns):
    def run(apps, schema_editor):
        frozen.drop(apps, schema_editor)
        pg, lite = _sql(columns)
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(pg, params=None)
        elif vendor == "sqlite":
            schema_editor.execute(lite, params=None)

    return run


def refingerprint(apps, schema_editor):
    from nominations.emails import email_fingerprint

    Vote = apps.get_model("nominations", "Vote")
    Vote.objects.filter(first_email_sent_at__isnull=True).update(first_email_sent_at=models.F("email_sent_at"))
    batch = []
    for pk, canonical, old in Vote.objects.values_list("pk", "email_canonical", "email_fingerprint").iterator(5000):
        new = email_fingerprint(canonical)
        if new != old:
            batch.append(Vote(pk=pk, email_fingerprint=new))
        if len(batch) >= 5000:
            Vote.objects.bulk_update(batch, ["email_fingerprint"])
            batch = []
    if batch:
        Vote.objects.bulk_update(batch, ["email_fingerprint"])


class Migration(migrations.Migration):

    dependencies = [
        ('nominations', '0013_released_results_frozen'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='edition',
            name='integrity_threshold',
            field=models.DecimalField(decimal_places=1, default=Decimal('12.0'), help_text="Deviation score (the strongest group's evidence, in -log10 of its p-value) above which a nominee's votes get an integrity review that an auditor must settle.", max_digits=5, validators=[django.core.validators.MinValueValidator(Decimal('1'))], verbose_name='integrity review threshold'),
        ),
        migrations.AddField(
            model_name='vote',
            name='first_email_sent_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='first e-mail sent at'),
        ),
        migrations.AddField(
            model_name='vote',
            name='wide_network_hash',
            field=models.BigIntegerField(default=0, editable=False, verbose_name='wide network hash'),
        ),
        migrations.AlterField(
            model_name='fraudflag',
            name='rule',
            field=models.CharField(choices=[('disposable', 'Throw-away e-mail domain (listed or detected)'), ('network', 'Vote farm: a network whose votes serve one nominee only'), ('burst', "Burst far above the nominee's and category's usual rate"), ('fast', 'Confirmed faster than a person can read the e-mail'), ('cluster', 'Many voters with one user agent on one network, for one nominee'), ('variant', 'Variant of an address that already voted (one inbox)'), ('automation', 'Automation user agent (headless browser, script)'), ('integrity', 'Held by an open integrity review of the nominee')], max_length=10, verbose_name='rule'),
        ),
        migrations.CreateModel(
            name='IntegrityReview',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('state', models.CharField(choices=[('open', 'open: an auditor must settle it'), ('settled', 'settled')], default='open', max_length=8, verbose_name='state')),
                ('score', models.FloatField(verbose_name='deviation score')),
                ('threshold', models.DecimalField(decimal_places=1, max_digits=5, verbose_name='threshold')),
                ('evidence', models.JSONField(default=dict, verbose_name='evidence')),
                ('held_votes', models.PositiveIntegerField(default=0, verbose_name='votes held')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='opened at')),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='assessed at')),
                ('settled_at', models.DateTimeField(blank=True, null=True, verbose_name='settled at')),
                ('edition', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='nominations.edition', verbose_name='edition')),
                ('nominee', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='integrity_reviews', to='nominations.nominee', verbose_name='nominee')),
                ('settled_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='settled by')),
            ],
            options={
                'verbose_name': 'integrity review',
                'verbose_name_plural': 'integrity reviews',
                'ordering': ['-score'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('state', 'open')), fields=('nominee',), name='integrityreview_one_open')],
            },
        ),
        migrations.RunPython(refingerprint, migrations.RunPython.noop),
        migrations.RunPython(_rebuild(COLUMNS), _rebuild(frozen.COLUMNS)),
    ]
