"""The receipt page: what a vote's standing means for the voter, and their line in the published ledger."""

import pytest
from django.urls import reverse

from nominations.models import Vote

pytestmark = pytest.mark.django_db


def receipt(client, vote):
    html = client.get(reverse("nominations:receipt"), {"code": vote.receipt_code}).content.decode()
    return html[html.index("<main") : html.index("</main>")]


def test_a_vote_confirmed_as_fraud_reads_rejected_not_counted_not_under_review(client, released):
    page = receipt(client, released["fraud"])
    assert "an auditor rejected it as fraud: it is not counted" in page
    assert "being reviewed" not in page and "and is counted" not in page


def test_a_held_vote_reads_under_review(client, contest):
    vote = Vote.objects.filter(nominee=contest["lodz"]).first()
    Vote.objects.filter(pk=vote.pk).update(standing="held")
    page = receipt(client, vote)
    assert "is being reviewed" in page and "rejected" not in page


def test_a_counted_vote_reads_counted(client, contest):
    page = receipt(client, Vote.objects.filter(nominee=contest["lodz"]).first())
    assert "and is counted" in page


def test_the_voter_finds_their_line_in_the_published_ledger(client, released):
    vote = Vote.objects.filter(nominee=released["lodz"]).first()
    page = receipt(client, vote)
    ledger_csv = client.get(
        reverse(
            "nominations:category_ledger_csv", kwargs={"slug": released["edition"].slug, "category_slug": "banking"}
        )
    )
    lines = b"".join(ledger_csv.streaming_content).decode().splitlines(keepends=True)
    [mine] = [line for line in lines if f",{released['lodz'].pk}," in line and line.split(",")[1] in page]
    assert mine.strip() in page and "Your line in the published vote ledger" in page
    assert f"Line {lines.index(mine)} of the ledger of Banking" in page
    assert vote.receipt_code not in mine


def test_the_rejected_voter_sees_their_line_with_the_reason(client, released):
    page = receipt(client, released["fraud"])
    assert ",rejected,disposable" in page


def test_no_ledger_line_before_release(client, contest):
    page = receipt(client, Vote.objects.filter(nominee=contest["lodz"]).first())
    assert "Your line in the published vote ledger" not in page


def test_the_receipt_page_with_a_line_takes_a_fixed_number_of_queries(client, released, django_assert_max_num_queries):
    vote = Vote.objects.filter(nominee=released["lodz"]).first()
    with django_assert_max_num_queries(8):
        client.get(reverse("nominations:receipt"), {"code": vote.receipt_code})
