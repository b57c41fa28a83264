"""
Small PDFs written by hand for tests and benches: real documents of text pages, and hostile ones
(deeply nested objects, a page tree declaring a huge page count, a page kilometres high).
"""

__all__ = ["costly_page_pdf", "deeply_nested_pdf", "huge_page_count_pdf", "huge_page_pdf", "text_pdf"]


def _document(objects):
    """A PDF of ``objects`` (bodies of objects 1..n, object 1 the catalog), with a correct xref table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def text_pdf(pages, width=595, height=842, label="Page"):
    """A PDF of ``pages`` A4 pages, each saying "<label> N" in large Helvetica, with a box drawn round it."""
    # Objects: 1 catalog, 2 pages, 3 font, then a page and its content stream per page.
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i in range(pages):
        stream = (
            f"0.2 0.4 0.8 RG 4 w 40 40 {width - 80} {height - 80} re S "
            f"BT /F1 48 Tf 0 0 0 rg 80 {height - 160} Td ({label} {i + 1}) Tj ET "
            f"BT /F1 14 Tf 80 {height - 200} Td (Rendered by PDFium in the preview's sandbox.) Tj ET"
        ).encode()
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} {height}] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>".encode()
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream")
    return _document(objects)


def deeply_nested_pdf(depth=200_000):
    """A one-page PDF whose page carries an array nested ``depth`` deep."""
    nested = b"[" * depth + b"]" * depth
    return _document(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Junk " + nested + b" >>",
        ]
    )


def huge_page_count_pdf(count=2_000_000_000):
    """A PDF whose page tree declares ``count`` pages and holds one."""
    return _document(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            f"<< /Type /Pages /Kids [3 0 R] /Count {count} >>".encode(),
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        ]
    )


def huge_page_pdf():
    """A one-page PDF whose page is 14,400 points wide and a billion high."""
    return _document(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 14400 1000000000] >>",
        ]
    )


def costly_page_pdf(operations=3_000_000):
    """
    A one-page PDF of ~100 KB whose content stream inflates to ``operations`` strokes (tens of MB):
    drawing it takes PDFium seconds and the memory of the inflated stream.
    """
    import zlib

    stream = zlib.compress(b"0 0 m 200 200 l S\n" * operations, 9)
    return _document(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
            f"<< /Length {len(stream)} /Filter /FlateDecode >>\nstream\n".encode() + stream + b"\nendstream",
        ]
    )
