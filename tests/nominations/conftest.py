import pytest
from django.db import connection

from nominations import tally


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
