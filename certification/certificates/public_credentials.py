"""The documented addresses of the certification body's credentials (README, "Verifying a certificate").

All outside the language prefix, readable from anywhere (CORS *):
- /.well-known/jwks.json: the public keys that sign credentials and the status list (JWKS, EdDSA/Ed25519);
- /credentials/issuer.json: the issuer profile;
- /credentials/status/revocation.jwt: the revocation status list (W3C Bitstring Status List, VC-JWT);
- /credentials/<serial>.jwt and .json: a certificate's Open Badges 3.0 credential, signed and as JSON;
- /badge/<serial>.svg: the live badge.
"""

import functools
import json
import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from . import badge, credentials, selectors, signing


def _public(response: HttpResponse, *, max_age: int) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"  # firms' sites embed the badge
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = f"public, max-age={max_age}"
    return response


def _json(document: dict, *, content_type: str = "application/json", max_age: int = 300) -> HttpResponse:
    body = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    return _public(HttpResponse(body, content_type=f"{content_type}; charset=utf-8"), max_age=max_age)


logger = logging.getLogger(__name__)


def _keys_needed(view):
    """Without the signing keys (not yet mounted) a plain 503 that says so, not a server error."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ImproperlyConfigured as error:
            logger.error("credential keys unavailable: %s", error)
            response = HttpResponse(
                "The certification body's signing keys are not available yet; try again later.\n",
                status=503,
                content_type="text/plain; charset=utf-8",
            )
            response["Retry-After"] = "300"
            return response

    return wrapped


@require_GET
@_keys_needed
def jwks(request):
    return _json(signing.jwks(), content_type="application/jwk-set+json", max_age=3600)


@require_GET
def issuer(request):
    return _json({"@context": credentials.OB_CONTEXT, **credentials.issuer_profile()})


@require_GET
@_keys_needed
def status_list(request):
    # A verifier caching it longer than this would miss a revocation for as long.
    response = HttpResponse(credentials.signed_status_list(), content_type="application/vc+jwt")
    return _public(response, max_age=60)


def _issued_credential(serial: str) -> str:
    verification = selectors.verify_serial(serial)
    if verification.certificate is None or not verification.certificate.credential:
        raise Http404
    return verification.certificate.credential


@require_GET
def credential_jwt(request, serial: str):
    return _public(HttpResponse(_issued_credential(serial), content_type="application/vc+jwt"), max_age=300)


@require_GET
def credential_json(request, serial: str):
    payload = signing.verify_jwt(_issued_credential(serial))
    return _json(credentials.credential_from_jwt(payload), content_type="application/vc+ld+json")


@require_GET
def live_badge(request, serial: str):
    verification = selectors.verify_serial(serial)
    body = badge.badge_svg(certificate=verification.certificate, status=verification.status)
    response = HttpResponse(body, content_type="image/svg+xml", status=404 if verification.certificate is None else 200)
    # An SVG opened on its own must run nothing: no script, no styles from elsewhere.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return _public(response, max_age=min(settings.BADGE_MAX_AGE_SECONDS, 3600))
