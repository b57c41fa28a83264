"""The rules for a delivered file's name: metadata only, but shown, searched and zipped."""

import unicodedata

from django.core.exceptions import ValidationError

MAX_FILENAME_LENGTH = 255


def clean_filename(name):
    """
    Return ``name`` NFC-normalised, or raise ValidationError saying why it is refused.

    Refused: empty names, ``.`` and ``..``, absolute paths, path separators (``/`` and ``\\``),
    NUL and other control characters, and names over 255 characters (after normalising).
    """
    if not isinstance(name, str):
        raise ValidationError(
            "A filename must be text, not %(type)s.", code="type", params={"type": type(name).__name__}
        )
    name = unicodedata.normalize("NFC", name)
    if not name:
        raise ValidationError("The filename is empty.", code="empty")
    if "\x00" in name:
        raise ValidationError("The filename contains a NUL character.", code="nul")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in name):
        raise ValidationError("The filename contains a control or invisible formatting character.", code="control")
    if name.startswith("/") or name.startswith("\\") or (len(name) > 1 and name[1] == ":" and name[0].isalpha()):
        raise ValidationError("The filename is an absolute path; give the file's name only.", code="absolute")
    if "/" in name or "\\" in name:
        raise ValidationError(
            "The filename contains a path separator ('/' or '\\'); give the file's name only.", code="separator"
        )
    if name in (".", ".."):
        raise ValidationError("The filename may not be '.' or '..'.", code="dots")
    if len(name) > MAX_FILENAME_LENGTH:
        raise ValidationError(
            "The filename is %(length)d characters long; at most %(max)d are allowed.",
            code="length",
            params={"length": len(name), "max": MAX_FILENAME_LENGTH},
        )
    return name


def validate_filename(name):
    """Model field validator: ``clean_filename`` without the return value."""
    clean_filename(name)
