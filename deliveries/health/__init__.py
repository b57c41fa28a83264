"""
Is every delivered byte still there and intact? The logic of ``manage.py checkstore``.

Three levels, after Ceph's scrub/deep-scrub and restic's check/--read-data:

* ``probe``: write a probe object, read it back, compare, delete it: is the store alive and writable?
* ``light`` (the default): one pass over the store's listing into a dict, then one streamed pass
  over the FileMeta rows: MISSING, SIZE_MISMATCH, ORPHAN and the store's leftovers
  (TEMP_LEFTOVER, SYMLINK, STRAY). No per-row round trips.
* ``deep``: the light check, then read every byte and recompute its SHA-256 (HASH_MISMATCH,
  UNREADABLE), ``jobs`` files at a time, through the one verification (``deliveries.integrity``).
* the rolling scrub (``scrub.py``): a deep check of the least recently verified files only, up to
  a number of files or a time budget, recording each outcome as it goes.

A store that keeps several copies (``MirroredDeliveryStore``) has each copy checked on its own;
problems name their copy. ``repair_damage`` (``restore.py``) then mends damaged copies from good
ones: the store's other copies, or another store.

Problems carry stable codes. Errors fail a check; orphans (ORPHAN, TEMP_LEFTOVER, STRAY) are
reported but fail it only on request, as ``git fsck`` treats dangling objects. Orphans and
leftovers younger than ``min_age`` are uploads in flight: counted, never reported nor removed.

A store that cannot be listed or probed at all raises ``CheckUnavailable``, and so does one that
lacks its marker while files are recorded (``adopt`` marks a store from before markers, after a
light check finds its files); nothing here ever repairs on its own (``delete_orphans`` is a
separate, explicit call). ``run_check`` (``runs.py``) is one run start to record, as checkstore
and the admin's "Run a check now" both do it: check, scrub or adopt, then repair, then record.
"""

from .check import adopt, check_store, probe
from .naming import name_problems
from .records import record_run, record_statuses, record_unavailable
from .repair import Deletion, deletable_orphans, delete_orphans
from .report import CheckReport, CheckUnavailable, Code, Problem, Shard, could_not_check_verdict, filemeta_id
from .restore import Repair, repair_damage, repair_sources
from .runs import CheckRun, run_check
from .scrub import scrub_store

__all__ = [
    "CheckReport",
    "CheckRun",
    "CheckUnavailable",
    "Code",
    "Deletion",
    "Problem",
    "Repair",
    "Shard",
    "adopt",
    "check_store",
    "could_not_check_verdict",
    "deletable_orphans",
    "delete_orphans",
    "filemeta_id",
    "name_problems",
    "probe",
    "record_run",
    "record_statuses",
    "record_unavailable",
    "repair_damage",
    "repair_sources",
    "run_check",
    "scrub_store",
]
