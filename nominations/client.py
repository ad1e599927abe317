"""Who sent a request, as far as the fraud checks need to know, without storing an address.

Behind a reverse proxy REMOTE_ADDR is the proxy; the client is then the
entry that the last TRUSTED_PROXY_COUNT proxies appended to X-Forwarded-For.
Anything further left in that header was written by the client and is not
believed.
"""

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest

USER_AGENT_MAX = 300


@dataclass(frozen=True)
class ClientInfo:
    ip_hash: int
    network_hash: int
    user_agent: str
    # The wider network (IPv4 /16, IPv6 /48): one provider's pool or one site; the integrity assessment reads it.
    wide_network_hash: int = 0

    @property
    def agent_hash(self) -> int:
        return keyed_hash(self.user_agent)


def client_ip(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or "0.0.0.0"
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            candidate = forwarded[-proxies]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                pass
    try:
        return str(ipaddress.ip_address(remote))
    except ValueError:
        return "0.0.0.0"


def network_of(ip: str, *, wide: bool = False) -> str:
    address = ipaddress.ip_address(ip)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    # /24: one household, office or small NAT pool; /64: one IPv6 subscriber.
    # Wide: /16, a provider's block; /48, one IPv6 site (a proxy rotating inside it).
    widths = {(4, False): 24, (6, False): 64, (4, True): 16, (6, True): 48}
    prefix = widths[(address.version, wide)]
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def keyed_hash(value: str) -> int:
    """HMAC-SHA256 of the value, kept as a signed 64-bit integer.

    64 bits are plenty to tell networks apart (no collision in practice) and,
    unlike a hex string, make the fraud checks' GROUP BY and window sorts cheap.
    """
    digest = hmac.new(settings.IP_HASH_KEY.encode(), value.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def client_info(request: HttpRequest) -> ClientInfo:
    ip = client_ip(request)
    user_agent = request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX]
    return ClientInfo(
        ip_hash=keyed_hash(ip),
        network_hash=keyed_hash(network_of(ip)),
        user_agent=user_agent,
        wide_network_hash=keyed_hash(network_of(ip, wide=True)),
    )


def limit_address(request: HttpRequest) -> str:
    """The client as the rate limits and the sign-in lock-out count it: an IPv4 address, or an IPv6 /64.

    An IPv6 subscriber is given at least a /64 and can use any address in it, so counted
    per address, each new one would start a fresh window and a fresh lock-out. The /64's
    first address stands for it (django-axes stores a plain address).
    """
    address = ipaddress.ip_address(client_ip(request))
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return str(address)


def ratelimit_key(request: HttpRequest) -> str:
    """The rate limits' key (portal.ratelimit): the hashed client (limit_address; no raw address in the cache either)."""
    return str(keyed_hash(limit_address(request)))
