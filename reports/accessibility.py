"""What WeasyPrint 70 leaves out of an accessible archival PDF, added before it is written.

WeasyPrint writes one PDF variant at a time: ``pdf/a-3a`` (archival, tagged, with
embedded files) or ``pdf/ua-1`` (accessible), not both. Both are PDF 1.7 and their
requirements do not conflict, so the report is written as PDF/A-3a and this finisher
(``write_pdf(finisher=...)``, called with the pydyf document before serialisation) adds:

- the PDF/UA-1 identification in the XMP metadata (``pdfuaid:part`` = 1), with the PDF/A
  extension schema that declares the ``pdfuaid`` namespace (PDF/A-3 accepts only
  declared properties in the XMP);
- a ``/Scope`` on every table header (``/TH``): ``/Column`` for the headers of a
  ``<thead>`` and for a heading row spanning the table, ``/Row`` for the row headers
  (``<th scope="row">``). WeasyPrint links data cells to headers with ``/Headers``
  already; the scope makes the association explicit for every reader.

Nothing here reads the clock or anything random: the same document gives the same bytes.
"""

from __future__ import annotations

from typing import Any

import pydyf

PDFUA_XMP = (
    b'<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">'
    b"<pdfuaid:part>1</pdfuaid:part></rdf:Description>"
    b'<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"'
    b' xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"'
    b' xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">'
    b'<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">'
    b"<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>"
    b"<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>"
    b"<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>"
    b'<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">'
    b"<pdfaProperty:name>part</pdfaProperty:name>"
    b"<pdfaProperty:valueType>Integer</pdfaProperty:valueType>"
    b"<pdfaProperty:category>internal</pdfaProperty:category>"
    b"<pdfaProperty:description>Indicates, which part of ISO 14289 standard is followed"
    b"</pdfaProperty:description>"
    b"</rdf:li></rdf:Seq></pdfaSchema:property>"
    b"</rdf:li></rdf:Bag></pdfaExtension:schemas></rdf:Description>"
)


def _object(pdf: pydyf.PDF, reference: Any) -> Any:
    """The object a ``"12 0 R"`` reference points at (pydyf keeps them by number)."""
    text = reference.decode() if isinstance(reference, bytes) else str(reference)
    return pdf.objects[int(text.split()[0])]


def _claim_pdfua(pdf: pydyf.PDF) -> None:
    metadata = _object(pdf, pdf.catalog["Metadata"])
    content = b"".join(
        part if isinstance(part, bytes) else str(part).encode() for part in metadata.stream
    )
    if b"pdfuaid:part" in content:
        return
    closing = b"</rdf:RDF>"
    if closing not in content:
        raise ValueError("the PDF's XMP metadata has no rdf:RDF element to extend")
    metadata.stream = [content.replace(closing, PDFUA_XMP + closing, 1)]


def _scope_headers(pdf: pydyf.PDF) -> None:
    for element in pdf.objects:
        if not isinstance(element, dict) or element.get("S") != "/TH":
            continue
        row = _object(pdf, element["P"]) if "P" in element else None
        group = _object(pdf, row["P"]) if row is not None and "P" in row else None
        attributes = element.setdefault("A", pydyf.Dictionary({"O": "/Table"}))
        in_head = group is not None and group.get("S") == "/THead"
        spans = "ColSpan" in attributes
        attributes["Scope"] = "/Column" if in_head or spans else "/Row"


def finish(document: Any, pdf: pydyf.PDF) -> None:
    """WeasyPrint finisher: PDF/UA identification and header scopes (see module doc)."""
    _claim_pdfua(pdf)
    _scope_headers(pdf)
