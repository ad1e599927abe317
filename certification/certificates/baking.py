"""Baking: the credential carried inside the logo files, as Open Badges 3.0 says (section 5.3, "Badge baking").

- PNG: an `iTXt` chunk with the keyword `openbadgecredential`, uncompressed,
  no language tag, holding the VC-JWT.
- SVG: an `<openbadges:credential>` element (namespace
  https://purl.imsglobal.org/ob/v3p0) right inside the root, holding the VC-JWT.

Extraction reads those places back, for the verification page; it refuses
what a logo never contains (a DTD or entities in an SVG).
"""

import io
import re
import struct
import zlib
from xml.etree import ElementTree

PNG_KEYWORD = "openbadgecredential"
OB_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The largest credential we read from a file: ours are a few kilobytes.
CREDENTIAL_MAX_BYTES = 64 * 1024


class NotBaked(ValueError):
    """The file is not a baked badge we can read."""


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def bake_png(png: bytes, credential: str) -> bytes:
    """The PNG with an iTXt `openbadgecredential` chunk right after IHDR (any earlier one is replaced)."""
    chunks = list(_png_chunks(png))
    data = PNG_KEYWORD.encode("latin-1") + b"\x00" + b"\x00\x00" + b"\x00" + b"\x00" + credential.encode("utf-8")
    out = io.BytesIO()
    out.write(PNG_SIGNATURE)
    for kind, body in chunks:
        if kind == b"iTXt" and body.split(b"\x00", 1)[0] == PNG_KEYWORD.encode():
            continue
        out.write(_chunk(kind, body))
        if kind == b"IHDR":
            out.write(_chunk(b"iTXt", data))
    return out.getvalue()


def _png_chunks(png: bytes):
    if not png.startswith(PNG_SIGNATURE):
        raise NotBaked("not a PNG")
    position = len(PNG_SIGNATURE)
    while position + 8 <= len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        body = png[position + 8 : position + 8 + length]
        if len(body) != length:
            raise NotBaked("a truncated PNG")
        yield kind, body
        position += 12 + length
        if kind == b"IEND":
            return


def extract_png(png: bytes) -> str:
    for kind, body in _png_chunks(png):
        if kind != b"iTXt":
            continue
        keyword, _sep, rest = body.partition(b"\x00")
        if keyword != PNG_KEYWORD.encode():
            continue
        if len(rest) < 2:
            raise NotBaked("an empty credential chunk")
        compressed, rest = rest[0], rest[2:]
        _language, _sep, rest = rest.partition(b"\x00")
        _translated, _sep, text = rest.partition(b"\x00")
        try:
            return (_inflate(text) if compressed else text).decode("utf-8").strip()
        except (zlib.error, UnicodeDecodeError) as error:
            raise NotBaked("an unreadable credential chunk") from error
    raise NotBaked("no openbadgecredential chunk")


def _inflate(data: bytes) -> bytes:
    """A compressed chunk, inflated only as far as a credential can reach (uploads come from anyone).

    A few kilobytes of deflate can inflate to gigabytes; a credential is a few kilobytes.
    """
    inflater = zlib.decompressobj()
    text = inflater.decompress(data, CREDENTIAL_MAX_BYTES)
    if inflater.unconsumed_tail or not inflater.eof:
        raise NotBaked("a credential chunk larger than any credential")
    return text


def bake_svg(svg: bytes, credential: str) -> bytes:
    """The SVG with the openbadges namespace on its root and an <openbadges:credential> element first inside it."""
    text = svg.decode("utf-8")
    root = re.search(r"<svg\b[^>]*>", text)
    if root is None:
        raise NotBaked("not an SVG")
    opening = root.group(0)
    if "xmlns:openbadges" not in opening:
        opening = opening[:-1] + f' xmlns:openbadges="{OB_NAMESPACE}">'
    element = f"\n  <openbadges:credential><![CDATA[{credential}]]></openbadges:credential>"
    return (text[: root.start()] + opening + element + text[root.end() :]).encode("utf-8")


def extract_svg(svg: bytes) -> str:
    head = svg[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in svg.lower():
        raise NotBaked("an SVG with a document type declaration")
    try:
        root = ElementTree.fromstring(svg)
    except ElementTree.ParseError as error:
        raise NotBaked("not a well-formed SVG") from error
    if root.tag != "{http://www.w3.org/2000/svg}svg":
        raise NotBaked("not an SVG")
    element = root.find(f"{{{OB_NAMESPACE}}}credential")
    if element is None or not (element.text or "").strip():
        raise NotBaked("no openbadges:credential element")
    return element.text.strip()
