"""Verify one FileMeta's bytes against its recorded size and SHA-256."""

import hashlib
from dataclasses import dataclass

from django.utils import timezone

from .models import FileMeta
from .stores import DeliveryStoreFileNotFound


@dataclass(frozen=True)
class Verification:
    """The outcome of reading one FileMeta's bytes back."""

    status: str  # a FileMeta.Status value: intact, missing or corrupt
    detail: str = ""
    size: int | None = None  # bytes read
    checksum: str | None = None  # their SHA-256

    @property
    def ok(self):
        return self.status == FileMeta.Status.INTACT


READ_SIZE = 1024 * 1024  # bytes per readinto: large enough that hashlib and read() release the GIL


def hash_key(store, key, buffer=None):
    """Return (size, SHA-256 hex) of the bytes under ``key`` (or a FileMeta), read into ``buffer``."""
    buffer = buffer if buffer is not None else bytearray(READ_SIZE)
    digest = hashlib.sha256()
    view = memoryview(buffer)
    size = 0
    with store.read_open(key) as reader:
        while n := reader.readinto(buffer):
            digest.update(view[:n])
            size += n
    return size, digest.hexdigest()


def verify_filemeta(filemeta, store=None, save=True):
    """
    Re-read every byte of ``filemeta`` and compare size and SHA-256 with the row. With ``save``,
    record the outcome on the row (``status``, ``verified_at``).
    """
    store = store or FileMeta.deliverystore
    try:
        size, checksum = hash_key(store, filemeta)
    except DeliveryStoreFileNotFound as e:
        result = Verification(FileMeta.Status.MISSING, str(e))
    except OSError as e:
        result = Verification(FileMeta.Status.CORRUPT, f"unreadable: {e}")
    else:
        if size != filemeta.size:
            result = Verification(FileMeta.Status.CORRUPT, f"size {size} != recorded {filemeta.size}", size, checksum)
        elif checksum != filemeta.checksum:
            result = Verification(FileMeta.Status.CORRUPT, "SHA-256 differs from the recorded one", size, checksum)
        else:
            result = Verification(FileMeta.Status.INTACT, "", size, checksum)
    if save:
        filemeta.status = result.status
        filemeta.verified_at = timezone.now()
        FileMeta.objects.filter(pk=filemeta.pk).update(status=filemeta.status, verified_at=filemeta.verified_at)
    return result
