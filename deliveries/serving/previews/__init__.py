"""
Show a FileMeta's bytes the way a person wants to see them, safely, within a budget.

- text and source code, Markdown: the first ``TEXT_LIMIT`` bytes, escaped and highlighted
  (``text``); CSV: a table of its first rows;
- raster images (PNG, JPEG, GIF, WebP): a PNG thumbnail re-encoded by Pillow (``images``);
- zip archives: the list of their first members, from the central directory (``archives``);
- PDF: the first pages drawn as images by PDFium (``pdf``);
- Jupyter notebooks: the cells, code highlighted, outputs as text and images (``notebooks``);
- anything else, and whatever cannot be previewed (the page says why): a hex dump in pages of
  ``HEX_PAGE`` bytes.

Every kind has a budget in time and memory that no upload can exceed (``budgets``): the work
whose cost the bytes decide (highlighting, decoding images, drawing PDFs, reading notebooks)
runs in a worker process killed at PREVIEW_TIME_LIMIT and capped at PREVIEW_MEMORY_LIMIT
(``serving.sandbox``); reads are bounded ranged reads. The page says when a preview was cut
short and why (``Preview.notes``). Which types are which is ``deliveries.content_types``' table.
HTML, SVG, XML and other active content are shown as highlighted source text, never rendered.
"""

from django.utils.safestring import mark_safe

from ...content_types import OCTET_STREAM, RASTER_FORMATS, document_kind, is_text, normalize
from ..workers import FORMATTER
from .archives import NotAZip, archive_preview
from .base import Preview, clamp_hex_offset, hex_preview, hex_rows, read
from .budgets import ARCHIVE_MEMBERS, HEX_PAGE, MAX_IMAGE_PIXELS, TEXT_LIMIT
from .images import ImagePreviewError, image_preview, image_thumbnail
from .notebooks import notebook_image, notebook_preview
from .pdf import pdf_page_image, pdf_preview
from .text import csv_preview, looks_like_text, text_preview

__all__ = [
    "ARCHIVE_MEMBERS",
    "HEX_PAGE",
    "MAX_IMAGE_PIXELS",
    "TEXT_KINDS",
    "TEXT_LIMIT",
    "ImagePreviewError",
    "Preview",
    "build_preview",
    "clamp_hex_offset",
    "has_pages",
    "hex_rows",
    "highlight_css",
    "image_thumbnail",
    "page_image",
    "preview_kind",
]


# The kinds whose bytes are text (shown as a table or as cells, but text): a diff compares them.
TEXT_KINDS = frozenset({"text", "csv", "notebook"})


def preview_kind(filemeta, head=b""):
    """
    How to show ``filemeta``: "empty", "image", "pdf", "notebook", "csv", "text", "archive" or
    "hex". ``head`` (its first bytes) settles files whose recorded type says nothing.
    """
    if filemeta.size == 0:
        return "empty"
    content_type = normalize(filemeta.content_type)
    if content_type in RASTER_FORMATS:
        return "image"
    document = document_kind(content_type, filemeta.filename)
    if document == "pdf" or head.startswith(b"%PDF-"):
        return "pdf"
    if document in ("notebook", "csv"):
        return document
    if is_text(content_type):
        return "text"
    if content_type == OCTET_STREAM and head and looks_like_text(head):
        return "text"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):  # zip, and the formats built on it
        return "archive"
    return "hex"


def build_preview(filemeta, store=None, mode=None, offset=0, page=1):
    """
    Build the Preview of ``filemeta``. ``mode="hex"`` forces the hex dump (at ``offset``);
    ``page`` is a PDF's first page to show. Raises DeliveryStoreFileNotFound when the bytes are gone.
    """
    from ...models import FileMeta

    store = store or FileMeta.deliverystore
    if filemeta.size == 0:
        return Preview("empty")
    if mode == "hex":
        return hex_preview(filemeta, store, offset)
    head = read(filemeta, store, 0, TEXT_LIMIT)
    kind = preview_kind(filemeta, head)
    if kind == "text":
        return text_preview(filemeta, head)
    if kind == "csv":
        return csv_preview(filemeta, head)
    if kind == "image":
        return image_preview(filemeta, head)
    if kind == "pdf":
        return pdf_preview(filemeta, store, page)
    if kind == "notebook":
        return notebook_preview(filemeta, store)
    if kind == "archive":
        try:
            return archive_preview(filemeta, store)
        except NotAZip as e:
            return hex_preview(filemeta, store, reason=f"{e} Shown as hex.")
    return hex_preview(filemeta, store, reason=_why_hex(filemeta))


def _why_hex(filemeta):
    content_type = normalize(filemeta.content_type) or OCTET_STREAM
    if content_type == OCTET_STREAM:
        return "No preview: the file's type is unknown and its bytes are not text."
    return f"No preview for this type ({content_type})."


def has_pages(filemeta):
    """Does ``filemeta`` have page images (a PDF's pages, a notebook's images) for ``page_image``?"""
    return document_kind(filemeta.content_type, filemeta.filename) in ("pdf", "notebook")


def page_image(filemeta, number, store=None):
    """
    PNG bytes of page ``number`` (from 1) of a PDF, or of image ``number`` of a notebook's
    outputs. Raises ImagePreviewError with the reason, DeliveryStoreFileNotFound when gone.
    """
    from ...models import FileMeta

    store = store or FileMeta.deliverystore
    kind = document_kind(filemeta.content_type, filemeta.filename)
    if kind == "pdf":
        return pdf_page_image(filemeta, store, number)
    if kind == "notebook":
        return notebook_image(filemeta, store, number)
    raise ImagePreviewError("Only PDFs and notebooks have page images.")


def highlight_css():
    """The stylesheet for highlighted previews and diffs, scoped to ``.highlight``."""
    return mark_safe(FORMATTER.get_style_defs(".highlight"))
