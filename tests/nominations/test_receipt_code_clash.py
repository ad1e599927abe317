"""A new vote whose receipt code clashes with an existing one gets another code instead of an error page."""

import pytest

from nominations import services
from nominations.client import ClientInfo
from nominations.models import Vote
from tests.factories import VoteFactory

pytestmark = pytest.mark.django_db


def test_a_clashing_receipt_code_is_drawn_again(nominee, monkeypatch):
    taken = VoteFactory(nominee=nominee, email="first@example.com").receipt_code
    codes = iter([taken, "ABCD-EFGH-JKMN"])
    monkeypatch.setattr(Vote._meta.get_field("receipt_code"), "_get_default", lambda: next(codes))
    services.cast_vote(
        nominee=nominee, email="second@example.com", client=ClientInfo(ip_hash=1, network_hash=1, user_agent="t")
    )
    assert Vote.objects.get(email="second@example.com").receipt_code == "ABCD-EFGH-JKMN"
