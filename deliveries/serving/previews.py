"""
Show a FileMeta's bytes the way a person wants to see them, safely.

- text and source code: the first ``TEXT_LIMIT`` bytes, decoded as UTF-8 (bad bytes replaced),
  escaped and highlighted by Pygments, with a note when cut;
- raster images (PNG, JPEG, GIF, WebP): re-encoded by Pillow as a PNG thumbnail, refused above
  ``MAX_IMAGE_PIXELS`` (decompression bombs), so the browser never decodes the stored bytes;
- zip archives: the list of their members (at most ``ARCHIVE_MEMBERS``), from the archive's
  central directory, without unpacking anything;
- anything else: a hex dump in pages of ``HEX_PAGE`` bytes.

Which types are text and which images are decoded is ``deliveries.content_types``' table. HTML,
SVG, XML and other active content are shown as highlighted source text, never rendered.
Bytes are read through the store with bounded ranged reads.
"""

import codecs
import io
import struct
import warnings
import zipfile
from dataclasses import dataclass, field

from django.utils.safestring import mark_safe
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_for_filename, get_lexer_for_mimetype
from pygments.util import ClassNotFound

from ..content_types import OCTET_STREAM, RASTER_FORMATS, is_text, normalize
from ..models import FileMeta

__all__ = [
    "HEX_PAGE",
    "MAX_IMAGE_PIXELS",
    "TEXT_LIMIT",
    "ImagePreviewError",
    "Preview",
    "build_preview",
    "hex_rows",
    "highlight_css",
    "image_thumbnail",
    "preview_kind",
]

TEXT_LIMIT = 64 * 1024
HEX_PAGE = 4096
HEX_WIDTH = 16
# Pillow warns at ~89 Mpx and refuses at twice that; a preview needs far fewer.
MAX_IMAGE_PIXELS = 24_000_000
THUMBNAIL_SIZE = (1024, 1024)
# A zip's directory is parsed whole for its preview: bigger ones get the hex view instead.
ARCHIVE_MAX_ENTRIES = 100_000
ARCHIVE_MAX_DIRECTORY = 16 * 1024 * 1024
ARCHIVE_MEMBERS = 1000

_FORMATTER = HtmlFormatter(cssclass="highlight", linenos="table", wrapcode=True)


class ImagePreviewError(Exception):
    """The bytes cannot be previewed as an image (too many pixels, not an image, ...)."""


@dataclass
class Preview:
    """What the preview template shows. ``kind`` is text, image, hex or empty."""

    kind: str
    members: list = field(default_factory=list)  # archive members: (name, size, compressed, date)
    html: str = ""  # highlighted text, already escaped (safe to mark safe)
    truncated: bool = False
    shown_bytes: int = 0
    hex_offset: int = 0
    rows: list = field(default_factory=list)  # hex rows: (offset, hex, ascii)
    previous_offset: int | None = None
    next_offset: int | None = None
    encoding_note: str = ""


def preview_kind(filemeta, head=b""):
    """
    Decide how to show ``filemeta``: "empty", "image", "text", "archive" or "hex". ``head`` (its
    first bytes) settles files whose recorded type says nothing (application/octet-stream).
    """
    if filemeta.size == 0:
        return "empty"
    content_type = normalize(filemeta.content_type)
    if content_type in RASTER_FORMATS:
        return "image"
    if is_text(content_type):
        return "text"
    if content_type == OCTET_STREAM and head and _looks_like_text(head):
        return "text"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):  # zip, and the formats built on it
        return "archive"
    return "hex"


def _looks_like_text(head):
    if b"\x00" in head:
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _read(filemeta, store, start, length):
    return b"".join(store.iter_chunks(filemeta, start=start, length=length))


def _lexer_for(filemeta):
    for finder, arg in ((get_lexer_for_filename, filemeta.filename), (get_lexer_for_mimetype, filemeta.content_type)):
        try:
            return finder(arg, stripnl=False, ensurenl=False)
        except ClassNotFound:
            continue
    return TextLexer(stripnl=False, ensurenl=False)


def text_preview(filemeta, data):
    """The Preview of text ``data`` (at most TEXT_LIMIT bytes of ``filemeta``): escaped and highlighted."""
    truncated = filemeta.size > len(data)
    # An incremental decoder without final=True drops a multi-byte character cut at the limit
    # instead of showing a replacement character for it.
    text = codecs.getincrementaldecoder("utf-8")(errors="replace").decode(data, final=not truncated)
    note = "" if _is_clean_utf8(data, truncated) else "Not valid UTF-8: undecodable bytes are shown as \ufffd."
    html = highlight(text, _lexer_for(filemeta), _FORMATTER)
    return Preview("text", html=html, truncated=truncated, shown_bytes=len(data), encoding_note=note)


