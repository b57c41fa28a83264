"""
Stream the files of a delivery as one zip archive, with bounded memory.

``zipfile`` writes to an unseekable stream by putting each member's sizes and CRC in a data
descriptor after its bytes, so the archive can be produced chunk by chunk as the store yields
them: memory holds one store chunk and the compressor's window, whatever the total size.

Member names come from user-given filenames, so they are sanitised: nothing can name a parent
folder, an absolute path or a drive, and duplicates (also ones differing only in case, which
collide on Windows and macOS) get a numbered suffix.
"""

import posixpath
import unicodedata
import zipfile

from ..content_types import is_text
from ..models import FileMeta
from .downloads import exact_chunks

__all__ = ["ZipMember", "delivery_members", "folder_name", "iter_zip", "sanitize_member_name", "unique_names"]

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


def unique_names(names):
    """Return ``names`` with later duplicates (compared case-insensitively) renamed "x (2).txt"."""
    seen = set()
    result = []
    for name in names:
        candidate, n = name, 1
        while candidate.casefold() in seen:
            n += 1
            stem, ext = posixpath.splitext(name)
            candidate = f"{stem} ({n}){ext}"
        seen.add(candidate.casefold())
        result.append(candidate)
    return result


def folder_name(delivery):
    """The top folder of a delivery's zip: e.g. ``inf1000.h2026.oblig1-group-3-delivery-2``."""
    group = delivery.assignment_group
    return sanitize_member_name(
        f"{group.assignment}-group-{group.name or group.pk}-delivery-{delivery.number}", "delivery"
    )


class ZipMember:
    """
    One member to write: the FileMeta, the (already safe) path inside the archive, and the number
    of bytes it must hold (as recorded, unless ``size`` says what a corrupt file holds now).
    """

    def __init__(self, filemeta, arcname, size=None):
        self.filemeta = filemeta
        self.arcname = arcname
        self.size = filemeta.size if size is None else size


def delivery_members(delivery, filemetas=None):
    """The ZipMembers of ``delivery``'s files, each as ``<folder>/<safe unique name>``."""
    filemetas = list(filemetas if filemetas is not None else delivery.filemetas.order_by("filename", "pk"))
    folder = folder_name(delivery)
    names = unique_names([sanitize_member_name(fm.filename) for fm in filemetas])
    return [ZipMember(fm, f"{folder}/{name}") for fm, name in zip(filemetas, names)]


def _zipinfo(member):
    created = member.filemeta.created.timetuple()[:6]
    info = zipfile.ZipInfo(member.arcname, date_time=max(tuple(created), _MIN_ZIP_DATE))
    # Deflate what is text (it shrinks several-fold, at hundreds of MiB/s); store the rest. Images,
    # archives and unknown binaries rarely shrink, and deflate crawls through incompressible bytes
    # (about 20 MiB/s on the development machine).
    if is_text(member.filemeta.content_type):
        info.compress_type = zipfile.ZIP_DEFLATED
        info.compress_level = 1  # most of deflate's gain on text, at several times level 6's speed
    else:
        info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16  # a plain, non-executable file wherever it is unpacked
    # Known up front, so zipfile picks ZIP64 for members over 2 GiB before writing them.
    info.file_size = member.size
    return info


def iter_zip(members, store=None):
    """
    Yield the bytes of a zip archive holding ``members`` (ZipMembers), read through ``store``.

    A member whose bytes vanish mid-way raises DeliveryStoreFileNotFound from the iterator, and
    one whose bytes prove shorter or longer than ``member.size`` raises SizeChanged: the response
    breaks off, so no one unpacks a silently wrong file. Check existence (and the recorded
    statuses) first to answer with a clear page instead.
    """
    store = store or FileMeta.deliverystore
    out = _Drain()
    with zipfile.ZipFile(out, "w", allowZip64=True) as archive:
        for member in members:
            info = _zipinfo(member)
            with archive.open(info, "w") as dest:
                chunks = store.iter_chunks(member.filemeta, length=member.size + 1)  # one more: did it grow?
                for chunk in exact_chunks(chunks, member.size, f"file {member.filemeta.pk} ({member.arcname})"):
                    dest.write(chunk)
                    data = out.drain()
                    if data:
                        yield data
            data = out.drain()
            if data:
                yield data
    tail = out.drain()  # the central directory, written when the archive closes
    if tail:
        yield tail
