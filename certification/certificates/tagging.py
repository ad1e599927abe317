"""A tagged PDF for the certificate: screen readers read its parts in order, with their roles.

reportlab writes no structure, so `Tags` marks each drawn part of the page as
marked content (`/H1 <</MCID n>> BDC ... EMC`; decoration as `/Artifact`),
and `add_structure` then adds the structure tree over those marks with
pyHanko's writer (Document > H1, P, Figure with its alternative text), the
parent tree, `/MarkInfo` and the page's `/StructParents` and `/Tabs`, as
PDF/UA and WCAG's PDF techniques describe. The signature is added after it.
"""

import io
from collections.abc import Iterator
from contextlib import contextmanager

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from reportlab.pdfgen import canvas


class Tags:
    """The marked parts of one page, in reading order: (role, alternative text)."""

    def __init__(self, pdf: canvas.Canvas):
        self.pdf = pdf
        self.elements: list[tuple[str, str]] = []

    @contextmanager
    def mark(self, role: str, alt: str = "") -> Iterator[None]:
        mcid = len(self.elements)
        self.elements.append((role, alt))
        self.pdf._code.append(f"/{role} <</MCID {mcid}>> BDC")
        yield
        self.pdf._code.append("EMC")

    @contextmanager
    def artifact(self) -> Iterator[None]:
        self.pdf._code.append("/Artifact BMC")
        yield
        self.pdf._code.append("EMC")


def add_structure(pdf: bytes, elements: list[tuple[str, str]], *, language: str) -> bytes:
    """The one-page PDF with a structure tree over its marked content."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    root = writer.root
    page_ref = root["/Pages"]["/Kids"].raw_get(0)
    tree = generic.DictionaryObject({generic.NameObject("/Type"): generic.NameObject("/StructTreeRoot")})
    tree_ref = writer.add_object(tree)
    document = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/StructElem"),
            generic.NameObject("/S"): generic.NameObject("/Document"),
            generic.NameObject("/P"): tree_ref,
            generic.NameObject("/Lang"): generic.TextStringObject(language),
        }
    )
    document_ref = writer.add_object(document)
    kids = generic.ArrayObject()
    for mcid, (role, alt) in enumerate(elements):
        element = generic.DictionaryObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/StructElem"),
                generic.NameObject("/S"): generic.NameObject(f"/{role}"),
                generic.NameObject("/P"): document_ref,
                generic.NameObject("/Pg"): page_ref,
                generic.NameObject("/K"): generic.NumberObject(mcid),
            }
        )
        if alt:
            element[generic.NameObject("/Alt")] = generic.TextStringObject(alt)
        kids.append(writer.add_object(element))
    document[generic.NameObject("/K")] = kids
    parent_tree = generic.DictionaryObject(
        {generic.NameObject("/Nums"): generic.ArrayObject([generic.NumberObject(0), generic.ArrayObject(kids)])}
    )
    tree[generic.NameObject("/K")] = document_ref
    tree[generic.NameObject("/ParentTree")] = writer.add_object(parent_tree)
    tree[generic.NameObject("/ParentTreeNextKey")] = generic.NumberObject(1)
    root[generic.NameObject("/StructTreeRoot")] = tree_ref
    root[generic.NameObject("/MarkInfo")] = generic.DictionaryObject(
        {generic.NameObject("/Marked"): generic.BooleanObject(True)}
    )
    writer.update_root()
    page = page_ref.get_object()
    page[generic.NameObject("/StructParents")] = generic.NumberObject(0)
    page[generic.NameObject("/Tabs")] = generic.NameObject("/S")
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