def _is_clean_utf8(data, truncated):
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=not truncated)
    except UnicodeDecodeError:
        return False
    return True


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
    except (TypeError, ValueError):
        return 0
    if offset < 0 or size == 0:
        return 0
    last_page = (size - 1) // HEX_PAGE * HEX_PAGE
    return min(offset // HEX_PAGE * HEX_PAGE, last_page)


def hex_preview(filemeta, store, offset=0):
    """The Preview of one hex page of ``filemeta`` starting at ``offset`` (clamped to the file)."""
    offset = clamp_hex_offset(offset, filemeta.size)
    data = _read(filemeta, store, offset, HEX_PAGE)
    return Preview(
        "hex",
        rows=hex_rows(data, offset),
        hex_offset=offset,
        shown_bytes=len(data),
        truncated=filemeta.size > HEX_PAGE,
        previous_offset=offset - HEX_PAGE if offset > 0 else None,
        next_offset=offset + HEX_PAGE if offset + HEX_PAGE < filemeta.size else None,
    )


def build_preview(filemeta, store=None, mode=None, offset=0):
    """
    Build the Preview of ``filemeta``. ``mode="hex"`` forces the hex dump (at ``offset``).
    Raises DeliveryStoreFileNotFound when the bytes are gone.
    """
    store = store or FileMeta.deliverystore
    if filemeta.size == 0:
        return Preview("empty")
    if mode == "hex":
        return hex_preview(filemeta, store, offset)
    head = _read(filemeta, store, 0, TEXT_LIMIT)
    kind = preview_kind(filemeta, head)
    if kind == "text":
        return text_preview(filemeta, head)
    if kind == "image":
        return Preview("image")
    if kind == "archive":
        try:
            return archive_preview(filemeta, store)
        except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError):
            pass  # not a readable zip after all: its bytes will tell more
    return hex_preview(filemeta, store, 0)


def archive_preview(filemeta, store):
    """The Preview of a zip archive: its first ARCHIVE_MEMBERS members, read from its directory."""
    with store.read_open(filemeta) as reader:
        _check_zip_directory(reader)
        with zipfile.ZipFile(reader) as archive:
            infos = archive.infolist()
    members = [
        (
            info.filename,
            info.file_size,
            info.compress_size,
            "{:04d}-{:02d}-{:02d} {:02d}:{:02d}".format(*info.date_time[:5]),
        )
        for info in infos[:ARCHIVE_MEMBERS]
    ]
    return Preview("archive", members=members, truncated=len(infos) > ARCHIVE_MEMBERS, shown_bytes=len(infos))


def _check_zip_directory(reader):
    """
    Refuse (ValueError) a zip whose central directory is too big to parse for a preview: zipfile
    reads all of it, and a small upload can declare millions of tiny members.
    """
    end = reader.seek(0, io.SEEK_END)
    tail_size = min(end, 22 + 65535)  # the end record, after a comment of at most 64 KiB
    reader.seek(end - tail_size)
    tail = reader.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise ValueError("no zip end record")
    _sig, _disk, _cd_disk, _here, entries, directory_size, _offset, _comment = struct.unpack(
        "<4s4H2LH", tail[at : at + 22]
    )
    # 0xFFFF and 0xFFFFFFFF mean "see the zip64 record": archives that large are not listed either.
    if entries > ARCHIVE_MAX_ENTRIES or directory_size > ARCHIVE_MAX_DIRECTORY:
        raise ValueError(f"the archive declares {entries} members in a {directory_size}-byte directory")
    reader.seek(0)


def image_thumbnail(filemeta, store=None):
    """
    Return PNG bytes of a thumbnail of ``filemeta``'s raster image, decoded by Pillow under a
    pixel cap. Raises ImagePreviewError for anything else, DeliveryStoreFileNotFound when gone.
    """
    from PIL import Image, UnidentifiedImageError

    store = store or FileMeta.deliverystore
    expected = RASTER_FORMATS.get(normalize(filemeta.content_type))
    if expected is None:
        raise ImagePreviewError("Only PNG, JPEG, GIF and WebP images are previewed.")
    with store.read_open(filemeta) as reader, warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(reader, formats=[expected])
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ImagePreviewError(
                    f"The image is {width} x {height} pixels; previews stop at {MAX_IMAGE_PIXELS:,} pixels."
                )
            image.draft("RGB", THUMBNAIL_SIZE)  # JPEG: decode at a reduced scale
            image.thumbnail(THUMBNAIL_SIZE)
            if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
                image = image.convert("RGBA")
            out = io.BytesIO()
            image.save(out, "PNG")
        except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
            raise ImagePreviewError(f"The bytes are not a previewable {expected} image: {e}") from e
        except (OSError, SyntaxError, ValueError) as e:  # Pillow's ways of saying "broken image"
            raise ImagePreviewError(f"The {expected} image could not be decoded: {e}") from e
    return out.getvalue()


def highlight_css():
    """The stylesheet for highlighted previews and diffs, scoped to ``.highlight``."""
    return mark_safe(_FORMATTER.get_style_defs(".highlight"))
