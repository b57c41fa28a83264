"""
Handing in files for a group, all or nothing: the rules a hand-in must keep (names, limits) and
``hand_in``, which writes it.

A hand-in is judged file by file (``HandInCheck``): a filename that ``clean_filename`` refuses, a
name given twice, a file over the largest size, a file past the number of files or past the total
size each give a ``Refusal`` saying which file and why. The same check runs twice: while the bytes
arrive (the admin's upload handler stops reading a refused file at once) and in ``hand_in`` itself,
before anything is written, so no caller can skip it.

``hand_in`` writes the delivery in one database transaction: ``Delivery.begin``, one
``add_file`` per file, ``finish``. If anything fails (a refusal, the store, the database), the
transaction rolls back, so the group's delivery counter is not bumped and numbers stay gap-free,
and the bytes already written for the earlier files are removed: no delivery, no FileMeta and no
bytes remain.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.template.defaultfilters import filesizeformat

from .filenames import clean_filename
from .models import Delivery, FileMeta, remove_orphaned_bytes

logger = logging.getLogger(__name__)

__all__ = ["HandInCheck", "HandInFailed", "Refusal", "UploadLimits", "hand_in", "shown_name", "too_many_files"]


@dataclass(frozen=True)
class UploadLimits:
    """What one hand-in may hold: the largest file, the number of files, all files together (bytes)."""

    max_file_size: int
    max_files: int
    max_total_size: int

    @classmethod
    def from_settings(cls):
        """The DELIVERY_UPLOAD_* settings."""
        return cls(
            max_file_size=settings.DELIVERY_UPLOAD_MAX_FILE_SIZE,
            max_files=settings.DELIVERY_UPLOAD_MAX_FILES,
            max_total_size=settings.DELIVERY_UPLOAD_MAX_TOTAL_SIZE,
        )


@dataclass(frozen=True)
class Refusal:
    """One file of a hand-in that was refused, and why (a sentence)."""

    filename: str
    reason: str

    def __str__(self):
        if not self.filename:  # about the hand-in as a whole
            return self.reason[:1].upper() + self.reason[1:]
        return f"{shown_name(self.filename)}: {self.reason}"


class HandInFailed(Exception):
    """
    Nothing was handed in; ``refusals`` say which files failed and why. ``server_fault``: the files
    were fine but the store or the database failed (trying again later may work).
    """

    def __init__(self, refusals, *, server_fault=False):
        self.refusals = list(refusals)
        self.server_fault = server_fault
        super().__init__("; ".join(str(refusal) for refusal in self.refusals))


def shown_name(name, limit=80):
    """A filename fit for a message: control characters made visible, long names shortened."""
    shown = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in name)
    return shown if len(shown) <= limit else f"{shown[: limit - 1]}…"


def too_many_files(limits):
    """Why a file past the number of files one hand-in may hold is refused."""
    return f"too many files: at most {limits.max_files} can be handed in at once."


class HandInCheck:
    """
    Judges the files of one hand-in in the order they come: ``start(name)`` for each new file,
    ``grow(nbytes)`` as its bytes arrive. Each returns a Refusal (also kept in ``refusals``) when
    the file breaks a rule, else None; a refused file's later bytes are not counted.
    """

    def __init__(self, limits):
        self.limits = limits
        self.refusals = []
        self.files = 0
        self.total = 0
        self._names = set()
        self._name = None
        self._size = 0
        self._refused = False

    def start(self, name):
        """A new file called ``name`` begins: is its name acceptable, and is there room for one more?"""
        self.files += 1
        self._name, self._size, self._refused = name, 0, False
        try:
            cleaned = clean_filename(name)
        except ValidationError as e:
            return self._refuse(" ".join(e.messages))
        if cleaned in self._names:
            return self._refuse("another file of this hand-in has the same name.")
        self._names.add(cleaned)
        if self.files > self.limits.max_files:
            return self._refuse(too_many_files(self.limits))
        return None

    def grow(self, nbytes):
        """``nbytes`` more bytes of the current file arrived: is it still within the limits?"""
        if self._refused:
            return None
        self._size += nbytes
        self.total += nbytes
        if self._size > self.limits.max_file_size:
            self.total -= self._size
            return self._refuse(
                f"the file is larger than {filesizeformat(self.limits.max_file_size)}, the largest allowed."
            )
        if self.total > self.limits.max_total_size:
            self.total -= self._size
            return self._refuse(
                f"together with the files before it, this is more than {filesizeformat(self.limits.max_total_size)}, "
                "the most one hand-in may hold."
            )
        return None

    def check(self, name, size):
        """Judge one whole file at once: ``start`` and ``grow`` in one call."""
        return self.start(name) or self.grow(size)

    def _refuse(self, reason):
        self._refused = True
        refusal = Refusal(self._name, reason)
        self.refusals.append(refusal)
        return refusal


def hand_in(group, user, uploads, limits=None):
    """
    Hand in ``uploads`` (objects with ``name``, ``size`` and ``chunks()``, such as Django's
    UploadedFile) for ``group``, delivered by ``user``; return the finished Delivery.

    All or nothing: raises HandInFailed, with a Refusal per failed file, when a file breaks a rule
    of ``limits`` (default: from settings) or cannot be stored; then no delivery, no FileMeta and no
    bytes remain, and the group's delivery number is not used up.
    """
    uploads = list(uploads)
    check = HandInCheck(limits or UploadLimits.from_settings())
    for upload in uploads:
        check.check(upload.name, upload.size)
    if not uploads:
        raise HandInFailed([Refusal("", "choose at least one file to hand in.")])
    if check.refusals:
        raise HandInFailed(check.refusals)
    written = []
    current = None
    try:
        with transaction.atomic():
            delivery = Delivery.begin(group, user)
            for upload in uploads:
                current = upload.name
                written.append(delivery.add_file(upload.name, upload.chunks()))
            current = None
            delivery.finish()
    except BaseException as error:
        for filemeta in written:  # their rows were rolled back; their bytes must go too
            remove_orphaned_bytes(FileMeta.deliverystore, filemeta.key)
        if isinstance(error, ValidationError):
            raise HandInFailed([Refusal(current or "", " ".join(error.messages))]) from error
        if isinstance(error, OSError):
            logger.exception("Could not store a hand-in for group %s; nothing was kept.", group.pk)
            reason = f"the store could not save it ({error.strerror or error})."
            raise HandInFailed([Refusal(current or "", reason)], server_fault=True) from error
        if isinstance(error, DatabaseError):
            logger.exception("Could not record a hand-in for group %s; nothing was kept.", group.pk)
            refusal = Refusal("", "the database could not record the hand-in; try again.")
            raise HandInFailed([refusal], server_fault=True) from error
        raise
    return delivery
