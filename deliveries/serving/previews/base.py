"""The Preview a page shows, bounded reads through the store, and the hex dump every kind falls back to."""

from dataclasses import dataclass, field

from .budgets import HEX_PAGE

__all__ = ["HEX_WIDTH", "Preview", "clamp_hex_offset", "hex_preview", "hex_rows", "read"]

HEX_WIDTH = 16


@dataclass
class Preview:
    """
    What the preview template shows. ``kind`` is empty, text, csv, image, archive, pdf, notebook
    or hex. ``notes`` say, for a person, where and why the preview was cut short; ``reason`` why a
    file is shown as hex rather than previewed.
    """

    kind: str
    notes: list = field(default_factory=list)
    reason: str = ""
    html: str = ""  # highlighted text, already escaped (safe to mark safe)
    truncated: bool = False
    shown_bytes: int = 0
    encoding_note: str = ""
    # archive: members (name, size, compressed, date) and how many the archive has (None: not known)
    members: list = field(default_factory=list)
    member_count: int | None = 0
    # csv: rows of cells (the first is the header)
    rows: list = field(default_factory=list)
    # pdf: page numbers (from 1) shown, of page_count; first page of the previous and next views
    page_count: int = 0
    pages: list = field(default_factory=list)
    previous_page: int | None = None
    next_page: int | None = None
    # notebook: cells (dicts from workers.notebook_cells) of cell_count
    cells: list = field(default_factory=list)
    cell_count: int = 0
    # hex
    hex_offset: int = 0
    hex_rows: list = field(default_factory=list)  # (offset, hex, ascii)
    previous_offset: int | None = None
    next_offset: int | None = None


def read(filemeta, store, start, length):
    """At most ``length`` bytes of ``filemeta`` from ``start``, through the store's ranged reads."""
    return b"".join(store.iter_chunks(filemeta, start=start, length=length))


def hex_rows(data, base_offset=0):
    """Rows of ``(offset, hex, ascii)`` for ``data``, 16 bytes a row; non-printables are dots."""
    rows = []
    for i in range(0, len(data), HEX_WIDTH):
        chunk = data[i : i + HEX_WIDTH]
        hexes = " ".join(f"{b:02x}" for b in chunk)
        text = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in chunk)
        rows.append((f"{base_offset + i:08x}", hexes, text))
    return rows


def clamp_hex_offset(offset, size):
    """A valid hex page start for a file of ``size``: a multiple of HEX_PAGE within the file."""
    try:
        offset = int(offset)
    except (TypeError, ValueError, OverflowError):
        return 0
    if offset < 0 or size == 0:
        return 0
    last_page = (size - 1) // HEX_PAGE * HEX_PAGE
    return min(offset // HEX_PAGE * HEX_PAGE, last_page)


def hex_preview(filemeta, store, offset=0, reason=""):
    """The Preview of one hex page of ``filemeta`` at ``offset`` (clamped); ``reason``: why hex."""
    offset = clamp_hex_offset(offset, filemeta.size)
    data = read(filemeta, store, offset, HEX_PAGE)
    return Preview(
        "hex",
        reason=reason,
        hex_rows=hex_rows(data, offset),
        hex_offset=offset,
        shown_bytes=len(data),
        truncated=filemeta.size > HEX_PAGE,
        previous_offset=offset - HEX_PAGE if offset > 0 else None,
        next_offset=offset + HEX_PAGE if offset + HEX_PAGE < filemeta.size else None,
    )
