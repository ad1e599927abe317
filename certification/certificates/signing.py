"""The certification body's two keys: one signs the certificate PDFs, the other the Open Badges credentials.

- The PDF key and its certificate chain (PEM files, the signer's certificate
  first) sign each certificate PDF as PAdES baseline B-B with pyHanko; anyone
  checks it with a PDF reader or poppler's `pdfsig`.
- The Ed25519 key signs the credentials and the status list as VC-JWT (EdDSA);
  its public half is published as a JWKS (`/.well-known/jwks.json`).

The paths come from settings (CERTIFICATE_SIGNING_KEY, CERTIFICATE_SIGNING_CHAIN,
CREDENTIAL_SIGNING_KEY); `manage.py make_signing_key` writes a self-signed
development pair there. The files are read once per change of their mtime.
Keys never go into git (the default folder, signing/, is ignored).
"""

import asyncio
import base64
import hashlib
import io
import json
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

JWT_ALGORITHM = "EdDSA"
# Room in the PDF for the signature (CMS with the signer's chain): ample for a chain of several certificates.
SIGNATURE_BYTES = 32768
T = TypeVar("T")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _read(setting: str) -> tuple[Path, float]:
    path = Path(getattr(settings, setting))
    try:
        return path, path.stat().st_mtime
    except OSError as error:
        raise ImproperlyConfigured(
            f"{setting} ({path}) cannot be read: {error.strerror}. Run `manage.py make_signing_key` for a development "
            f"pair, or point {setting} at the certification body's file."
        ) from error


# PDF signing ---------------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _pdf_signer(key_path: Path, chain_path: Path, _mtimes: tuple[float, float], passphrase: str):
    key = load_private_key_from_pemder_data(key_path.read_bytes(), passphrase=passphrase.encode() or None)
    chain = list(load_certs_from_pemder_data(chain_path.read_bytes()))
    if not chain:
        raise ImproperlyConfigured(f"CERTIFICATE_SIGNING_CHAIN ({chain_path}) holds no certificate.")
    return signers.SimpleSigner(
        signing_cert=chain[0], signing_key=key, cert_registry=SimpleCertificateStore.from_certs(chain)
    )


def pdf_signer():
    key_path, key_mtime = _read("CERTIFICATE_SIGNING_KEY")
    chain_path, chain_mtime = _read("CERTIFICATE_SIGNING_CHAIN")
    return _pdf_signer(key_path, chain_path, (key_mtime, chain_mtime), settings.CERTIFICATE_SIGNING_KEY_PASSPHRASE)


def signer_certificate_sha256() -> str:
    """The fingerprint of our PDF signing certificate: a signed PDF is ours when its signer's matches."""
    return pdf_signer().signing_cert.sha256.hex()


def pdf_validation_context():
    """Our own chain as the trust roots, nothing fetched: for checking that an uploaded PDF is ours."""
    signer = pdf_signer()
    return ValidationContext(
        trust_roots=[signer.signing_cert, *signer.cert_registry], allow_fetching=False, revocation_mode="soft-fail"
    )


