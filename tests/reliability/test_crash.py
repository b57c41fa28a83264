"""Crash mid-write: SIGKILL a writer at random points, at least 50 times per backend."""

import json
import os
import shutil
import tempfile
from io import StringIO

from django.core.management import CommandError, call_command
from django.test import TransactionTestCase

from deliveries.models import FileMeta
from deliveries.stores import DatabaseDeliveryStore, DbmDeliveryStore, FsDeliveryStore, swap_deliverystore
from deliveries.testhelpers import make_delivery
from tests.support.crash import run_trials

TRIALS = int(os.environ.get("CRASH_TRIALS", "50"))
SIZE = 2 * 1024 * 1024  # bytes per trial; a subclass may set `size`


class CrashTestMixin:
    """Subclasses give ``make_store()``; each runs TRIALS killed writers against it."""

    size = SIZE

    def setUp(self):
        super().setUp()
        self.tmp = tempfile.mkdtemp(prefix="crash-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.store = self.make_store()
        swap = swap_deliverystore(FileMeta, self.store)
        swap.__enter__()
        self.addCleanup(swap.__exit__, None, None, None)
        self.delivery = make_delivery()

    def test_sigkill_mid_write(self):
        """After every kill: each FileMeta has its complete bytes; no partial bytes are visible."""
        report = run_trials(self.delivery, self.store, TRIALS, self.size, seed=7)
        self.assertEqual(report.problems, [])
        self.assertEqual(report.trials, TRIALS)
        # The random points must land both inside writes and after them, or the test proves little.
        self.assertGreater(report.killed, 0, report)
        self.assertGreater(report.rows + report.orphans, 0, report)
        self.checkstore_cleans_up()
        self.record(report)

    def checkstore(self, *args):
        """Run manage.py checkstore --deep --json on this store; return (exit status, JSON)."""
        options = [arg for key, value in self.store_options().items() for arg in ("--option", f"{key}={value}")]
        out = StringIO()
        status = 0
        try:
            call_command(
                "checkstore",
                "--deep",
                "--json",
                "--min-age",
                "0",
                "--backend",
                self.backend,
                *options,
                *args,
                stdout=out,
            )
        except CommandError as e:
            status = e.returncode
        return status, json.loads(out.getvalue())

    def checkstore_cleans_up(self):
        """checkstore finds at most orphans and temporary leftovers, and --delete-orphans --yes removes them."""
        status, found = self.checkstore()
        self.assertEqual(status, 0, found)
        self.assertLessEqual({p["code"] for p in found["problems"]}, {"ORPHAN", "TEMP_LEFTOVER"}, found)
        self.assertEqual(self.checkstore("--delete-orphans", "--yes")[0], 0)
        status, after = self.checkstore("--fail-on-orphans")
        self.assertEqual((status, after["problems"]), (0, []), after)
        self.cleaned = len(found["problems"])

    def record(self, report):
        print(
            f"\n{type(self).__name__}: {report.trials} trials, {report.killed} killed mid-write, "
            f"{report.rows} complete files, {report.orphans} orphans, 0 problems; "
            f"checkstore: {self.cleaned} orphans/leftovers found and removed, then clean"
        )


class TestCrashFs(CrashTestMixin, TransactionTestCase):
    backend = "deliveries.stores.FsDeliveryStore"

    def store_options(self):
        return {"root": os.path.join(self.tmp, "store")}

    def make_store(self):
        return FsDeliveryStore(**self.store_options())

    def test_sigkill_leaves_only_temporary_files(self):
        """What a killed fs writer leaves is a temporary file, which the listing reports as such."""
        run_trials(self.delivery, self.store, 10, self.size, max_delay=0.02, seed=3)
        kinds = {leftover.kind for leftover in self.store.iter_leftovers()}
        self.assertLessEqual(kinds, {"temporary"})


class TestCrashDbm(CrashTestMixin, TransactionTestCase):
    backend = "deliveries.stores.DbmDeliveryStore"

    def store_options(self):
        return {"filename": os.path.join(self.tmp, "store.dbm"), "chunk_size": 256 * 1024}

    def make_store(self):
        return DbmDeliveryStore(**self.store_options())


class TestCrashDatabase(CrashTestMixin, TransactionTestCase):
    backend = "deliveries.stores.DatabaseDeliveryStore"

    def store_options(self):
        return {"chunk_size": 256 * 1024}

    def make_store(self):
        return DatabaseDeliveryStore(**self.store_options())
