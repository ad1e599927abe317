"""What nominations announces to the apps built on it (certification listens; nominations never imports it)."""

from django.dispatch import Signal

# Sent inside the transaction that marks an edition's tally final; receivers act on commit.
tally_finalised = Signal()  # sender=Edition, edition=<Edition>
