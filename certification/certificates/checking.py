"""Verification of what people have in hand: a certificate PDF, a baked logo (PNG or SVG), a credential (JSON or JWT).

Each answer is the serial's verification (valid, expired, revoked) once the file
proves it is ours, or "unknown" with the reason it does not:
- a PDF must carry a signature by our PDF signing certificate, intact, covering
  the whole file (nothing added after signing); its serial is read from the
  signed document's keywords;
- a PNG or SVG must carry a baked credential, and a credential JWT must be
  signed by one of our published keys (its serial is in its id);
- a credential JSON must be exactly the credential we issued under its id.
What the file says is never trusted over the register: the status is today's.
"""

import hashlib
import io
import json
import logging
import re

from asn1crypto import cms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import generic_cms, validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.status import SignatureCoverageLevel

from . import baking, credentials, signing
from .selectors import SERIAL_PATTERN, Verification, verify_serial

logger = logging.getLogger(__name__)

SERIAL_IN_TEXT = re.compile(SERIAL_PATTERN.pattern.strip("^$"))
SERIAL_IN_ID = re.compile(r"/credentials/(" + SERIAL_PATTERN.pattern.strip("^$") + r")\.json$")
JWT_SHAPE = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")

KINDS = gettext_lazy("a certificate PDF, a logo (PNG or SVG) or a credential (JSON or JWT)")


class UnreadableFile(ValueError):
    """The upload is none of the kinds we read; `message` says so plainly."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def sniff(data: bytes) -> str | None:
    """What the bytes are, from their content (never from the file name or the browser's type)."""
    head = data[:1024].lstrip()
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(baking.PNG_SIGNATURE):
        return "png"
    if head.startswith(b"<?xml") or head.startswith(b"<svg"):
        return "svg"
    if head.startswith(b"{"):
        return "json"
    if JWT_SHAPE.match(data.strip().decode("ascii", "replace")):
        return "jwt"
    return None


def not_ours(reason: str, serial: str = "") -> Verification:
    return Verification(serial=serial, status="unknown", certificate=None, reason=reason)


def verify_upload(data: bytes) -> Verification:
    """The verification of an uploaded file or pasted text; UnreadableFile when it is none of the kinds we read."""
    kind = sniff(data)
    if kind is None:
        raise UnreadableFile(_("This file is not %(kinds)s.") % {"kinds": KINDS})
    if kind == "pdf":
        return verify_pdf(data)
    if kind == "json":
        return verify_credential_json(data)
    try:
        token = {"png": baking.extract_png, "svg": baking.extract_svg}[kind](data) if kind != "jwt" else data.decode()
    except baking.NotBaked:
        return not_ours(
            _("This image carries no credential of ours: it is not a logo from our logo pack, or it was re-saved.")
        )
    return verify_token(token)


def _found(serial: str, why: str) -> Verification:
    """Proven ours: the register's answer for the serial today, with how it was proven."""
    verification = verify_serial(serial)
    if verification.certificate is None:
        return not_ours(
            _("Signed by us, but the register has no released certificate %(serial)s.") % {"serial": serial}
        )
    return Verification(
        serial=verification.serial, status=verification.status, certificate=verification.certificate, reason=why
    )


def verify_token(token: str) -> Verification:
    try:
        payload = signing.verify_jwt(token)
    except signing.BadToken:
        return not_ours(_("The credential is not signed by the certification body, or it was changed after signing."))
    match = SERIAL_IN_ID.search(str(payload.get("id", "")))
    if match is None or payload.get("iss") != credentials.issuer_profile()["id"]:
        return not_ours(_("The signed document is not one of our certificate credentials."))
    return _found(match.group(1), _("The credential's signature is the certification body's."))


def verify_credential_json(data: bytes) -> Verification:
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:  # RecursionError: nested too deep
        raise UnreadableFile(_("This JSON file cannot be read.")) from error
    if not isinstance(document, dict):
        raise UnreadableFile(_("This JSON file is not a credential."))
    match = SERIAL_IN_ID.search(str(document.get("id", "")))
    verification = verify_serial(match.group(1)) if match else None
    issued = verification.certificate.credential if verification and verification.certificate else ""
    if not issued:
        return not_ours(_("We issued no credential with this id."))
    ours = credentials.credential_from_jwt(signing.verify_jwt(issued))
    if credentials.credential_from_jwt(document) != ours:
        return not_ours(_("This credential differs from the one we issued under its id: it was changed."))
    return _found(verification.serial, _("The credential is word for word the one we issued and signed."))


# Where a signature's hole and the ranges it covers are, as the signer writes them (uncompressed).
BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d{1,10})\s+(\d{1,10})\s+(\d{1,10})\s+(\d{1,10})\s*\]")
SIGNATURE_HOLE = re.compile(rb"<([0-9A-Fa-f]*)>")
DIGESTS = {"sha256", "sha384", "sha512"}


