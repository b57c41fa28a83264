"""One check, start to record: what ``manage.py checkstore`` and the admin's "Run a check now" both call."""

import logging
from dataclasses import dataclass

from django.db import DatabaseError
from django.utils import timezone

from ..stores import InvalidStoreError
from .check import check_store
from .records import record_run, record_unavailable
from .report import CheckUnavailable

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


def run_check(open_store, *, level, backend, run_options=None, **check_options):
    """
    Build the store (``open_store()``), check it at ``level`` (``check_store`` and its
    ``check_options``), and record the run as a StoreCheckRun, also when the store could not be
    built or checked (``record_unavailable``, exit status 2). Returns a CheckRun; never raises for
    the store's trouble nor for a database that cannot record the run (``record_error``).
    ``backend`` names the store in the record when it cannot be built.
    """
    started = timezone.now()
    store = None
    try:
        store = open_store()
        backend = f"{type(store).__module__}.{type(store).__qualname__}"
        report = check_store(store, level=level, backend=backend, **check_options)
    except (InvalidStoreError, CheckUnavailable) as e:
        where = store.describe() if store is not None else backend
        run, record_error = _record(record_unavailable, level, backend, where, e, started, run_options)
        return CheckRun(store, None, e, run, record_error)
    run, record_error = _record(record_run, report)
    return CheckRun(store, report, None, run, record_error)


def _record(recorder, *args):
    try:
        return recorder(*args), None
    except DatabaseError as e:
        logger.warning("Could not record a store check run: %s", e)
        return None, e
