"""
Content types: the one table of what a type is, and telling a file's type from its first bytes.

* ``normalize(content_type)``: the bare media type, lower-cased (``text/x-python``), the form
  every comparison uses.
* ``family(content_type)``: the kind of file for a person (text, image, pdf, archive, other),
  used by the admin's kind filter (``types_of(family)`` lists the exact types it matches).
* ``is_text(content_type)``: the bytes are text: previews show them as escaped source and the
  delivery zip deflates them. Every type of the text family is text, and so is SVG, an image
  whose bytes are active XML: shown as its source, never rendered.
* ``RASTER_FORMATS``: the images previews decode (through Pillow, under a pixel cap).
* ``ANNOUNCED_AS_IS``: the types a download may announce to the browser; every other one goes
  out as ``application/octet-stream``.
* ``document_kind(content_type, filename)``: the documents previews show in their own way (a PDF
  as pages, a notebook as cells, CSV as a table, Markdown as highlighted source).
* ``sniff_content_type(head, filename)``: the type of a file from its first bytes, then its name
  (``NAMED_TYPES`` first: source files and notebooks the system's MIME table misses or misnames).
"""

import enum
import mimetypes

__all__ = [
    "ANNOUNCED_AS_IS",
    "CSV_TYPES",
    "MAGIC_NUMBERS",
    "MARKDOWN_TYPES",
    "NAMED_TYPES",
    "NOTEBOOK",
    "OCTET_STREAM",
    "PDF",
    "RASTER_FORMATS",
    "SNIFF_BYTES",
    "Family",
    "document_kind",
    "family",
    "is_text",
    "normalize",
    "sniff_content_type",
    "types_of",
]

OCTET_STREAM = "application/octet-stream"
PDF = "application/pdf"
NOTEBOOK = "application/x-ipynb+json"
MARKDOWN_TYPES = frozenset({"text/markdown", "text/x-markdown"})
CSV_TYPES = frozenset({"text/csv", "text/tab-separated-values"})


class Family(enum.StrEnum):
    """The kinds of file the admin's filter offers, each with its label."""

    TEXT = "text", "Text and source code"
    IMAGE = "image", "Images"
    PDF = "pdf", "PDF"
    ARCHIVE = "archive", "Archives"
    OTHER = "other", "Other binary"

    def __new__(cls, value, label):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


# The types whose family neither their top-level type (text/, image/) nor their suffix (+xml,
# +json) tells, and text types students hand in that a system's MIME table may not list.
TABLE = {
    "text/plain": Family.TEXT,
    "text/markdown": Family.TEXT,
    "text/x-markdown": Family.TEXT,
    "text/csv": Family.TEXT,
    "text/tab-separated-values": Family.TEXT,
    NOTEBOOK: Family.TEXT,
    "text/x-python": Family.TEXT,
    "text/x-c": Family.TEXT,
    "text/x-java": Family.TEXT,
    "text/x-sh": Family.TEXT,
    "application/json": Family.TEXT,
    "application/xml": Family.TEXT,
    "application/javascript": Family.TEXT,
    "application/x-sh": Family.TEXT,
    "application/x-yaml": Family.TEXT,
    "application/yaml": Family.TEXT,
    "application/toml": Family.TEXT,
    "application/sql": Family.TEXT,
    "image/png": Family.IMAGE,
    "image/jpeg": Family.IMAGE,
    "image/gif": Family.IMAGE,
    "image/webp": Family.IMAGE,
    "image/bmp": Family.IMAGE,
    "image/tiff": Family.IMAGE,
    "image/svg+xml": Family.IMAGE,
    PDF: Family.PDF,
    "application/zip": Family.ARCHIVE,
    "application/gzip": Family.ARCHIVE,
    "application/x-tar": Family.ARCHIVE,
    "application/x-7z-compressed": Family.ARCHIVE,
    "application/java-archive": Family.ARCHIVE,
    "application/vnd.rar": Family.ARCHIVE,
    "application/x-rar-compressed": Family.ARCHIVE,
    "application/x-bzip2": Family.ARCHIVE,
    "application/x-xz": Family.ARCHIVE,
    OCTET_STREAM: Family.OTHER,
}

# Images whose bytes are text (markup that could run as a page): previewed as source, deflated.
_TEXT_IMAGES = frozenset({"image/svg+xml"})

# The images previews decode, with Pillow's name for each format.
RASTER_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WEBP"}

# An allow-list, deliberately not a family: text/html and image/svg+xml are text and images, yet
# a browser told so would run them. Anything else is announced as application/octet-stream.
ANNOUNCED_AS_IS = frozenset(
    {
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "application/pdf",
        "application/zip",
        "application/json",
        "text/plain",
        "text/csv",
        "text/markdown",
        "text/x-python",
    }
)


