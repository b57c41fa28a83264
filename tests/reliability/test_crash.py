"""Crash mid-write: SIGKILL a writer at random points, at least 50 times per backend."""

import os
import shutil
import tempfile

from django.test import TransactionTestCase

from deliveries.models import FileMeta
from deliveries.stores import DatabaseDeliveryStore, DbmDeliveryStore, FsDeliveryStore, swap_deliverystore
from deliveries.testhelpers import make_delivery

from .crash import run_trials

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
        self.record(report)

    def record(self, report):
        print(f"\n{type(self).__name__}: {report.trials} trials, {report.killed} killed mid-write, "
              f"{report.rows} complete files, {report.orphans} orphans, 0 problems")


class TestCrashFs(CrashTestMixin, TransactionTestCase):
    def make_store(self):
        return FsDeliveryStore(root=os.path.join(self.tmp, "store"))

    def test_sigkill_leaves_only_temporary_files(self):
        """What a killed fs writer leaves is a temporary file, which the listing reports as such."""
        run_trials(self.delivery, self.store, 10, self.size, max_delay=0.02, seed=3)
        kinds = {leftover.kind for leftover in self.store.iter_leftovers()}
        self.assertLessEqual(kinds, {"temporary"})


class TestCrashDbm(CrashTestMixin, TransactionTestCase):
    def make_store(self):
        return DbmDeliveryStore(filename=os.path.join(self.tmp, "store.dbm"), chunk_size=256 * 1024)


class TestCrashDatabase(CrashTestMixin, TransactionTestCase):
    def make_store(self):
        return DatabaseDeliveryStore(chunk_size=256 * 1024)
