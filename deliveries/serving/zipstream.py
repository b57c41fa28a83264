"""
Stream the files of a delivery as one zip archive, with bounded memory.

``zipfile`` writes to an unseekable stream by putting each member's sizes and CRC in a data
descriptor after its bytes, so the archive can be produced chunk by chunk as the store yields
them: memory holds one store chunk and the compressor's window, whatever the total size.

Member names come from user-given filenames, so they are sanitised: nothing can name a parent
folder, an absolute path or a drive, and duplicates (also ones differing only in case, which
collide on Windows and macOS) get a numbered suffix.

Members are taken from ``members`` one at a time, as the archive is written: a generator may
yield them from a database cursor, and may read the ``outcome`` of the member it yielded last
(set before the next one is asked for). A ``GeneratedMember`` holds bytes made on the spot, such
as a manifest written while the other members went by.
"""

import hashlib
import posixpath
import unicodedata
import zipfile
from datetime import UTC, datetime

from ..content_types import is_text
from ..models import FileMeta
from ..stores import DeliveryStoreFileNotFound
from .downloads import open_stream

__all__ = [
    "GeneratedMember",
    "Outcome",
    "UniqueNames",
    "ZipMember",
    "delivery_members",
    "folder_name",
    "iter_zip",
    "sanitize_member_name",
    "unique_names",
]

_MIN_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
# Room for a " (2)" suffix within the usual 255-byte limit on a file name.
MAX_NAME_BYTES = 200


class _Drain:
    """A write-only, unseekable file that hands out what was written since the last drain."""

    def __init__(self):
        self._parts = []
        self._offset = 0

    def write(self, data):
        self._parts.append(bytes(data))
        self._offset += len(data)
        return len(data)

    def tell(self):
        return self._offset

    def flush(self):
        pass

    def drain(self):
        data = b"".join(self._parts)
        self._parts.clear()
        return data


# Characters that separate paths or are refused by Windows, and Windows' reserved device names.
_UNSAFE_CHARS = frozenset('/\\:*?"<>|')
_WINDOWS_DEVICES = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} | {f"{p}{n}" for p in ("COM", "LPT") for n in "123456789"}
)


def _cut_utf8(text, max_bytes):
    """``text`` cut to at most ``max_bytes`` of UTF-8, never in the middle of a character."""
    return text.encode()[:max_bytes].decode("utf-8", errors="ignore")


def sanitize_member_name(name, fallback="file"):
    """
    Return ``name`` made safe as one path component of a zip member on any system: no path
    separators or characters Windows refuses, no NUL or control characters, no drive letter,
    never ``.``, ``..``, empty or a device name (``CON``...), at most 200 bytes of UTF-8.
    """
    name = unicodedata.normalize("NFC", str(name))
    name = "".join(
        "_" if ch in _UNSAFE_CHARS or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in name
    )
    name = name.strip().strip(".").strip() or fallback  # no "", ".", "..", or names Windows would trim
    if name.split(".")[0].upper() in _WINDOWS_DEVICES:
        name = f"_{name}"
    if len(name.encode()) > MAX_NAME_BYTES:  # file systems count bytes (255), not characters
        stem, ext = posixpath.splitext(name)
        ext = _cut_utf8(ext, 20)
        name = _cut_utf8(stem, MAX_NAME_BYTES - len(ext.encode())) + ext
    return name


class UniqueNames:
    """
    Hands out names unique within one folder: ``take(name)`` returns ``name``, or when it was taken
    before (compared case-insensitively) "x (2).txt", "x (3).txt"... ``reserved`` names are taken
    from the start.
    """

    def __init__(self, reserved=()):
        self._seen = {name.casefold() for name in reserved}

    def take(self, name):
        candidate, n = name, 1
        while candidate.casefold() in self._seen:
            n += 1
            stem, ext = posixpath.splitext(name)
            candidate = f"{stem} ({n}){ext}"
        self._seen.add(candidate.casefold())
        return candidate


def unique_names(names):
    """Return ``names`` with later duplicates (compared case-insensitively) renamed "x (2).txt"."""
    taken = UniqueNames()
    return [taken.take(name) for name in names]


def folder_name(delivery):
    """The top folder of a delivery's zip: e.g. ``inf1000.h2026.oblig1-group 3-delivery-2`` (``AssignmentGroup.label``)."""
    group = delivery.assignment_group
    return sanitize_member_name(f"{group.assignment}-{group.label}-delivery-{delivery.number}", "delivery")


class Outcome:
    """What became of a member once iter_zip got to it (``ZipMember.outcome``)."""

    INCLUDED = "included"  # in the archive, whole
    MISSING = "missing"  # the store has no bytes for it: left out
    UNREADABLE = "unreadable"  # the store failed before its first byte: left out
    INCOMPLETE = "incomplete"  # the store failed part way: in the archive, cut short
    CORRUPT = "corrupt"  # in the archive, but its size or SHA-256 differs from the recorded one


