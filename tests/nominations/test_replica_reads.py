"""Published results and ledgers read from the read replica once released; the release itself is read on the primary."""

import pytest
from django.db import connection
from django.urls import reverse

from tests.replica import queries_by_alias, reads_table

# A separate connection to the same database: the rows must be committed for it to see them.
# A replica is PostgreSQL's (streaming replication). serialized_rollback: the roles (groups
# made by a migration) are back after a flush.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a read replica is PostgreSQL's; needs DATABASE_URL"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True, databases=["default", "replica"]),
]


@pytest.fixture(autouse=True)
def _replica_on(settings):
    settings.READ_REPLICA = "replica"


def test_the_results_page_reads_the_frozen_figures_from_the_replica(client, released):
    slug = released["edition"].slug
    with queries_by_alias("default", "replica") as queries:
        response = client.get(reverse("nominations:results", args=[slug]))
    assert response.status_code == 200 and "Łódź" in response.content.decode()
    assert reads_table(queries["replica"], "nominations_releasedresults")
    assert not reads_table(queries["default"], "nominations_releasedresults")
    assert not reads_table(queries["default"], "nominations_releasedfigure")
    # Whether the edition is released is read on the primary: a release shows at once.
    assert reads_table(queries["default"], "nominations_edition")


@pytest.mark.parametrize("name", ["nominations:results_json", "nominations:ledger_csv", "nominations:ledger_json"])
def test_results_downloads_and_streamed_ledgers_read_from_the_replica(client, released, name):
    with queries_by_alias("default", "replica") as queries:
        response = client.get(reverse(name, args=[released["edition"].slug]))
        body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200 and body
    assert reads_table(queries["replica"], "nominations_releasedresults")
    assert not any("nominations_released" in sql or "nominations_ledgerline" in sql for sql in queries["default"])
    if name == "nominations:ledger_csv":
        # The streamed lines too, read after the view returned.
        assert reads_table(queries["replica"], "nominations_ledgerline")


def test_an_unreleased_edition_reads_nothing_from_the_replica(client, contest):
    with queries_by_alias("default", "replica") as queries:
        response = client.get(reverse("nominations:results", args=[contest["edition"].slug]))
    assert response.status_code == 200
    assert queries["replica"] == []


def test_without_a_replica_everything_reads_the_primary(client, released, settings):
    settings.READ_REPLICA = ""
    with queries_by_alias("default", "replica") as queries:
        client.get(reverse("nominations:ledger_csv", args=[released["edition"].slug])).getvalue()
    assert queries["replica"] == [] and reads_table(queries["default"], "nominations_ledgerline")
