"""The logo pack: the README with the terms, the logos, the signed PDF and the credential, zipped; and every file at once.

Pure functions returning bytes, as in `documents`, in the active language.
"""

import io
import json
import zipfile
from collections.abc import Callable

from django.utils.translation import gettext as _

from portal import identity

from . import wording
from .documents import PNG_SIZES, CertificateText, certificate_pdf, logo_png, logo_svg, votes_line


def readme_text(text: CertificateText) -> str:
    """The pack's README: what the certificate is, in the edition's language, and the logo usage terms."""
    files = "certificate.pdf, logo.svg, " + ", ".join(f"logo-{size}.png" for size in PNG_SIZES)
    if text.credential:
        files += ", credential.jwt, credential.json"
    registration = wording.registration_number(country=text.country_code, number=text.registration_number)
    body = " · ".join(filter(None, [identity.body_name(), identity.body_address(), identity.body_contact()]))
    votes = [votes_line(text)] if text.counted_votes is not None else []
    return "\n".join(
        [
            f"{identity.programme_name()}: {wording.title()} {text.edition_label} — {wording.medal()}",
            text.edition,
            "",
            _("Firm: %(firm)s (%(registration)s)") % {"firm": text.firm_name, "registration": registration},
            _("Category: %(category)s") % {"category": text.category},
            _("Serial %(serial)s") % {"serial": text.serial},
            _("Valid from %(start)s to %(end)s")
            % {"start": text.valid_from.isoformat(), "end": text.valid_until.isoformat()},
            *votes,
            _("Check that this certificate is valid: %(url)s") % {"url": text.verify_url},
            "",
            _("Files: %(files)s") % {"files": files},
            "",
            text.terms,
            "",
            body,
            "",
        ]
    )


def logo_pack_zip(text: CertificateText, *, pdf: bytes, svg: bytes, pngs: dict[int, bytes]) -> bytes:
    """The pack: README with the terms, the SVG, the three PNGs, the PDF and the credential, in a folder named after
    the serial.

    Every file is readable by everyone once unpacked (rw-r--r--): zipfile's default for
    written strings is 0600, which leaves the files unreadable to a web server that serves the logo.
    """
    buffer = io.BytesIO()
    folder = text.serial
    stamp = (text.issued_on.year, text.issued_on.month, text.issued_on.day, 0, 0, 0)

    def add(name: str, data: bytes) -> None:
        entry = zipfile.ZipInfo(f"{folder}/{name}", date_time=stamp)
        entry.compress_type = zipfile.ZIP_DEFLATED
        entry.external_attr = (0o100644 << 16) | 0x20  # a regular file, rw-r--r-- (and the DOS archive flag)
        archive.writestr(entry, data)

    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        add("README.txt", readme_text(text).encode("utf-8"))
        add("logo.svg", svg)
        for size in PNG_SIZES:
            add(f"logo-{size}.png", pngs[size])
        add("certificate.pdf", pdf)
        if text.credential:
            add("credential.jwt", text.credential.encode("ascii") + b"\n")
            add("credential.json", text.credential_json.encode("utf-8"))
    return buffer.getvalue()


def credential_json(credential: dict) -> str:
    return json.dumps(credential, ensure_ascii=False, indent=2) + "\n"


def all_files(text: CertificateText, *, sign_pdf: Callable[[bytes], bytes] | None = None) -> dict[str, bytes]:
    """Every file, keyed by the Certificate field that stores it; the PDF signed by `sign_pdf` when given."""
    pdf = certificate_pdf(text)
    if sign_pdf is not None:
        pdf = sign_pdf(pdf)
    svg = logo_svg(text)
    pngs = {size: logo_png(text, size) for size in PNG_SIZES}
    return {
        "pdf": pdf,
        "svg": svg,
        "png_256": pngs[256],
        "png_512": pngs[512],
        "png_1024": pngs[1024],
        "zip": logo_pack_zip(text, pdf=pdf, svg=svg, pngs=pngs),
    }
