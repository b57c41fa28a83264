"""
The work previews hand to a bounded worker process (``serving.sandbox``): plain functions of
bytes and plain data, returning plain data, importing no Django (the forkserver preloads this
module). Each is safe to run on hostile bytes only because the sandbox bounds its time and
memory; the checks here (pixels, decoded bytes, cells) make the common refusals say why.

An expected refusal is returned as ``Refused(reason)`` rather than raised, so its reason reaches
the page word for word.
"""

import base64
import binascii
import difflib
import io
import json
import re
import warnings
from dataclasses import dataclass

import pypdfium2
from PIL import Image, UnidentifiedImageError
from pygments import highlight as pygments_highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.util import ClassNotFound

__all__ = [
    "FORMATTER",
    "ImageBudget",
    "Refused",
    "diff",
    "highlight",
    "notebook_cells",
    "notebook_image",
    "pdf_page",
    "pdf_page_count",
    "thumbnail",
]

FORMATTER = HtmlFormatter(cssclass="highlight", linenos="table", wrapcode=True)
_CELL_FORMATTER = HtmlFormatter(cssclass="highlight", wrapcode=True)

# Pygments compiles a lexer's regular expressions when it is first used: done by warm() for the
# common languages.
_WARM_LEXERS = ("python", "java", "c", "cpp", "javascript", "html", "css", "json", "markdown", "yaml", "bash")
# One page of Helvetica text: drawing it loads PDFium's fonts.
_WARM_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 100 100]/Resources<</Font<</F1 4 0 R>>>>/Contents 5 0 R>>endobj "
    b"4 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj "
    b"5 0 obj<</Length 33>>stream\nBT /F1 12 Tf 10 50 Td (Aa) Tj ET\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF"
)


@dataclass(frozen=True)
class Refused:
    """The bytes cannot be previewed this way; ``reason`` says why, for a person."""

    reason: str


@dataclass(frozen=True)
class ImageBudget:
    """What one decoded image may cost: pixels, decoded bytes, and the thumbnail's box."""

    max_pixels: int
    max_decoded_bytes: int
    size: tuple = (1024, 1024)


def warm():
    """
    Do once, in the forkserver, what every child would otherwise do first: compile the common
    lexers' regular expressions and load PDFium's fonts (tens of ms a call otherwise).
    """
    for name in _WARM_LEXERS:
        highlight("x", type(get_lexer_by_name(name)))
    pdf_page(_WARM_PDF, 0, 100, 10_000)


# ---- text ---------------------------------------------------------------------------------------


def highlight(text, lexer_class, formatter=FORMATTER):
    """``text`` highlighted by ``lexer_class`` as escaped HTML."""
    return pygments_highlight(text, lexer_class(stripnl=False, ensurenl=False), formatter)


def plain(text, formatter=FORMATTER):
    """``text`` as escaped HTML without highlighting: linear in its length, safe in any process."""
    return pygments_highlight(text, TextLexer(stripnl=False, ensurenl=False), formatter)


# ---- images -------------------------------------------------------------------------------------


def _decoded_bytes(image):
    """What decoding ``image``'s first frame takes: pixels times the bytes of its stored samples."""
    width, height = image.size
    args = image.tile[0][3] if image.tile else None
    if isinstance(args, tuple) and args:
        args = args[0]
    rawmode = args if isinstance(args, str) else ""
    sample_bytes = 2 if "16" in rawmode or image.mode.startswith("I;16") else 1
    # Pillow keeps at least 4 bytes a pixel for anything but 1-band images while it converts.
    per_pixel = max(len(image.getbands()) * sample_bytes, 1 if len(image.getbands()) == 1 else 4)
    return width * height * per_pixel


def _over_budget(image, budget):
    """Refused when ``image`` (opened, not decoded) is over the budget's pixels or decoded bytes; else None."""
    width, height = image.size
    if width * height > budget.max_pixels:
        return Refused(f"The image is {width} x {height} pixels; previews stop at {budget.max_pixels:,} pixels.")
    decoded = _decoded_bytes(image)
    if decoded > budget.max_decoded_bytes:
        return Refused(
            f"Decoding the image would take {decoded // (1024 * 1024):,} MiB; previews stop at "
            f"{budget.max_decoded_bytes // (1024 * 1024):,} MiB of decoded pixels."
        )
    return None


