"""The public verification upload takes files from anyone: a few kilobytes must not cost gigabytes or minutes.

Found by sending them through the production proxy: a 200 KB PNG whose credential chunk
inflates to 200 MB took a worker from 200 to 600 MB and 6 s (the upload limit, 5 MB, would
be 10 GB); a 51 KB PDF whose cross-reference stream inflates to 50 MB held a worker for
8 minutes at 2.8 GB and then answered 500. Both are now refused before anything is inflated
or parsed beyond what a certificate of ours can contain.
"""

import struct
import time
import tracemalloc
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from certification.certificates import baking

pytestmark = pytest.mark.django_db

MB = 1 << 20


def deflated_zeros(megabytes: int) -> bytes:
    packer = zlib.compressobj(9)
    return b"".join(packer.compress(b"\0" * MB) for _ in range(megabytes)) + packer.flush()


def png_with_inflating_credential(megabytes: int) -> bytes:
    body = baking.PNG_KEYWORD.encode() + b"\x00" + b"\x01\x00" + b"\x00" + b"\x00" + deflated_zeros(megabytes)
    header = baking._chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    return baking.PNG_SIGNATURE + header + baking._chunk(b"iTXt", body) + baking._chunk(b"IEND", b"")


def pdf_with_inflating_cross_reference_stream(megabytes: int) -> bytes:
    """A PDF 1.5 cross-reference stream of zero entries: every reader must inflate it to find the objects."""
    bomb = deflated_zeros(megabytes)
    out = b"%PDF-1.7\n"
    out += b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    out += b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    xref_at = len(out)
    out += (
        b"3 0 obj\n<< /Type /XRef /Size %d /W [1 2 1] /Root 1 0 R /Filter /FlateDecode /Length %d >>\nstream\n"
        % (megabytes * MB // 4, len(bomb))
        + bomb
        + b"\nendstream\nendobj\n"
    )
    return out + b"startxref\n%d\n%%%%EOF\n" % xref_at


def upload_measured(client, data: bytes):
    """The verification page's answer to an upload, its peak of Python memory and its seconds."""
    tracemalloc.start()
    started = time.monotonic()
    try:
        response = client.post("/en/verify/", {"file": SimpleUploadedFile("file", data)})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return response, peak, time.monotonic() - started


def test_a_png_credential_chunk_that_inflates_without_bound_is_refused_unread():
    with pytest.raises(baking.NotBaked):
        tracemalloc.start()
        try:
            baking.extract_png(png_with_inflating_credential(64))
        finally:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    assert peak < 8 * MB, f"{peak / MB:.0f} MB to read a 64 KB upload"


def test_a_png_bomb_upload_gets_the_plain_not_ours_answer(client):
    response, peak, _seconds = upload_measured(client, png_with_inflating_credential(64))
    assert response.status_code == 404
    assert "carries no credential of ours" in response.content.decode()
    assert peak < 16 * MB, f"{peak / MB:.0f} MB"


def test_a_pdf_bomb_upload_is_answered_at_once_without_parsing_it(client):
    data = pdf_with_inflating_cross_reference_stream(4)
    assert len(data) < 10_000
    response, peak, seconds = upload_measured(client, data)
    assert response.status_code in (400, 404), response.status_code
    assert peak < 16 * MB, f"{peak / MB:.0f} MB to answer a {len(data)} byte upload"
    assert seconds < 5, f"{seconds:.1f} s"


def test_a_pdf_bomb_claiming_a_signature_over_the_whole_file_is_not_parsed_either(client):
    """A /ByteRange of the whole file and a hole of junk: the signature is checked (and fails) before any parsing."""
    body = pdf_with_inflating_cross_reference_stream(4)
    hole = b"<" + b"30" * 64 + b">"
    suffix = b" >>\nendobj\n%%EOF\n"

    def signature_object(start: int, end: int) -> bytes:
        # Fixed-width numbers, so filling them in moves no offset.
        return b"4 0 obj\n<< /Type /Sig /ByteRange [0 %010d %010d %010d] /Contents " % (start, end, len(suffix))

    start = len(body) + len(signature_object(0, 0))
    data = body + signature_object(start, start + len(hole)) + hole + suffix
    response, peak, seconds = upload_measured(client, data)
    assert response.status_code == 404 and "cannot be checked" in response.content.decode()
    assert peak < 16 * MB and seconds < 5
