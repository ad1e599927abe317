"""Proof-of-work challenges already redeemed, kept in the database only while Redis is down."""

from django.db import models


class SpentChallenge(models.Model):
    """A redeemed challenge's nonce, until the challenge would have expired anyway.

    Redis remembers redeemed challenges (a key with the challenge's lifetime); when it is
    unreachable the form still takes votes, and this table refuses replays instead
    (nominations.challenge.redeem). Rows past expires_at are swept as new ones come in.
    """

    nonce = models.CharField(max_length=64, primary_key=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "spent challenge"

    def __str__(self) -> str:
        return self.nonce