def image_refusal(head, expected_format, budget):
    """
    From the first bytes of an image, its header only: Refused when it is over the budget, None
    when it is within it or the header is not in ``head`` (the thumbnail will tell).
    """
    try:
        return _over_budget(Image.open(io.BytesIO(head), formats=[expected_format]), budget)
    except Exception:  # noqa: BLE001 - any failure to read a header here means "not known yet"
        return None


def thumbnail(data, expected_format, budget):
    """PNG bytes of a thumbnail of image ``data`` in Pillow's ``expected_format``, or Refused."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=[expected_format])
            refused = _over_budget(image, budget)
            if refused:
                return refused
            image.draft("RGB", budget.size)  # JPEG: decode at a reduced scale
            image.thumbnail(budget.size)
            if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
                image = image.convert("RGBA")
            out = io.BytesIO()
            image.save(out, "PNG")
        except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
            return Refused(f"The bytes are not a previewable {expected_format} image: {e}")
        except (OSError, SyntaxError, ValueError, EOFError) as e:  # Pillow's ways of saying "broken image"
            return Refused(f"The {expected_format} image could not be decoded: {e}")
    return out.getvalue()


# ---- PDF ----------------------------------------------------------------------------------------


def _open_pdf(data):
    try:
        return pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as e:
        return Refused(f"The PDF could not be opened: {e}.")


def pdf_page_count(data):
    """The number of pages of PDF ``data``, or Refused."""
    pdf = _open_pdf(data)
    if isinstance(pdf, Refused):
        return pdf
    with pdf:
        return len(pdf)


def pdf_page(data, index, width, max_pixels):
    """PNG bytes of page ``index`` (from 0) of PDF ``data``, ``width`` pixels wide at most, or Refused."""
    pdf = _open_pdf(data)
    if isinstance(pdf, Refused):
        return pdf
    with pdf:
        if not 0 <= index < len(pdf):
            return Refused(f"The PDF has {len(pdf)} pages; there is no page {index + 1}.")
        page = pdf[index]
        points_wide, points_high = page.get_size()
        if points_wide <= 0 or points_high <= 0:
            return Refused(f"Page {index + 1} has no area to draw.")
        # At most ``width`` pixels wide and four widths high; a page declared kilometres high
        # must not become a bitmap of billions of pixels (nor a sliver of one pixel).
        scale = min(
            width / points_wide, 4 * width / points_high, 2.0, (max_pixels / (points_wide * points_high)) ** 0.5
        )
        if points_wide * scale < 16 or points_high * scale < 16:
            return Refused(
                f"Page {index + 1} is {points_wide:,.0f} x {points_high:,.0f} points: too far from the shape of a page to draw."
            )
        try:
            bitmap = page.render(scale=scale, may_draw_forms=False)
        except pypdfium2.PdfiumError as e:
            return Refused(f"Page {index + 1} could not be drawn: {e}.")
        out = io.BytesIO()
        bitmap.to_pil().save(out, "PNG")
        return out.getvalue()


# ---- notebooks ----------------------------------------------------------------------------------

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_NOTEBOOK_IMAGES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WEBP"}


def _text(value):
    """A notebook string: a string, or a list of strings to join; anything else counts as empty."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(part for part in value if isinstance(part, str))
    return ""


def _load_notebook(data):
    try:
        notebook = json.loads(data.decode("utf-8", errors="replace"))
    except (ValueError, RecursionError) as e:
        return Refused(f"The notebook is not valid JSON: {e}.")
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        return Refused("The file is not a Jupyter notebook (version 4): it has no list of cells.")
    return notebook


def _notebook_language(notebook):
    metadata = notebook.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    for key in ("language_info", "kernelspec"):
        info = metadata.get(key)
        if isinstance(info, dict):
            name = info.get("name") if key == "language_info" else info.get("language")
            if isinstance(name, str) and name:
                return name
    return "python"


def _outputs(cell):
    outputs = cell.get("outputs")
    return [output for output in outputs if isinstance(output, dict)] if isinstance(outputs, list) else []


def _output_image(output):
    """(Pillow format, base64 text) of an output's image, or None."""
    data = output.get("data")
    if not isinstance(data, dict):
        return None
    for mime, pillow_format in _NOTEBOOK_IMAGES.items():
        if mime in data:
            return pillow_format, _text(data[mime])
    return None


