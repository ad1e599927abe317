"""The certificate PDF for a screen reader: a title shown as such, the document's language, a text layer in reading order."""

import io
import shutil
import subprocess
import zipfile

import pytest
from PIL import Image
from pypdf import PdfReader

from certification.certificates import documents, pack
from tests.certification.test_certificate_files import TEXT

PL_TEXT = documents.CertificateText(**{**TEXT.__dict__, "language": "pl"})


@pytest.fixture(scope="module")
def pdf():
    return documents.certificate_pdf(PL_TEXT)


def test_the_pdf_has_a_title_shown_instead_of_the_file_name_and_its_language(pdf):
    reader = PdfReader(io.BytesIO(pdf))
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "pl"
    assert str(catalog["/ViewerPreferences"]["/DisplayDocTitle"]).lower() == "true"
    assert TEXT.serial in reader.metadata.title and TEXT.firm_name in reader.metadata.title


def test_poppler_reads_the_text_layer_in_order_with_every_letter(pdf, tmp_path):
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext (Debian's poppler-utils) is not installed; .ci/run installs it")
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf)
    text = subprocess.run([pdftotext, "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Łódź Spółdzielnia Mleczarska" in text and "Ștefănești" in text
    # Below the medal (which names the category and serial too): firm, category, serial, the order a reader hears.
    order = [text.index(TEXT.firm_name.split(" &")[0]), text.rindex("Bankowość"), text.rindex(TEXT.serial)]
    assert order == sorted(order)


@pytest.mark.parametrize("size", documents.PNG_SIZES)
def test_the_png_logos_carry_the_serial_like_the_svg(size):
    image = Image.open(io.BytesIO(documents.logo_png(TEXT, size)))
    image.load()
    assert image.text["Serial"] == TEXT.serial
    assert TEXT.serial in image.text["Title"]


def test_the_zip_entries_unpack_readable_by_everyone(tmp_path):
    data = pack.logo_pack_zip(TEXT, pdf=b"%PDF-", svg=b"<svg/>", pngs={s: b"png" for s in documents.PNG_SIZES})
    archive = zipfile.ZipFile(io.BytesIO(data))
    archive.extractall(tmp_path)
    for entry in archive.infolist():
        assert (entry.external_attr >> 16) & 0o777 == 0o644


def test_the_pdf_is_tagged_with_a_heading_paragraphs_and_figures_with_alternative_text(pdf):
    reader = PdfReader(io.BytesIO(pdf))
    catalog = reader.trailer["/Root"]
    assert catalog["/MarkInfo"]["/Marked"] is True or str(catalog["/MarkInfo"]["/Marked"]).lower() == "true"
    document = catalog["/StructTreeRoot"]["/K"].get_object()
    assert document["/S"] == "/Document"
    elements = [kid.get_object() for kid in document["/K"]]
    roles = [e["/S"] for e in elements]
    assert roles[:2] == ["/Figure", "/H1"] and roles.count("/Figure") == 2 and "/P" in roles
    figures = [e for e in elements if e["/S"] == "/Figure"]
    assert all(str(e["/Alt"]).strip() for e in figures)
    assert TEXT.serial in str(figures[0]["/Alt"])
    assert reader.pages[0]["/StructParents"] == 0
    # Every mark in the page's content has its element (MCIDs 0..n-1).
    content = reader.pages[0].get_contents().get_data().decode("latin-1")
    assert content.count("BDC") == len(elements) and "/Artifact BMC" in content
