"""
Zip archives: the list of their first members, read from the central directory by this module's
own parser, never by ``zipfile`` (which reads the whole directory and believes the ZIP64 end
record: a small upload could make it parse millions of members).

Every number the end records declare is checked against the bytes actually present: the
directory must lie inside the file, before its end record. At most ARCHIVE_DIRECTORY_READ bytes
of it are read, and ARCHIVE_MEMBERS members listed; a directory that declares fewer members than
it holds is listed as it is.
"""

import struct

from .base import Preview, read
from .budgets import ARCHIVE_DIRECTORY_READ, ARCHIVE_MEMBERS

__all__ = ["NotAZip", "archive_preview", "read_directory"]

_END = struct.Struct("<4s4H2LH")  # the classic end of central directory record
_LOCATOR = struct.Struct("<4sLQL")  # the ZIP64 end record's locator, just before the classic one
_END64 = struct.Struct("<4sQ2H2L4Q")  # the ZIP64 end of central directory record
_ENTRY = struct.Struct("<4s6H3L5HLL")  # a central directory header
_ZIP64_EXTRA = 0x0001
_UTF8_FLAG = 0x800
_MAX_COMMENT = 65535


class NotAZip(ValueError):
    """The bytes are not a zip this module can list; the message says why, for a person."""


def _end_records(filemeta, store):
    """(declared members, directory size, directory offset, where the directory must end)."""
    size = filemeta.size
    tail_size = min(size, _END.size + _MAX_COMMENT + _LOCATOR.size)
    tail_start = size - tail_size
    tail = read(filemeta, store, tail_start, tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _END.size:
        raise NotAZip("The file has no zip end record.")
    _sig, _disk, _cd_disk, _here, entries, directory_size, directory_offset, _comment = _END.unpack_from(tail, at)
    directory_end = tail_start + at
    if at >= _LOCATOR.size and tail[at - _LOCATOR.size : at - _LOCATOR.size + 4] == b"PK\x06\x07":
        _sig, _disk, end64_offset, _disks = _LOCATOR.unpack_from(tail, at - _LOCATOR.size)
        if end64_offset + _END64.size > tail_start + at - _LOCATOR.size:
            raise NotAZip("The zip's ZIP64 end record points past the bytes the file has.")
        record = read(filemeta, store, end64_offset, _END64.size)
        if len(record) < _END64.size or record[:4] != b"PK\x06\x06":
            raise NotAZip("The zip's ZIP64 end record is missing or damaged.")
        fields = _END64.unpack(record)
        entries, directory_size, directory_offset = fields[7], fields[8], fields[9]
        directory_end = end64_offset
    if directory_size > directory_end:
        raise NotAZip(
            f"The zip's directory claims {directory_size:,} bytes, more than the {directory_end:,} before its end."
        )
    return entries, directory_size, directory_offset, directory_end


def _zip64_sizes(extra, size, compressed):
    """The real sizes from a ZIP64 extra field, for the fields saturated at 0xFFFFFFFF."""
    at = 0
    while at + 4 <= len(extra):
        tag, length = struct.unpack_from("<2H", extra, at)
        if tag == _ZIP64_EXTRA:
            values = extra[at + 4 : at + 4 + length]
            position = 0
            if size == 0xFFFFFFFF and position + 8 <= len(values):
                size = struct.unpack_from("<Q", values, position)[0]
                position += 8
            if compressed == 0xFFFFFFFF and position + 8 <= len(values):
                compressed = struct.unpack_from("<Q", values, position)[0]
            break
        at += 4 + length
    return size, compressed


def _date(dos_date, dos_time):
    year, month, day = 1980 + (dos_date >> 9), (dos_date >> 5) & 0xF, dos_date & 0x1F
    return f"{year:04d}-{month:02d}-{day:02d} {dos_time >> 11:02d}:{(dos_time >> 5) & 0x3F:02d}"


def read_directory(directory, limit):
    """
    (members, count, complete) from the bytes of a central directory: the first ``limit``
    members as (name, size, compressed, date), how many entries these bytes hold, and whether
    the directory ends cleanly within them.
    """
    members, count, at = [], 0, 0
    while at + _ENTRY.size <= len(directory):
        fields = _ENTRY.unpack_from(directory, at)
        if fields[0] != b"PK\x01\x02":
            raise NotAZip(f"The zip's directory is damaged after {count:,} members.")
        name_length, extra_length, comment_length = fields[10], fields[11], fields[12]
        name_start = at + _ENTRY.size
        next_at = name_start + name_length + extra_length + comment_length
        if next_at > len(directory):
            break  # the entry runs past what was read
        count += 1
        if len(members) < limit:
            flags, dos_time, dos_date, compressed, size = fields[3], fields[5], fields[6], fields[8], fields[9]
            raw_name = directory[name_start : name_start + name_length]
            extra = directory[name_start + name_length : name_start + name_length + extra_length]
            name = raw_name.decode("utf-8" if flags & _UTF8_FLAG else "cp437", errors="replace")
            size, compressed = _zip64_sizes(extra, size, compressed)
            members.append((name, size, compressed, _date(dos_date, dos_time)))
        at = next_at
    return members, count, at == len(directory)


def archive_preview(filemeta, store):
    """The Preview of a zip: its first members, with notes when the listing stops short. Raises NotAZip."""
    entries, directory_size, directory_offset, directory_end = _end_records(filemeta, store)
    # Where the directory really starts: as zipfile does, allow bytes prepended to the archive.
    start = directory_end - directory_size
    if directory_offset > start:
        raise NotAZip("The zip's directory starts past the bytes the file has.")
    wanted = min(directory_size, ARCHIVE_DIRECTORY_READ)
    directory = read(filemeta, store, start, wanted)
    members, walked, complete = read_directory(directory, ARCHIVE_MEMBERS)
    notes = []
    read_all = complete and wanted == directory_size
    if read_all:
        count = walked
        if count != entries:
            notes.append(f"The archive's end record declares {entries:,} members; its directory holds {count:,}.")
    else:
        # Not all of the directory was read: how many members it holds is not known.
        count = None
        notes.append(
            f"The archive's directory is {directory_size:,} bytes and declares {entries:,} members; "
            "a preview does not read all of it."
        )
    if count is None or count > len(members):
        notes.append(
            f"Listing the first {len(members):,} members: a preview reads at most {ARCHIVE_MEMBERS:,} members "
            f"or {ARCHIVE_DIRECTORY_READ // 1024:,} KiB of the archive's directory."
        )
    return Preview(
        "archive",
        members=members,
        member_count=count,
        truncated=count is None or len(members) < count,
        shown_bytes=len(directory),
        notes=notes,
    )
