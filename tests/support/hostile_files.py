"""
Files built to cost a preview as much as possible: the inputs that made previews hold a web
worker for seconds to minutes, or hundreds of MiB, before they had budgets (issue 15).
"""

import io
import struct
import zlib

__all__ = [
    "actionscript_quotes",
    "htaccess_angles",
    "near_identical_blocks",
    "png_16bit_rgba",
    "zip64_with_members",
]


def actionscript_quotes():
    """A `.as` file of ``'`` and 32,767 ``\\'``: 33 s in Pygments' ActionScript lexer."""
    return b"'" + b"\\'" * 32767


def htaccess_angles():
    """A `.htaccess` file of 65,536 ``<``: 110 s in Pygments' ApacheConf lexer."""
    return b"<" * 65536


def near_identical_blocks(blocks=81, lines=60):
    """Two versions of a file of ``blocks`` blocks of ``lines`` near-identical lines, each line changed."""
    old, new = [], []
    for block in range(blocks):
        for line in range(lines):
            old.append(f"value = compute(block={block}, line={line}, weight=0.{line:03d})")
            new.append(f"value = compute(block={block}, line={line}, weight=0.{line:03d}1)")
        old.append(f"# end of block {block}")
        new.append(f"# end of block {block}")
    return "\n".join(old).encode(), "\n".join(new).encode()


def _png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_16bit_rgba(width, height):
    """A PNG of ``width`` x ``height`` 16-bit RGBA pixels (8 bytes each), all zero: tiny compressed."""
    compressor = zlib.compressobj(9)
    row = b"\x00" + bytes(width * 8)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 16, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", body) + _png_chunk(b"IEND", b"")


def zip64_with_members(members, declared=None, classic_entries=1):
    """
    A zip of ``members`` empty members whose ZIP64 end record declares ``declared`` (default:
    ``members``) and whose classic end record declares ``classic_entries``, as the attack did.
    """
    out = io.BytesIO()
    offsets = []
    for i in range(members):
        name = f"m{i}".encode()
        offsets.append(out.tell())
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0x21, 0, 0, 0, len(name), 0) + name)
    directory_start = out.tell()
    for i, offset in enumerate(offsets):
        name = f"m{i}".encode()
        out.write(
            struct.pack("<4s6H3L5HLL", b"PK\x01\x02", 20, 20, 0, 0, 0, 0x21, 0, 0, 0, len(name), 0, 0, 0, 0, 0, offset)
            + name
        )
    directory_size = out.tell() - directory_start
    end64_offset = out.tell()
    declared = members if declared is None else declared
    out.write(
        struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, declared, declared, directory_size, directory_start)
    )
    out.write(struct.pack("<4sLQL", b"PK\x06\x07", 0, end64_offset, 1))
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, classic_entries, classic_entries, 100, 0xFFFFFFFF, 0))
    return out.getvalue()
