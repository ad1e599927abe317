"""An edition whose results are released, built the way production gets there: votes, their checks, an auditor's decision."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from nominations import services, tally
from nominations.models import FraudFlag
from nominations.tally import process_all_pending_votes
from tests.factories import CategoryFactory, EditionFactory, NomineeFactory, UserFactory, VoteFactory


@pytest.fixture
def manager(db):
    return UserFactory(username="ewa", groups=["Programme manager"])


@pytest.fixture
def auditor(db):
    return UserFactory(username="anna", groups=["Auditor"])


def cast(nominee, count, *, first=0, domain="example.com", days_ago=3):
    """Confirmed votes from different networks, minutes apart: nothing a fraud rule would flag (unless the domain is)."""
    start = timezone.now() - timedelta(days=days_ago)
    return [
        VoteFactory(
            nominee=nominee,
            email=f"voter{first + i}@{domain}",
            created_at=start + timedelta(minutes=7 * i),
            confirmed_at=start + timedelta(minutes=7 * i + 3),
            network=f"198.51.{(first + i) % 250}.0/24",
        )
        for i in range(count)
    ]


@pytest.fixture
def closed_edition(db):
    now = timezone.now()
    return EditionFactory(
        slug="pl-2030-2031",
        nomination_opens_at=now - timedelta(days=40),
        nomination_closes_at=now - timedelta(days=30),
        voting_opens_at=now - timedelta(days=30),
        voting_closes_at=now - timedelta(hours=1),
        results_date=now.date(),
    )


@pytest.fixture
def contest(closed_edition, auditor):
    """Banking: Łódź 5 counted, Banca 3 counted and 1 rejected as fraud; retail: Sklep 2 counted; energy: no votes."""
    banking = CategoryFactory(
        edition=closed_edition, slug="banking", name_en="Banking", name_pl="Bankowość", name_ro="Bănci", position=1
    )
    retail = CategoryFactory(
        edition=closed_edition, slug="retail", name_en="Retail", name_pl="Handel", name_ro="Comerț", position=2
    )
    energy = CategoryFactory(
        edition=closed_edition, slug="energy", name_en="Energy", name_pl="Energia", name_ro="Energie", position=3
    )
    lodz = NomineeFactory(category=banking, firm__name="Łódź Spółdzielnia Mleczarska")
    banca = NomineeFactory(category=banking, firm__name="Banca Comercială Ștefănești")
    sklep = NomineeFactory(category=retail, firm__name="Sklep, Kraków")
    NomineeFactory(category=energy, firm__name="Energa")
    cast(lodz, 5, first=0)
    cast(banca, 3, first=10)
    [fraud] = cast(banca, 1, first=20, domain="mailinator.com")
    cast(sklep, 2, first=30, days_ago=2)
    process_all_pending_votes()
    flags = list(FraudFlag.objects.filter(vote=fraud).values_list("pk", flat=True))
    assert flags, "the disposable-domain rule should flag the mailinator vote"
    services.settle_flags(flag_ids=flags, decision="fraud", by=auditor)
    process_all_pending_votes()
    return {
        "edition": closed_edition,
        "banking": banking,
        "retail": retail,
        "energy": energy,
        "lodz": lodz,
        "banca": banca,
        "sklep": sklep,
        "fraud": fraud,
    }


@pytest.fixture
def released(contest, manager):
    contest["results"] = services.release_results(edition=contest["edition"], by=manager)
    contest["edition"].refresh_from_db()
    return contest


def _must_not_run(name):
    def refuse(**kwargs):
        raise AssertionError(f"{name} ran, but this test is about the other way of writing tallies")

    return refuse


@pytest.fixture(
    params=[
        "portable",
        pytest.param(
            "one_query",
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-query recount is PostgreSQL's"),
            ],
        ),
    ]
)
def tally_path(request, monkeypatch):
    """Each way of writing tallies: the portable one (SQLite, `make run`) on every database, the one-query one on PostgreSQL.

    So a run on either database checks the portable path, and a PostgreSQL run checks both.
    """
    if request.param == "portable":
        monkeypatch.setattr(tally, "recounts_in_one_query", lambda: False)
        monkeypatch.setattr(tally, "_write_tallies_pg", _must_not_run("_write_tallies_pg"))
    else:
        monkeypatch.setattr(tally, "_write_tallies", _must_not_run("_write_tallies"))
    return request.param
