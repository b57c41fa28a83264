"""
Is every delivered byte still there and intact? The logic of ``manage.py checkstore``.

Three levels, after Ceph's scrub/deep-scrub and restic's check/--read-data:

* ``probe``: write a probe object, read it back, compare, delete it: is the store alive and writable?
* ``light`` (the default): one pass over the store's listing into a dict, then one streamed pass
  over the FileMeta rows: MISSING, SIZE_MISMATCH, ORPHAN and the store's leftovers
  (TEMP_LEFTOVER, SYMLINK, STRAY). No per-row round trips.
* ``deep``: the light check, then read every byte and recompute its SHA-256 (HASH_MISMATCH,
  UNREADABLE), ``jobs`` files at a time, through the one verification (``deliveries.integrity``).

Problems carry stable codes. Errors fail a check; orphans (ORPHAN, TEMP_LEFTOVER, STRAY) are
reported but fail it only on request, as ``git fsck`` treats dangling objects. Orphans and
leftovers younger than ``min_age`` are uploads in flight: counted, never reported nor removed.

A store that cannot be listed or probed at all raises ``CheckUnavailable``; nothing here ever
repairs on its own (``delete_orphans`` is a separate, explicit call).
"""

from .check import check_store, probe
from .records import record_run, record_statuses, record_unavailable
from .repair import Deletion, deletable_orphans, delete_orphans
from .report import CheckReport, CheckUnavailable, Code, Problem, Shard, filemeta_id
from .runs import CheckRun, run_check

__all__ = [
    "CheckReport",
    "CheckRun",
    "CheckUnavailable",
    "Code",
    "Deletion",
    "Problem",
    "Shard",
    "check_store",
    "deletable_orphans",
    "delete_orphans",
    "filemeta_id",
    "probe",
    "record_run",
    "record_statuses",
    "record_unavailable",
    "run_check",
]