class ZipMember:
    """
    One member to write: the FileMeta, the (already safe) path inside the archive, and the number
    of bytes it must hold (as recorded, unless ``size`` says what a corrupt file holds now).
    ``outcome`` (an ``Outcome``) is None until iter_zip has dealt with it.
    """

    def __init__(self, filemeta, arcname, size=None):
        self.filemeta = filemeta
        self.arcname = arcname
        self.size = filemeta.size if size is None else size
        self.outcome = None

    def open(self, store):
        """The member's bytes (an iterator with ``close()``), already opened: a missing file raises here."""
        return open_stream(self.filemeta, store, total=self.size)

    def zipinfo(self):
        return _zipinfo(self.arcname, self.filemeta.created, self.filemeta.content_type, self.size)


class GeneratedMember:
    """A member whose bytes are made when iter_zip reaches it: ``chunks()`` is called then, not before."""

    def __init__(self, arcname, chunks, content_type="text/plain"):
        self.arcname = arcname
        self.chunks = chunks
        self.content_type = content_type
        self.outcome = None

    def open(self, store):
        return iter(self.chunks())

    def zipinfo(self):
        return _zipinfo(self.arcname, None, self.content_type, None)


def delivery_members(delivery, filemetas=None):
    """The ZipMembers of ``delivery``'s files, each as ``<folder>/<safe unique name>``."""
    filemetas = list(filemetas if filemetas is not None else delivery.filemetas.order_by("filename", "pk"))
    folder = folder_name(delivery)
    names = unique_names([sanitize_member_name(fm.filename) for fm in filemetas])
    return [ZipMember(fm, f"{folder}/{name}") for fm, name in zip(filemetas, names)]


def _zipinfo(arcname, created, content_type, size):
    when = (created or datetime.now(UTC)).timetuple()[:6]  # UTC, as FileMeta.created is stored
    info = zipfile.ZipInfo(arcname, date_time=max(tuple(when), _MIN_ZIP_DATE))
    # Deflate what is text (it shrinks several-fold, at hundreds of MiB/s); store the rest. Images,
    # archives and unknown binaries rarely shrink, and deflate crawls through incompressible bytes
    # (about 20 MiB/s on the development machine).
    if is_text(content_type):
        info.compress_type = zipfile.ZIP_DEFLATED
        info.compress_level = 1  # most of deflate's gain on text, at several times level 6's speed
    else:
        info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16  # a plain, non-executable file wherever it is unpacked
    if size is not None:
        # Known up front, so zipfile picks ZIP64 for members over 2 GiB before writing them.
        info.file_size = size
    return info


def iter_zip(members, store=None, *, skip_unreadable=False, verify=False):
    """
    Yield the bytes of a zip archive holding ``members`` (ZipMembers, GeneratedMembers), read
    through ``store``, setting each member's ``outcome`` once it is written.

    By default a member whose bytes are missing or unreadable raises (DeliveryStoreFileNotFound,
    OSError) from the iterator, and one whose bytes prove shorter or longer than ``member.size``
    raises SizeChanged (an OSError): the response breaks off, so no one unpacks a silently wrong
    file; check existence (and the recorded statuses) first to answer with a clear page instead.
    With ``skip_unreadable``, such a member is left out (MISSING, UNREADABLE), or, when the store
    fails part way or the size proves wrong, closed short (INCOMPLETE), and the archive goes on.
    With ``verify``, each file's bytes are checked on the way against its recorded SHA-256 (CORRUPT
    when they differ).
    """
    store = store or FileMeta.deliverystore
    out = _Drain()
    with zipfile.ZipFile(out, "w", allowZip64=True) as archive:
        for member in members:
            try:
                chunks = member.open(store)
            except OSError as error:
                if not skip_unreadable:
                    raise
                member.outcome = Outcome.MISSING if isinstance(error, DeliveryStoreFileNotFound) else Outcome.UNREADABLE
                continue
            try:
                yield from _write_member(archive, out, member, chunks, skip_unreadable, verify)
            finally:
                close = getattr(chunks, "close", None)
                if close:
                    close()
    tail = out.drain()  # the central directory, written when the archive closes
    if tail:
        yield tail


def _write_member(archive, out, member, chunks, skip_unreadable, verify):
    """Write one member from ``chunks``, yielding the archive's bytes as they come; set its outcome."""
    digest = hashlib.sha256() if verify and isinstance(member, ZipMember) else None
    written = 0
    try:
        with archive.open(member.zipinfo(), "w") as dest:
            for chunk in chunks:
                dest.write(chunk)
                written += len(chunk)
                if digest:
                    digest.update(chunk)
                data = out.drain()
                if data:
                    yield data
    except OSError:
        if not skip_unreadable:
            raise
        member.outcome = Outcome.INCOMPLETE  # zipfile closed the member with what it had
    else:
        intact = digest is None or (written == member.filemeta.size and digest.hexdigest() == member.filemeta.checksum)
        member.outcome = Outcome.INCLUDED if intact else Outcome.CORRUPT
    data = out.drain()
    if data:
        yield data
