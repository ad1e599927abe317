from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, InternalError, transaction
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from nominations import services
from nominations.exceptions import RulesFrozen
from nominations.models import Edition
from nominations.models.editions import EDITION_THRESHOLDS
from tests.factories import EditionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def upcoming():
    now = timezone.now()
    return EditionFactory(
        voting_opens_at=now + timedelta(days=5),
        voting_closes_at=now + timedelta(days=20),
    )


def test_thresholds_can_change_before_voting_opens(upcoming, manager):
    services.change_edition(edition=upcoming, changes={"min_counted_votes": 40}, actor=manager)
    upcoming.refresh_from_db()
    assert upcoming.min_counted_votes == 40
    entry = AuditEntry.objects.get(action="edition.change")
    assert (entry.before, entry.after, entry.actor) == ({"min_counted_votes": 10}, {"min_counted_votes": 40}, manager)


def test_service_refuses_a_change_once_voting_opened(edition, manager):
    with pytest.raises(RulesFrozen, match="can no longer change"):
        services.change_edition(edition=edition, changes={"pass_mark": Decimal("3.00")}, actor=manager)
    edition.refresh_from_db()
    assert edition.pass_mark == Decimal("3.50")


def test_model_validation_refuses_a_change_to_a_window_once_voting_opened(edition):
    edition.results_date = edition.results_date + timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        edition.full_clean()
    assert "results_date" in error.value.message_dict


# Every threshold, including those added by later migrations (each redefines the trigger,
# and on SQLite a table rebuild drops it): the database refuses a change after voting opened.
CHANGED = {
    "min_counted_votes": 1,
    "min_voter_networks": 1,
    "max_flagged_share": Decimal("0.99"),
    "pass_mark": Decimal("1.00"),
    "survey_threshold": 1,
    "pow_max_number": 2_000_000,
    "integrity_threshold": Decimal("99.0"),
}


def test_every_threshold_has_a_frozen_check():
    assert set(CHANGED) == set(EDITION_THRESHOLDS)


@pytest.mark.parametrize("field", sorted(CHANGED))
def test_database_refuses_a_threshold_change_once_voting_opened(edition, field):
    before = getattr(edition, field)
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        Edition.objects.filter(pk=edition.pk).update(**{field: CHANGED[field]})
    edition.refresh_from_db()
    assert getattr(edition, field) == before


def test_database_allows_a_threshold_change_before_voting_opens(upcoming):
    Edition.objects.filter(pk=upcoming.pk).update(min_voter_networks=1)
    upcoming.refresh_from_db()
    assert upcoming.min_voter_networks == 1


def test_admin_shows_frozen_rules_read_only_and_says_why(client, edition, manager):
    client.force_login(manager)
    page = client.get(reverse("admin:nominations_edition_change", args=[edition.pk])).content.decode()
    assert "Frozen: voting opened on" in page
    assert 'name="pass_mark"' not in page
    data = {
        "country": "PL",
        "label": edition.label,
        "slug": edition.slug,
        "pass_mark": "1.00",
        "categories-TOTAL_FORMS": "0",
        "categories-INITIAL_FORMS": "0",
    }
    client.post(reverse("admin:nominations_edition_change", args=[edition.pk]), data)
    edition.refresh_from_db()
    assert edition.pass_mark == Decimal("3.50")


def test_admin_edits_thresholds_before_voting_and_logs_them(client, upcoming, manager):
    client.force_login(manager)
    url = reverse("admin:nominations_edition_change", args=[upcoming.pk])
    assert 'name="pass_mark"' in client.get(url).content.decode()
    fmt = "%Y-%m-%d %H:%M:%S"
    local = {
        name: timezone.localtime(getattr(upcoming, name))
        for name in ("nomination_opens_at", "nomination_closes_at", "voting_opens_at", "voting_closes_at")
    }
    data = {
        "country": "PL",
        "label": upcoming.label,
        "slug": upcoming.slug,
        "results_date": upcoming.results_date,
        "min_counted_votes": 10,
        "min_voter_networks": 5,
        "max_flagged_share": "0.20",
        "pass_mark": "4.00",
        "survey_threshold": 80,
        "pow_max_number": 1_000_000,
        "integrity_threshold": "12.0",
        "categories-TOTAL_FORMS": "0",
        "categories-INITIAL_FORMS": "0",
    }
    for name, value in local.items():
        data[f"{name}_0"], data[f"{name}_1"] = value.strftime(fmt).split(" ")
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    upcoming.refresh_from_db()
    assert upcoming.pass_mark == Decimal("4.00")
    assert AuditEntry.objects.filter(action="edition.change", after__pass_mark="4.00").exists()