def _refusal_before_parsing(data: bytes) -> str | None:
    """Why the file cannot be one we signed, found from its bytes alone; None when its signature is ours.

    Anyone can upload a PDF, and parsing one (its cross-reference and object streams,
    inflated) can cost minutes and gigabytes for a few kilobytes. Ours are signed over
    every byte but the signature's own hole, so the signature is found and checked
    against our certificate over the digest of those bytes first; only a file whose
    every byte we signed is then parsed, and that file is one we made.
    """
    ranges = BYTE_RANGE.findall(data)
    if not ranges:
        if b"%%EOF" not in data[-1024:]:
            raise UnreadableFile(_("This PDF cannot be read."))
        return _("This PDF carries no signature: it is not a certificate we issued, or it was re-saved.")
    if len(ranges) != 1:
        return _("Something was added to this PDF after it was signed.")
    start, hole_start, hole_end, tail = (int(number) for number in ranges[0])
    if start != 0 or not 0 < hole_start < hole_end <= len(data) or hole_end + tail != len(data):
        return _("Something was added to this PDF after it was signed.")
    hole = SIGNATURE_HOLE.fullmatch(data[hole_start:hole_end])
    try:
        signed_data = cms.ContentInfo.load(bytes.fromhex(hole.group(1).decode("ascii")), strict=False)["content"]
        signer_info = generic_cms.extract_signer_info(signed_data)
        signer_cert = generic_cms.extract_certificate_info(signed_data).signer_cert
        algorithm = signer_info["digest_algorithm"]["algorithm"].native
        if signer_cert is None or signer_cert.sha256.hex() != signing.signer_certificate_sha256():
            return _("This PDF is signed, but not by the certification body.")
        if algorithm not in DIGESTS:
            return _("The signature of this PDF cannot be checked.")
        digest = hashlib.new(algorithm, data[:hole_start] + data[hole_end:]).digest()
        intact, valid = generic_cms.validate_sig_integrity(signer_info, signer_cert, "data", digest)
    except (AttributeError, ValueError, TypeError, KeyError, IndexError, SignatureValidationError) as error:
        logger.info("uploaded PDF: signature unreadable before parsing: %r", error)
        return _("The signature of this PDF cannot be checked.")
    if not (intact and valid):
        return _("This PDF was changed after it was signed.")
    return None


def verify_pdf(data: bytes) -> Verification:
    refusal = _refusal_before_parsing(data)
    if refusal is not None:
        return not_ours(refusal)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as error:
        raise UnreadableFile(_("This PDF cannot be read.")) from error
    if not signatures:
        return not_ours(_("This PDF carries no signature: it is not a certificate we issued, or it was re-saved."))
    signature = signatures[0]
    if signature.signer_cert.sha256.hex() != signing.signer_certificate_sha256():
        return not_ours(_("This PDF is signed, but not by the certification body."))
    try:
        context = signing.pdf_validation_context()
        status = signing.outside_event_loop(lambda: validate_pdf_signature(signature, context, skip_diff=True))
    except (SignatureValidationError, PdfError, ValueError) as error:
        logger.info("uploaded PDF: signature check failed: %r", error)
        return not_ours(_("The signature of this PDF cannot be checked."))
    if not (status.intact and status.valid):
        return not_ours(_("This PDF was changed after it was signed."))
    if len(signatures) != 1 or status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return not_ours(_("Something was added to this PDF after it was signed."))
    try:
        info = reader.trailer_view["/Info"]
    except KeyError:
        info = None
    match = SERIAL_IN_TEXT.search(str(info.get("/Keywords", ""))) if info is not None else None
    if match is None:
        return not_ours(_("This PDF is signed by us but names no serial."))
    return _found(match.group(0), _("The PDF's signature is the certification body's, and the file is unchanged."))
