"""
The budgets of every preview, from settings (``PREVIEW_*``, documented in docs/configuration.md
and stated in docs/guarantees.md), and the fixed sizes of what one page shows.
"""

from django.conf import settings

from ..sandbox import Limits
from ..workers import ImageBudget

__all__ = [
    "ARCHIVE_DIRECTORY_READ",
    "ARCHIVE_MEMBERS",
    "CSV_COLUMNS",
    "CSV_ROWS",
    "HEX_PAGE",
    "MAX_IMAGE_PIXELS",
    "NOTEBOOK_CELLS",
    "NOTEBOOK_OUTPUT_CHARS",
    "PDF_PAGE_PIXELS",
    "PDF_PAGE_WIDTH",
    "TEXT_LIMIT",
    "THUMBNAIL_SIZE",
    "image_budget",
    "limits",
    "mib",
    "too_big",
]

TEXT_LIMIT = 64 * 1024
HEX_PAGE = 4096
# Pillow warns at ~89 Mpx and refuses at twice that; a preview needs far fewer.
MAX_IMAGE_PIXELS = 24_000_000
THUMBNAIL_SIZE = (1024, 1024)
# Of a zip's central directory at most this much is read: its first members are listed from it.
ARCHIVE_DIRECTORY_READ = 1024 * 1024
ARCHIVE_MEMBERS = 1000
CSV_ROWS = 100
CSV_COLUMNS = 50
NOTEBOOK_CELLS = 200
NOTEBOOK_OUTPUT_CHARS = 20_000
PDF_PAGE_WIDTH = 1000
PDF_PAGE_PIXELS = 4_000_000


def limits(time=None):
    """The sandbox Limits of one preview: PREVIEW_TIME_LIMIT seconds (or ``time``), PREVIEW_MEMORY_LIMIT bytes."""
    return Limits(settings.PREVIEW_TIME_LIMIT if time is None else time, settings.PREVIEW_MEMORY_LIMIT)


def image_budget():
    """What one decoded image may cost (pixels, PREVIEW_IMAGE_MAX_BYTES of decoded pixels)."""
    return ImageBudget(MAX_IMAGE_PIXELS, settings.PREVIEW_IMAGE_MAX_BYTES, THUMBNAIL_SIZE)


def mib(size):
    """``size`` bytes in whole MiB, for messages."""
    return f"{size // (1024 * 1024):,} MiB"


def too_big(filemeta, limit, what):
    """Why ``filemeta`` is not previewed as ``what`` ("PDF") when over ``limit`` bytes, else ""."""
    if filemeta.size > limit:
        return f"The {what} is {mib(filemeta.size)}; {what} previews stop at {mib(limit)}."
    return ""
