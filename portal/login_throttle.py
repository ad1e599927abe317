"""Sign-in throttling for the admin and the firm login (both go through django-axes' backend).

django-axes counts failures per (user name, address) and locks that pair at
AXES_FAILURE_LIMIT. On its own that lets one address spray passwords over many
user names (16 tries over 4 names never reach 5 for any one). This handler also
sums an address's failures over every user name in the cool-off window and locks
the address at AXES_ADDRESS_FAILURE_LIMIT, higher than the pair's limit so that
an office behind one NAT address is not locked out by a few typos.

A successful sign-in clears only its own pair's failures (AXES_RESET_ON_SUCCESS
with the pair as the lockout parameter): an attacker who owns one account cannot
wipe the address's count by signing in to it.
"""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest


def address_failures(request: HttpRequest) -> int:
    """Failed sign-ins from the request's address, over every user name, within the cool-off time."""
    attempts = AccessAttempt.objects.filter(
        ip_address=request.axes_ip_address,  # type: ignore[attr-defined]
        attempt_time__gte=get_cool_off_threshold(request),
    )
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class AddressAndAccountHandler(AxesDatabaseHandler):
    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        pair = super().get_failures(request, credentials)
        if address_failures(request) >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            # Report the address as locked in axes' own terms: at least the pair's limit.
            return max(pair, get_failure_limit(request, credentials))
        return pair