def sign_pdf(pdf: bytes, *, signer_name: str, reason: str, location: str) -> bytes:
    """The PDF with a PAdES B-B signature (ETSI.CAdES.detached, SHA-256) over the whole file, as an incremental update."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(
        field_name="CertificationBodySignature",
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        name=signer_name,
        reason=reason,
        location=location or None,
    )
    # Room for the CMS signature given up front: pyHanko would otherwise sign a dummy first to measure it.
    return outside_event_loop(
        lambda: signers.sign_pdf(writer, meta, signer=pdf_signer(), bytes_reserved=SIGNATURE_BYTES).getvalue()
    )


def outside_event_loop(work: Callable[[], T]) -> T:
    """Run pyHanko's synchronous API, which calls asyncio.run(): in a thread of its own when this one runs a loop
    (an ASGI server, or Playwright's sync API in the browser tests), else right here."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return work()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


# Credential signing (Ed25519, VC-JWT) --------------------------------------------------------------


@lru_cache(maxsize=4)
def _credential_key(path: Path, _mtime: float) -> ed25519.Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise ImproperlyConfigured(f"CREDENTIAL_SIGNING_KEY ({path}) is not an Ed25519 private key.")
    return key


def credential_key() -> ed25519.Ed25519PrivateKey:
    return _credential_key(*_read("CREDENTIAL_SIGNING_KEY"))


def _public_jwk(public: ed25519.Ed25519PublicKey) -> dict:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    jwk = {"crv": "Ed25519", "kty": "OKP", "x": _b64url(raw)}
    # RFC 7638 thumbprint: the key's id, stable for as long as the key is.
    thumbprint = hashlib.sha256(json.dumps(jwk, separators=(",", ":"), sort_keys=True).encode()).digest()
    return {**jwk, "kid": _b64url(thumbprint), "use": "sig", "alg": JWT_ALGORITHM}


def _retired_public_keys() -> list[ed25519.Ed25519PublicKey]:
    """Keys that signed earlier credentials (CREDENTIAL_RETIRED_PUBLIC_KEYS, PEM files): still published, never used."""
    keys = []
    for name in settings.CREDENTIAL_RETIRED_PUBLIC_KEYS:
        key = serialization.load_pem_public_key(Path(name).read_bytes())
        if isinstance(key, ed25519.Ed25519PublicKey):
            keys.append(key)
    return keys


def jwks() -> dict:
    """The public keys a verifier needs, current first."""
    return {"keys": [_public_jwk(k) for k in [credential_key().public_key(), *_retired_public_keys()]]}


def current_kid() -> str:
    return _public_jwk(credential_key().public_key())["kid"]


def sign_jwt(payload: dict, *, typ: str = "vc+jwt") -> str:
    """A compact JWS (EdDSA) of `payload`, with our key's id in the header."""
    header = {"alg": JWT_ALGORITHM, "typ": typ, "kid": current_kid()}
    signing_input = (
        _b64url(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + _b64url(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
    )
    return signing_input + "." + _b64url(credential_key().sign(signing_input.encode("ascii")))


class BadToken(ValueError):
    """The text is not a JWT signed by one of our keys."""


def verify_jwt(token: str) -> dict:
    """The payload of a JWT that one of our published keys signed (EdDSA); BadToken otherwise. Dates are not checked here."""
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise BadToken("not a compact JWS")
    try:
        header = json.loads(_b64url_decode(parts[0]))
        payload = json.loads(_b64url_decode(parts[1]))
        signature = _b64url_decode(parts[2])
    except (ValueError, UnicodeDecodeError, RecursionError) as error:  # RecursionError: JSON nested too deep
        raise BadToken("not a compact JWS") from error
    if not isinstance(header, dict) or not isinstance(payload, dict) or header.get("alg") != JWT_ALGORITHM:
        raise BadToken("not an EdDSA JWT")
    keys = {
        jwk["kid"]: key
        for key in [credential_key().public_key(), *_retired_public_keys()]
        for jwk in [_public_jwk(key)]
    }
    key = keys.get(header.get("kid"))
    if key is None:
        raise BadToken("signed with a key that is not ours")
    try:
        key.verify(signature, f"{parts[0]}.{parts[1]}".encode("ascii"))
    except InvalidSignature as error:
        raise BadToken("the signature does not match the content") from error
    return payload


# Development pair ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DevelopmentPair:
    pdf_key: Path
    pdf_chain: Path
    credential_key: Path


def write_development_pair(*, body_name: str, force: bool = False) -> tuple[DevelopmentPair, bool]:
    """A self-signed ECDSA certificate for the PDFs and an Ed25519 key, at the configured paths; (paths, written).

    Existing files are kept unless `force`: a second `make run` signs with the same keys.
    """
    pair = DevelopmentPair(
        Path(settings.CERTIFICATE_SIGNING_KEY),
        Path(settings.CERTIFICATE_SIGNING_CHAIN),
        Path(settings.CREDENTIAL_SIGNING_KEY),
    )
    if not force and all(p.is_file() for p in (pair.pdf_key, pair.pdf_chain, pair.credential_key)):
        return pair, False
    # ECDSA P-256: what PAdES and every PDF reader (poppler/NSS, Acrobat) verify, and quick to load and sign with
    # (pyHanko loads the key for each signature; an RSA key's validation on load costs hundreds of milliseconds).
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, body_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, body_name),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Development signing key (self-signed)"),
        ]
    )
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=5 * 365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    no_encryption = serialization.NoEncryption()
    _write_private(
        pair.pdf_key, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, no_encryption)
    )
    pair.pdf_chain.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    credential = ed25519.Ed25519PrivateKey.generate()
    _write_private(
        pair.credential_key,
        credential.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, no_encryption),
    )
    _pdf_signer.cache_clear()
    _credential_key.cache_clear()
    return pair, True


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
