"""A MemoryDeliveryStore that fails on request: for the failure paths of stores built on others."""

import errno

from deliveries.stores import MemoryDeliveryStore
from deliveries.stores.memory import _MemoryWriter


class _FlakyWriter(_MemoryWriter):
    def _write(self, data):
        if self._store.fail_write:
            raise OSError(errno.ENOSPC, "No space left on device (injected)")
        super()._write(data)

    def _commit(self):
        if self._store.fail_commit:
            raise OSError(errno.EIO, "I/O error on commit (injected)")
        super()._commit()


class FlakyStore(MemoryDeliveryStore):
    """
    Fails as told: ``fail_open`` (write_open raises), ``fail_write`` (every write raises),
    ``fail_commit`` (close raises), ``fail_read`` (read_open raises an OSError that is not a
    missing file: an unreadable store, not a damaged one). Counts ``writes`` committed.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.fail_open = self.fail_write = self.fail_commit = self.fail_read = False
        self.reads = 0

    def _write_open(self, key):
        if self.fail_open:
            raise OSError(errno.ECONNREFUSED, "Connection refused (injected)")
        return _FlakyWriter(key, self)

    def _read_open(self, key):
        if self.fail_read:
            raise OSError(errno.ETIMEDOUT, "Read timed out (injected)")
        self.reads += 1
        return super()._read_open(key)

    def describe(self):
        return f"FlakyStore {id(self):x}"
