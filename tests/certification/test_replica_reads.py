"""The registry and verification read from the read replica; writes never go there."""

import pytest
from django.db import connection
from django.urls import reverse

from certification.models import Certificate
from tests.replica import queries_by_alias, reads_table

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


@pytest.mark.parametrize("page", ["verify", "verify_json", "registry", "registry_edition"])
def test_public_certificate_pages_read_from_the_replica(client, issued, page):
    args = {
        "verify": [issued.serial],
        "verify_json": [issued.serial],
        "registry": [],
        "registry_edition": [issued.edition.slug],
    }[page]
    name = page if page == "verify_json" else f"certification:{page}"  # the API is outside the namespace
    with queries_by_alias("default", "replica") as queries:
        response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    assert reads_table(queries["replica"], "certification_certificate")
    assert not reads_table(queries["default"], "certification_certificate")


def test_an_object_read_from_the_replica_is_written_to_the_primary(issued):
    from portal.replica import replica_reads

    with replica_reads():
        certificate = Certificate.objects.get(pk=issued.pk)
    assert certificate._state.db == "replica"
    with queries_by_alias("default", "replica") as queries:
        certificate.save(update_fields=["files_error"])
    assert queries["replica"] == [] and reads_table(queries["default"], "certification_certificate")
