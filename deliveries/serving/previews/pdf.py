"""
PDF: the first pages drawn as PNG images by PDFium (pypdfium2) in a bounded worker, so a hostile
or huge PDF costs at most the preview's time and memory, never the web worker. A page shows
PDF_PAGES_SHOWN pages with links to the previous and next ones; each page image is its own
request (``page_image``). The PDF itself is never sent to the browser to render.
"""

from django.conf import settings

from .. import sandbox, workers
from .base import Preview, hex_preview, read
from .budgets import PDF_PAGE_PIXELS, PDF_PAGE_WIDTH, limits, too_big
from .images import thumbnail_of

__all__ = ["pdf_page_image", "pdf_preview"]


def _too_big(filemeta):
    return too_big(filemeta, settings.PREVIEW_PDF_MAX_BYTES, "PDF")


def _first_page(page, page_count):
    """The first page (from 1) to show for the request's ``page``: clamped to the document."""
    try:
        page = int(page)
    except (TypeError, ValueError, OverflowError):
        return 1
    return min(max(page, 1), max(page_count, 1))


def pdf_preview(filemeta, store, page=1):
    """The Preview of a PDF: its page count and which pages to draw; hex (with why) when it cannot be read."""
    reason = _too_big(filemeta)
    if reason:
        return hex_preview(filemeta, store, reason=reason)
    try:
        result = sandbox.run(workers.pdf_page_count, read(filemeta, store, 0, filemeta.size), limits=limits())
    except sandbox.SandboxError as e:
        return hex_preview(filemeta, store, reason=f"The PDF is not previewed: opening it {e}.")
    if isinstance(result, workers.Refused):
        return hex_preview(filemeta, store, reason=result.reason)
    count = result
    if count == 0:
        return hex_preview(filemeta, store, reason="The PDF has no pages.")
    shown = settings.PREVIEW_PDF_PAGES
    first = _first_page(page, count)
    pages = list(range(first, min(first + shown, count + 1)))
    return Preview(
        "pdf",
        page_count=count,
        pages=pages,
        previous_page=max(first - shown, 1) if first > 1 else None,
        next_page=pages[-1] + 1 if pages[-1] < count else None,
        truncated=len(pages) < count,
    )


def pdf_page_image(filemeta, store, number):
    """PNG bytes of page ``number`` (from 1) of a PDF. Raises ImagePreviewError with the reason."""
    from .images import ImagePreviewError

    reason = _too_big(filemeta)
    if reason:
        raise ImagePreviewError(reason)
    data = read(filemeta, store, 0, filemeta.size)
    return thumbnail_of(workers.pdf_page, data, number - 1, PDF_PAGE_WIDTH, PDF_PAGE_PIXELS)
