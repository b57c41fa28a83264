"""Tell a file's content type from its first bytes, then from its name."""

import mimetypes

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

SNIFF_BYTES = 16


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
        return "image/webp"
    guessed, _ = mimetypes.guess_type(filename, strict=False)
    if guessed in {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "application/zip"}:
        # The name claims a binary type the bytes do not carry: do not believe it.
        return "application/octet-stream"
    return guessed or "application/octet-stream"
