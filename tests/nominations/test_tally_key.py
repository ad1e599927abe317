"""Vote.pending_rules and Vote.tally_key: the recount's one grouping key stays true to the flags."""

import pytest
from django.db import connection
from django.utils import timezone

from nominations.models import RULE_BITS, FraudDecision, FraudFlag, FraudRule, Standing, Vote
from nominations.models.votes import NOMINEE_SHIFT, STANDING_CODES, STANDING_SHIFT
from tests.factories import VoteFactory

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers are PostgreSQL's")


def test_every_rule_has_its_own_bit():
    assert set(RULE_BITS) == set(FraudRule.values)
    bits = list(RULE_BITS.values())
    assert len(set(bits)) == len(bits) and all(bit & (bit - 1) == 0 and 0 < bit < STANDING_SHIFT for bit in bits)


@pytest.mark.postgres
@on_postgresql
def test_a_pending_flag_of_any_rule_sets_its_bit_and_settling_clears_it(nominee):
    vote = VoteFactory(nominee=nominee, confirmed_at=timezone.now())
    flags = [FraudFlag.objects.create(vote=vote, nominee=nominee, rule=rule) for rule in FraudRule.values]
    vote.refresh_from_db()
    assert vote.pending_rules == sum(RULE_BITS.values())  # the triggers know every rule the code has
    FraudFlag.objects.filter(pk=flags[0].pk).update(decision=FraudDecision.GENUINE)
    vote.refresh_from_db()
    assert vote.pending_rules == sum(RULE_BITS.values()) - RULE_BITS[flags[0].rule]


@pytest.mark.postgres
@on_postgresql
def test_the_tally_key_holds_nominee_standing_and_rules(nominee):
    vote = VoteFactory(nominee=nominee, confirmed_at=timezone.now())
    Vote.objects.filter(pk=vote.pk).update(standing=Standing.HELD)
    FraudFlag.objects.create(vote=vote, nominee=nominee, rule="fast")
    vote.refresh_from_db()
    assert (
        vote.tally_key
        == nominee.pk * NOMINEE_SHIFT + STANDING_CODES[Standing.HELD] * STANDING_SHIFT + RULE_BITS["fast"]
    )