def notebook_cells(data, max_cells, max_output_chars, highlighted=True):
    """
    The cells of notebook ``data`` in order, at most ``max_cells``, as dicts: ``type`` (markdown,
    code, raw), ``source`` (text), ``html`` (highlighted code, escaped; "" for the others) and
    ``outputs``: ("text", str) or ("image", n), n counting the notebook's images from 0.
    Returns (cells, number of cells in the notebook), or Refused. HTML and JavaScript outputs
    are never taken: only their plain-text form, when the notebook has one.
    """
    notebook = _load_notebook(data)
    if isinstance(notebook, Refused):
        return notebook
    lexer_class = TextLexer
    if highlighted:
        try:
            lexer_class = type(get_lexer_by_name(_notebook_language(notebook)))
        except ClassNotFound:
            lexer_class = TextLexer
    cells, image_number = [], 0
    raw_cells = [cell for cell in notebook["cells"] if isinstance(cell, dict)]
    for cell in raw_cells[:max_cells]:
        kind = cell.get("cell_type") if cell.get("cell_type") in ("markdown", "code", "raw") else "raw"
        source = _text(cell.get("source"))
        html = highlight(source, lexer_class, _CELL_FORMATTER) if kind == "code" else ""
        outputs = []
        for output in _outputs(cell):
            image = _output_image(output)
            if image is not None:
                outputs.append(("image", image_number))
                image_number += 1
                continue
            text = _output_text(output)
            if text:
                cut = text[:max_output_chars]
                outputs.append(("text", cut + ("\n[output cut short]" if len(text) > max_output_chars else "")))
        cells.append({"type": kind, "source": source, "html": html, "outputs": outputs})
    # Images of the cells past the limit are not numbered: nothing shows them.
    return cells, len(raw_cells)


def _output_text(output):
    kind = output.get("output_type")
    if kind == "stream":
        return _text(output.get("text"))
    if kind == "error":
        traceback = output.get("traceback")
        lines = [line for line in traceback if isinstance(line, str)] if isinstance(traceback, list) else []
        text = "\n".join(lines) or f"{_text(output.get('ename'))}: {_text(output.get('evalue'))}"
        return _ANSI.sub("", text)
    data = output.get("data")
    if isinstance(data, dict):
        return _text(data.get("text/plain"))
    return ""


def notebook_image(data, number, budget, max_cells):
    """PNG bytes of image ``number`` of notebook ``data``, re-encoded like any image, or Refused."""
    notebook = _load_notebook(data)
    if isinstance(notebook, Refused):
        return notebook
    seen = 0
    raw_cells = [cell for cell in notebook["cells"] if isinstance(cell, dict)]
    for cell in raw_cells[:max_cells]:
        for output in _outputs(cell):
            image = _output_image(output)
            if image is None:
                continue
            if seen == number:
                pillow_format, encoded = image
                try:
                    raw = base64.b64decode(encoded, validate=False)
                except (binascii.Error, ValueError) as e:
                    return Refused(f"The notebook's image is not valid base64: {e}.")
                return thumbnail(raw, pillow_format, budget)
            seen += 1
    return Refused(f"The notebook has no image number {number + 1}.")


# ---- diffs --------------------------------------------------------------------------------------


def diff(old_lines, new_lines, labels, max_replace_pairs, context):
    """
    ("table", escaped side-by-side HTML) or ("unified", plain text) of two versions' lines. The
    table pairs up similar lines in each replaced block at a cost that grows with the cube of the
    block; past ``max_replace_pairs`` (lines before x lines after, summed over the blocks) the
    diff is unified instead.
    """
    opcodes = difflib.SequenceMatcher(None, old_lines, new_lines).get_opcodes()
    pairs = sum((i2 - i1) * (j2 - j1) for tag, i1, i2, j1, j2 in opcodes if tag == "replace")
    if pairs > max_replace_pairs:
        return "unified", "\n".join(difflib.unified_diff(old_lines, new_lines, *labels, lineterm="", n=context))
    # HtmlDiff escapes every line itself.
    table = difflib.HtmlDiff(tabsize=4, wrapcolumn=90).make_table(
        old_lines, new_lines, *labels, context=True, numlines=context
    )
    return "table", table
