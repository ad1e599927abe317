"""Editions released before released-results records existed are frozen by migration 0011, from their votes."""

import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from nominations import ledger
from nominations.models import Edition, ReleasedFigure, ReleasedResults

pytestmark = pytest.mark.django_db

migration = importlib.import_module("nominations.migrations.0013_released_results_frozen")


def test_an_edition_released_before_gets_version_1_from_its_votes(contest, manager):
    edition = contest["edition"]
    Edition.objects.filter(pk=edition.pk).update(results_released_at=timezone.now(), results_released_by=manager)
    migration.freeze_earlier_releases(apps, None)
    migration.freeze_earlier_releases(apps, None)  # twice: nothing more

    [results] = ReleasedResults.objects.filter(edition=edition)
    assert results.version == 1 and results.released_by == manager
    figures = dict(ReleasedFigure.objects.filter(results=results).values_list("nominee_id", "counted"))
    assert figures[contest["lodz"].pk] == 5 and figures[contest["banca"].pk] == 3
    edition.refresh_from_db()
    # The same ledger the release service would publish; only the audit entry is missing, and verify_results says so.
    assert ledger.verify(edition) == ["version 1: no audit entry records its digests"]
