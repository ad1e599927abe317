"""The published vote ledger: what a line says and hides, its digests, and its downloads."""

import csv
import hashlib
import hmac
import json
from collections import Counter

import pytest
from django.urls import reverse
from django.utils import timezone

from nominations import ledger
from nominations.models import ReleasedFigure

pytestmark = pytest.mark.django_db


def download(client, name, edition, **kwargs):
    response = client.get(reverse(f"nominations:{name}", kwargs={"slug": edition.slug, **kwargs}))
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def test_the_category_ledger_hashes_to_the_published_digest(client, released):
    body = download(client, "category_ledger_csv", released["edition"], category_slug="banking")
    published = released["results"].categories.get(category=released["banking"])
    assert hashlib.sha256(body).hexdigest() == published.digest
    page = client.get(reverse("nominations:results", kwargs={"slug": released["edition"].slug})).content.decode()
    assert published.digest in page


def test_the_edition_digest_is_over_the_category_digests_of_categories_with_votes(client, released):
    digests = {c.category.slug: c.digest for c in released["results"].categories.select_related("category")}
    assert set(digests) == {"banking", "retail", "energy"}
    summary = "".join(f"{slug},{digests[slug]}\n" for slug in ("banking", "retail"))  # energy has no vote
    assert released["results"].digest == hashlib.sha256(summary.encode()).hexdigest()
    page = client.get(reverse("nominations:results", kwargs={"slug": released["edition"].slug})).content.decode()
    assert released["results"].digest in page


def test_the_ledger_recounts_to_the_published_figures(client, released):
    body = download(client, "category_ledger_csv", released["edition"], category_slug="banking").decode()
    rows = list(csv.DictReader(body.splitlines()))
    recount = Counter((int(row["nominee"]), row["standing"]) for row in rows)
    figures = {
        f.nominee_id: f
        for f in ReleasedFigure.objects.filter(results=released["results"], category=released["banking"])
    }
    for nominee in (released["lodz"], released["banca"]):
        assert recount[nominee.pk, "counted"] == figures[nominee.pk].counted
        assert recount[nominee.pk, "rejected"] == figures[nominee.pk].rejected
    assert (figures[released["lodz"].pk].counted, figures[released["banca"].pk].counted) == (5, 3)
    assert figures[released["banca"].pk].rejected == 1


def test_a_line_shows_a_hash_of_the_receipt_never_the_receipt_or_the_voter(client, released):
    body = download(client, "ledger_csv", released["edition"]).decode()
    fraud = released["fraud"]
    assert fraud.receipt_code not in body and fraud.email not in body and "mailinator" not in body
    [line] = [row for row in csv.DictReader(body.splitlines()) if row["standing"] == "rejected"]
    assert line["receipt_hash"] == ledger.receipt_hash(
        key=released["results"].ledger_key, receipt_code=fraud.receipt_code
    )
    assert len(line["receipt_hash"]) == 32
    assert line["reason"] == "disposable"
    assert line["day"] == timezone.localdate(fraud.confirmed_at).isoformat()


def test_lines_are_in_receipt_hash_order_so_they_say_nothing_about_arrival(client, released):
    body = download(client, "category_ledger_csv", released["edition"], category_slug="banking").decode()
    hashes = [row["receipt_hash"] for row in csv.DictReader(body.splitlines())]
    assert hashes == sorted(hashes) and len(hashes) == 9


def test_the_edition_ledger_is_the_category_ledgers_under_one_header(client, released):
    edition = released["edition"]
    whole = download(client, "ledger_csv", edition)
    parts = [
        download(client, "category_ledger_csv", edition, category_slug=slug) for slug in ("banking", "energy", "retail")
    ]
    header = ledger.HEADER.encode()
    assert whole == header + b"".join(part[len(header) :] for part in parts)


def test_the_json_ledger_says_what_the_csv_says(client, released):
    edition = released["edition"]
    rows = list(
        csv.DictReader(download(client, "category_ledger_csv", edition, category_slug="banking").decode().splitlines())
    )
    document = json.loads(download(client, "category_ledger_json", edition, category_slug="banking"))
    assert document["digest"] == released["results"].categories.get(category=released["banking"]).digest
    assert document["version"] == 1 and document["category"] == "banking" and document["lines"] == len(rows)
    assert [{"category": "banking", **line, "nominee": str(line["nominee"])} for line in document["ledger"]] == rows
    whole = json.loads(download(client, "ledger_json", edition))
    assert [c["category"] for c in whole["categories"]] == ["banking", "energy", "retail"]
    assert whole["digest"] == released["results"].digest


def test_the_figures_json_lists_the_published_totals_and_where_the_ledgers_are(client, released):
    response = client.get(reverse("nominations:results_json", kwargs={"slug": released["edition"].slug}))
    document = response.json()
    banking = next(c for c in document["categories"] if c["slug"] == "banking")
    assert {n["id"]: (n["counted"], n["rejected"]) for n in banking["nominees"]} == {
        released["lodz"].pk: (5, 0),
        released["banca"].pk: (3, 1),
    }
    assert banking["ledger"]["csv"].endswith("/results/ledger/banking.csv")
    assert document["digest"] == released["results"].digest and document["version"] == 1


def test_nothing_is_downloadable_before_release(client, contest):
    edition = contest["edition"]
    for name, kwargs in (
        ("ledger_csv", {}),
        ("results_json", {}),
        ("category_ledger_json", {"category_slug": "banking"}),
    ):
        assert client.get(reverse(f"nominations:{name}", kwargs={"slug": edition.slug, **kwargs})).status_code == 404


def test_an_unknown_category_or_version_is_not_found(client, released):
    slug = released["edition"].slug
    assert (
        client.get(
            reverse("nominations:category_ledger_csv", kwargs={"slug": slug, "category_slug": "nope"})
        ).status_code
        == 404
    )
    assert client.get(reverse("nominations:ledger_csv", kwargs={"slug": slug}) + "?version=7").status_code == 404
    assert client.get(reverse("nominations:results", kwargs={"slug": slug}) + "?version=x").status_code == 404


def test_receipt_hashes_need_the_editions_secret_key_which_is_never_published(client, released):
    """A public salt would let anyone try all 2^60 receipt codes offline against every line at once."""
    key, code = released["results"].ledger_key, released["fraud"].receipt_code
    expected = hmac.new(bytes.fromhex(key), code.encode(), hashlib.sha256).hexdigest()[:32]
    body = download(client, "ledger_csv", released["edition"]).decode()
    assert f",{expected}," in body
    assert hashlib.sha256(code.encode()).hexdigest()[:32] not in body
    edition = released["edition"]
    published = [
        body,
        download(client, "ledger_json", edition).decode(),
        client.get(reverse("nominations:results_json", kwargs={"slug": edition.slug})).content.decode(),
        client.get(reverse("nominations:results", kwargs={"slug": edition.slug})).content.decode(),
    ]
    assert all(key not in text for text in published)
