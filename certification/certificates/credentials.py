"""Open Badges 3.0 credentials and the revocation status list: what they say, where they live, how they are signed.

- Each certificate has an `OpenBadgeCredential` (1EdTech Open Badges 3.0, a W3C
  Verifiable Credential 2.0): the certification body's issuer profile, the
  achievement "Customers' Friend <category>, <edition>", the firm as recipient
  by its registration number, the validity dates, and a `credentialStatus`
  entry pointing at its bit in the issuer's status list. It is signed as a
  VC-JWT (OB 3.0 section 8.2: the credential is the JWT payload, with iss, jti,
  nbf and exp) with the Ed25519 key of `signing`.
- The issuer has one W3C Bitstring Status List for revocation, a signed
  credential too; a revocation sets its bit in the same transaction.

The documented addresses (README, "Verifying a certificate") are the paths below,
after SITE_URL; they have no language prefix.
"""

import base64
import gzip
from datetime import UTC, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from nominations.models import Country, country_zone
from portal import identity

from ..models import STATUS_LIST_BITS, Certificate, StatusList
from . import signing

OB_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
OB_SCHEMA = {
    "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
    "type": "1EdTechJsonSchemaValidator2019",
}
STATUS_PURPOSE = "revocation"

JWKS_PATH = "/.well-known/jwks.json"
ISSUER_PATH = "/credentials/issuer.json"
STATUS_LIST_PATH = "/credentials/status/revocation.jwt"


def credential_json_path(serial: str) -> str:
    return f"/credentials/{serial}.json"


def credential_jwt_path(serial: str) -> str:
    return f"/credentials/{serial}.jwt"


def badge_path(serial: str) -> str:
    return f"/badge/{serial}.svg"


def _url(path: str) -> str:
    return settings.SITE_URL + path


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def issuer_profile() -> dict:
    """The certification body as an Open Badges issuer Profile (also served at ISSUER_PATH)."""
    profile = {"id": _url(ISSUER_PATH), "type": ["Profile"], "name": identity.body_name(), "url": _url("/")}
    contact = identity.body_contact()
    if "@" in contact:
        profile["email"] = contact
    return profile


def validity_window(certificate: Certificate) -> tuple[datetime, datetime]:
    """From the first day's midnight to the last day's end, in the edition's time zone (as `Certificate.status`)."""
    zone = country_zone(certificate.country)
    start = datetime.combine(certificate.valid_from, time.min, zone)
    end = datetime.combine(certificate.valid_until + timedelta(days=1), time.min, zone) - timedelta(seconds=1)
    return start, end


def achievement_name(certificate: Certificate) -> str:
    """ "Customers' Friend Banking, Poland 2026/2027", in the active language."""
    return _("%(programme)s %(category)s, %(edition)s") % {
        "programme": identity.programme_name(),
        "category": certificate.category.name,
        "edition": f"{Country(certificate.country).label} {certificate.edition.label}",
    }


def open_badge_credential(certificate: Certificate) -> dict:
    """The certificate as an OpenBadgeCredential, worded in its edition's language."""
    start, end = validity_window(certificate)
    status_url = _url(STATUS_LIST_PATH)
    with translation.override(certificate.language):
        name = achievement_name(certificate)
        achievement = {
            "id": _url(f"/registry/{certificate.edition.slug}/#category-{certificate.category.slug}"),
            "type": ["Achievement"],
            "achievementType": "Award",
            "name": name,
            "description": _("%(title)s: the customers' choice in its category, confirmed by the checks of %(body)s.")
            % {"title": identity.certificate_title(), "body": identity.body_name()},
            "criteria": {
                "narrative": _(
                    "Nominated and voted for by customers, then vetted by an independent certification body: "
                    "registration, customer-service charter, complaint handling, mystery shopping and vote integrity."
                )
            },
            "inLanguage": certificate.language,
        }
    return {
        "@context": OB_CONTEXT,
        "id": _url(credential_json_path(certificate.serial)),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": name,
        "issuer": issuer_profile(),
        "validFrom": _iso(start),
        "validUntil": _iso(end),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "identifier",
                    "hashed": False,
                    # The VAT form of the registration number: "PL5261040828", "RO18547290".
                    "identityHash": f"{certificate.country}{certificate.firm.registration_number}",
                },
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": certificate.firm.name,
                },
            ],
            "achievement": achievement,
        },
        "credentialStatus": {
            "id": f"{status_url}#{certificate.status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": STATUS_PURPOSE,
            "statusListIndex": str(certificate.status_index),
            "statusListCredential": status_url,
        },
        "credentialSchema": [OB_SCHEMA],
    }


def sign_credential(credential: dict) -> str:
    """VC-JWT (OB 3.0 section 8.2): the credential's members are the payload, plus the registered claims."""
    start = datetime.fromisoformat(credential["validFrom"])
    claims = {"iss": credential["issuer"]["id"], "jti": credential["id"], "nbf": int(start.timestamp())}
    if "validUntil" in credential:
        claims["exp"] = int(datetime.fromisoformat(credential["validUntil"]).timestamp())
    return signing.sign_jwt({**credential, **claims})


def credential_from_jwt(payload: dict) -> dict:
    """The credential inside a verified VC-JWT payload (the registered claims removed)."""
    return {key: value for key, value in payload.items() if key not in ("iss", "jti", "nbf", "exp", "iat", "sub")}


# The status list -----------------------------------------------------------------------------------


def _empty_bits() -> bytes:
    return bytes(STATUS_LIST_BITS // 8)


def revocation_bits() -> tuple[bytes, datetime]:
    row = StatusList.objects.filter(purpose=STATUS_PURPOSE).first()
    if row is None:
        return _empty_bits(), timezone.now()
    return bytes(row.bits), row.updated_at


def set_revoked(index: int) -> None:
    """Set bit `index` of the revocation list; call inside the revocation's transaction (the row is locked)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("set_revoked runs inside the revocation's transaction")
    StatusList.objects.get_or_create(purpose=STATUS_PURPOSE, defaults={"bits": _empty_bits()})
    row = StatusList.objects.select_for_update().get(purpose=STATUS_PURPOSE)
    bits = bytearray(row.bits)
    bits[index // 8] |= 0x80 >> (index % 8)  # bit 0 is the first byte's highest bit (the specification's order)
    row.bits, row.updated_at = bytes(bits), timezone.now()
    row.save(update_fields=["bits", "updated_at"])


def bit_is_set(bits: bytes, index: int) -> bool:
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def encode_list(bits: bytes) -> str:
    """Multibase base64url (prefix "u", no padding) of the GZIP-compressed bitstring."""
    return "u" + base64.urlsafe_b64encode(gzip.compress(bits, mtime=0)).rstrip(b"=").decode("ascii")


def status_list_credential() -> dict:
    bits, updated_at = revocation_bits()
    url = _url(STATUS_LIST_PATH)
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": _url(ISSUER_PATH),
        "validFrom": _iso(updated_at),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": STATUS_PURPOSE,
            "encodedList": encode_list(bits),
        },
    }


def signed_status_list() -> str:
    credential = status_list_credential()
    start = datetime.fromisoformat(credential["validFrom"])
    return signing.sign_jwt(
        {**credential, "iss": credential["issuer"], "jti": credential["id"], "nbf": int(start.timestamp())}
    )