def normalize(content_type):
    """The bare media type, lower-cased: ``"Text/X-Python; charset=utf-8"`` -> ``"text/x-python"``; None -> ``""``."""
    return (content_type or "").split(";")[0].strip().lower()


def family(content_type):
    """The Family of ``content_type`` (any spelling), or None when it belongs to none."""
    content_type = normalize(content_type)
    if content_type in TABLE:
        return TABLE[content_type]
    if content_type.startswith("text/") or content_type.endswith(("+xml", "+json")):
        return Family.TEXT
    if content_type.startswith("image/"):
        return Family.IMAGE
    return None


def is_text(content_type):
    """Are bytes of ``content_type`` text? Then previews show them as source and the zip deflates them."""
    return family(content_type) == Family.TEXT or normalize(content_type) in _TEXT_IMAGES


def _known_types():
    """Every type this table or the system's MIME table knows, as each spells it."""
    if not mimetypes.inited:
        mimetypes.init()  # what guess_type (and so sniff_content_type) reads: the system's table too
    return set(TABLE) | set(mimetypes.types_map.values()) | set(mimetypes.common_types.values())


def types_of(family_):
    """
    The exact types of ``family_`` that files can carry: every known type in it, in the spelling
    the system's MIME table gives (which ``sniff_content_type`` stores) and lower-cased. Sorted.
    """
    types = {t for t in _known_types() if family(t) == family_}
    return sorted(types | {normalize(t) for t in types})


def document_kind(content_type, filename=""):
    """
    "pdf", "notebook", "csv" or "markdown" for the documents previews show in their own way,
    else None. A notebook is known by its name too: many are stored as JSON or octet-stream.
    """
    content_type = normalize(content_type)
    if content_type == PDF:
        return "pdf"
    if content_type == NOTEBOOK or (
        filename.lower().endswith(".ipynb") and content_type in ("application/json", OCTET_STREAM)
    ):
        return "notebook"
    if content_type in CSV_TYPES:
        return "csv"
    if content_type in MARKDOWN_TYPES:
        return "markdown"
    return None


# ---- sniffing --------------------------------------------------------------------------------

# Signatures of the types whose handling depends on what the bytes are (inline image previews,
# zips). Sniffed bytes win over the name: a PNG called notes.txt is a PNG.
MAGIC_NUMBERS = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"PK\x05\x06", "application/zip"),
)
_WEBP = "image/webp"  # RIFF....WEBP: checked apart, its signature has a gap
# Types recognised by their bytes: a name claiming one of them is not believed without the bytes.
_SIGNED_TYPES = frozenset({content_type for _, content_type in MAGIC_NUMBERS} | {_WEBP})

SNIFF_BYTES = 16

# Names the system's MIME table misses or misnames (.ts as a Qt translation, .rs as RLS services,
# .m as Mathematica): files students hand in, by their suffix, lower-cased.
NAMED_TYPES = {
    ".ipynb": NOTEBOOK,
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
    ".ts": "text/x-typescript",
    ".tsx": "text/x-typescript",
    ".rs": "text/x-rust",
    ".go": "text/x-go",
    ".kt": "text/x-kotlin",
    ".swift": "text/x-swift",
    ".php": "text/x-php",
    ".rb": "text/x-ruby",
    ".r": "text/x-r",
    ".m": "text/x-matlab",
    ".jl": "text/x-julia",
    ".lua": "text/x-lua",
    ".cs": "text/x-csharp",
    ".scala": "text/x-scala",
    ".hs": "text/x-haskell",
    ".ml": "text/x-ocaml",
    ".sql": "application/sql",
    ".toml": "application/toml",
    ".yaml": "application/yaml",
    ".yml": "application/yaml",
    ".ini": "text/plain",
    ".cfg": "text/plain",
    ".tex": "text/x-tex",
}


def _named_type(filename):
    dot = filename.rfind(".")
    return NAMED_TYPES.get(filename[dot:].lower()) if dot >= 0 else None


def sniff_content_type(head, filename):
    """Return the content type of a file that starts with ``head`` and is called ``filename``."""
    for signature, content_type in MAGIC_NUMBERS:
        if head.startswith(signature):
            guessed, _ = mimetypes.guess_type(filename, strict=False)
            # Office documents and jars are zips: keep the more precise name-based type.
            if content_type == "application/zip" and guessed and guessed != content_type:
                return guessed
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return _WEBP
    named = _named_type(filename)
    if named:
        return named
    guessed, _ = mimetypes.guess_type(filename, strict=False)
    if guessed in _SIGNED_TYPES:
        # The name claims a binary type the bytes do not carry: do not believe it.
        return OCTET_STREAM
    return guessed or OCTET_STREAM
