"""One check, start to record: what ``manage.py checkstore`` and the admin's "Run a check now" both call."""

import logging
from dataclasses import dataclass

from django.db import DatabaseError
from django.utils import timezone

from ..operations.progress import no_progress
from ..stores import InvalidStoreError
from .check import adopt as adopt_store
from .check import check_store
from .records import record_run, record_unavailable
from .report import CheckUnavailable
from .restore import repair_damage
from .scrub import scrub_store

logger = logging.getLogger("deliveries.health")

__all__ = ["CheckRun", "run_check"]


@dataclass
class CheckRun:
    """What ``run_check`` did: the store, its report (or why it could not check), the recorded run."""

    store: object | None  # None when the store could not even be built
    report: object | None  # the CheckReport; None when the store could not be checked
    error: Exception | None  # InvalidStoreError or CheckUnavailable: why it could not check
    run: object | None  # the StoreCheckRun recorded; None when recording failed
    record_error: DatabaseError | None = None  # why the run could not be recorded
    marker: dict | None = None  # with ``adopt``: the store's marker, None when it was not adopted


def run_check(
    open_store,
    *,
    level,
    backend,
    run_options=None,
    adopt=False,
    scrub=None,
    repair=None,
    dry_run=False,
    jobs=1,
    shard=None,
    update_status=False,
    progress=no_progress,
    **check_options,
):
    """
    The sequence of one checkstore run: build the store (``open_store()``); check it at ``level``
    (``check_store`` with ``check_options``), or scrub it (``scrub``: a dict of ``scrub_store``'s
    ``oldest`` and ``budget``; ``check_options`` do not apply), or adopt it (``adopt``: ``health.adopt``); then, with ``repair``
    (a callable from the store to its repair sources, ``repair_sources``), mend the damage found
    (``repair_damage``, writing nothing with ``dry_run``); then record the run as a StoreCheckRun,
    also when the store could not be built or checked (``record_unavailable``, exit status 2).
    Returns a CheckRun; never raises for the store's trouble nor for a database that cannot record
    the run (``record_error``). ``backend`` names the store in the record when it cannot be built.
    """
    started = timezone.now()
    store = marker = None
    try:
        store = open_store()
        backend = f"{type(store).__module__}.{type(store).__qualname__}"
        if adopt:
            report, marker = adopt_store(store, progress=progress)
            report.backend = backend
        else:
            sources = repair(store) if repair is not None else None
            if scrub is not None:
                report = scrub_store(store, **scrub, backend=backend, jobs=jobs, shard=shard, progress=progress)
            else:
                report = check_store(
                    store,
                    level=level,
                    backend=backend,
                    jobs=jobs,
                    shard=shard,
                    update_status=update_status,
                    progress=progress,
                    **check_options,
                )
    except (InvalidStoreError, CheckUnavailable) as e:
        where = store.describe() if store is not None else backend
        run, record_error = _record(record_unavailable, level, backend, where, e, started, run_options)
        return CheckRun(store, None, e, run, record_error)
    if not adopt and sources is not None:
        report.options.update({key: (run_options or {}).get(key) for key in ("repair", "repair_from")})
        repair_damage(store, report, sources=sources, dry_run=dry_run, jobs=jobs, update_status=update_status)
    run, record_error = _record(record_run, report)
    return CheckRun(store, report, None, run, record_error, marker)


def _record(recorder, *args):
    try:
        return recorder(*args), None
    except DatabaseError as e:
        logger.warning("Could not record a store check run: %s", e)
        return None, e
