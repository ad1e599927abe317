import io
import zipfile
from datetime import date
from xml.etree import ElementTree

import pytest
from PIL import Image
from pypdf import PdfReader

from certification.certificates import documents, pack

TEXT = documents.CertificateText(
    serial="CF-PL26-ABCD-EFGH-JKLM-NPQR",
    firm_name="Łódź Spółdzielnia Mleczarska & <Ștefănești> Țară Ăâî",
    registration_number="5261040828",
    category="Bankowość <b>i</b> ubezpieczenia",
    edition="Poland 2026/2027",
    edition_label="2026/2027",
    country="Poland",
    country_code="PL",
    valid_from=date(2026, 11, 23),
    valid_until=date(2027, 11, 22),
    issued_on=date(2026, 11, 23),
    verify_url="https://portal.example/verify/CF-PL26-ABCD-EFGH-JKLM-NPQR/",
    terms="Logo usage terms.",
)


@pytest.fixture(scope="module")
def files():
    return pack.all_files(TEXT)


def test_the_pdf_is_one_a4_page_with_the_firm_name_in_its_diacritics_and_the_serial(files):
    reader = PdfReader(io.BytesIO(files["pdf"]))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    text = reader.pages[0].extract_text()
    assert TEXT.firm_name in text
    assert "Bankowość" in text
    assert TEXT.serial in text
    assert "2027-11-22" in text
    assert TEXT.verify_url in text


@pytest.mark.parametrize("size", documents.PNG_SIZES)
def test_the_png_logos_have_their_size_and_a_transparent_background(files, size):
    image = Image.open(io.BytesIO(files[f"png_{size}"]))
    assert image.format == "PNG"
    assert image.size == (size, size)
    assert image.mode == "RGBA"
    assert image.getpixel((0, 0))[3] == 0  # corner: transparent
    assert image.getpixel((size // 2, size // 2))[3] == 255  # the mark: opaque


def test_the_svg_parses_and_carries_the_names_escaped(files):
    root = ElementTree.fromstring(files["svg"])
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = [el.text for el in root.iter("{http://www.w3.org/2000/svg}text")]
    assert TEXT.category in " ".join(texts)  # markup in the name is text, not elements (here on two lines)
    assert TEXT.edition_label in texts
    title = root.find("{http://www.w3.org/2000/svg}title").text
    assert TEXT.firm_name in title
    assert not list(root.iter("b")) and not list(root.iter("{http://www.w3.org/2000/svg}b"))
    assert b"&lt;b&gt;" in files["svg"]


def test_the_zip_holds_the_readme_the_svg_the_three_pngs_and_the_pdf(files):
    archive = zipfile.ZipFile(io.BytesIO(files["zip"]))
    folder = TEXT.serial
    assert sorted(archive.namelist()) == sorted(
        f"{folder}/{name}"
        for name in ("README.txt", "logo.svg", "logo-256.png", "logo-512.png", "logo-1024.png", "certificate.pdf")
    )
    assert archive.read(f"{folder}/certificate.pdf") == files["pdf"]
    assert archive.read(f"{folder}/logo.svg") == files["svg"]
    readme = archive.read(f"{folder}/README.txt").decode()
    assert TEXT.serial in readme and "Logo usage terms." in readme and TEXT.firm_name in readme


@pytest.mark.django_db
def test_the_files_use_the_names_in_the_editions_language(issued):
    from certification.certificates import files

    text = files.certificate_text(issued)
    assert text.category == "Bankowość"  # a Polish edition
    assert text.firm_name == "Łódź Spółdzielnia Mleczarska"
    pdf_text = PdfReader(issued.pdf.open("rb")).pages[0].extract_text()
    assert "Bankowość" in pdf_text and issued.serial in pdf_text and "Łódź Spółdzielnia Mleczarska" in pdf_text


@pytest.mark.parametrize("language", ["en", "pl", "ro"])
def test_every_line_of_the_medal_is_at_least_11_px_high_in_the_256_px_logo(language):
    from django.utils import translation

    from certification.certificates import medal

    with translation.override(language):
        design = documents.medal_design(TEXT)
    assert min(line.size for line in design.lines) * 256 / medal.SIZE >= 11


def test_a_category_too_long_for_the_medal_takes_two_lines_and_an_ellipsis_not_spilled():
    from dataclasses import replace

    from certification.certificates import medal

    long = replace(TEXT, category="Energia elektryczna, gaz ziemny i ciepło systemowe dla gospodarstw domowych " * 3)
    design = documents.medal_design(long)
    first, second = [line for line in design.lines if line.y in (402, 433)]
    assert long.category.startswith(f"{first.text} {second.text[:-1]}") and second.text.endswith("…")
    assert all(documents._measure(line.text, line.bold, line.size) <= 400 for line in (first, second))
    assert first.size * 256 / medal.SIZE >= 11
