"""A receipt code is unique per edition (the vote table is partitioned by edition on PostgreSQL)."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from nominations import selectors
from tests.factories import EditionFactory, NomineeFactory, VoteFactory

pytestmark = pytest.mark.django_db


def test_a_receipt_code_is_unique_within_an_edition(nominee, other_nominee):
    VoteFactory(nominee=nominee, receipt_code="ABCD-EFGH-JKMN")
    with pytest.raises(IntegrityError), transaction.atomic():
        VoteFactory(nominee=other_nominee, receipt_code="ABCD-EFGH-JKMN")


def test_the_receipt_look_up_takes_the_newest_editions_vote_when_two_share_a_code(nominee):
    newer = NomineeFactory(
        category__edition=EditionFactory(voting_opens_at=nominee.edition.voting_opens_at + timedelta(days=1))
    )
    VoteFactory(nominee=nominee, receipt_code="ABCD-EFGH-JKMN")
    shown = VoteFactory(nominee=newer, receipt_code="ABCD-EFGH-JKMN")
    assert selectors.vote_by_receipt(code="abcd efgh jkmn") == shown
