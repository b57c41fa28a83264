"""Crash mid-write: SIGKILL a writer at random points, at least 50 times per backend."""

import hashlib
import json
import os
import random
import shutil
import tempfile
from io import StringIO

from django.core.management import CommandError, call_command
from django.test import TransactionTestCase

from deliveries.models import FileMeta
from deliveries.stores import (
    DatabaseDeliveryStore,
    DbmDeliveryStore,
    FsDeliveryStore,
    MirroredDeliveryStore,
    swap_deliverystore,
)
from deliveries.stores.healing import is_quarantine_key
from deliveries.testhelpers import make_delivery
from tests.support.crash import kill_after, run_trials, time_child
from tests.support.damage import KINDS, damage, read

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
        options = [
            arg
            for key, value in self.store_options().items()
            for arg in ("--option", f"{key}={value if isinstance(value, str) else json.dumps(value)}")
        ]
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


class TestCrashMirrored(CrashTestMixin, TransactionTestCase):
    """A filesystem primary and replica: a killed write leaves complete bytes in every copy or no row."""

    backend = "deliveries.stores.MirroredDeliveryStore"

    def store_options(self):
        fs = "deliveries.stores.FsDeliveryStore"
        return {
            "primary": {"backend": fs, "options": {"root": os.path.join(self.tmp, "primary")}},
            "replicas": [{"backend": fs, "options": {"root": os.path.join(self.tmp, "replica")}}],
        }

    def make_store(self):
        return MirroredDeliveryStore(**self.store_options())

    def test_sigkill_mid_repair(self):
        """checkstore --deep --repair killed at random points: every copy is whole (good or as damaged), never half-repaired."""
        payloads = [hashlib.sha256(str(i).encode()).digest() * 8192 for i in range(12)]
        files = [self.delivery.add_file(f"r{i}.bin", [data]) for i, data in enumerate(payloads)]
        primary, replica = (copy.store for copy in self.store.copies())
        allowed = {}  # (copy store, pk) -> digests a copy may hold after a kill: the good one, or its damage

        def damage_all():
            """The same damage every trial: good bytes put back, then damaged again (each kind, both copies)."""
            for i, fm in enumerate(files[:8]):
                target = primary if i % 2 == 0 else replica
                with target.write_open(fm) as writer:
                    writer.write(payloads[i])
                damage(target, fm, KINDS[i % len(KINDS)], files[(i + 1) % len(files)])
                state = read(target, fm) if target.exists(fm) else None
                allowed[(target, fm.pk)] = {fm.checksum, hashlib.sha256(state).hexdigest() if state else None}

        def repair():
            call_command("checkstore", "--deep", "--repair", "--json", stdout=StringIO(), stderr=StringIO())

        damage_all()
        full = time_child(repair)
        rng = random.Random(11)
        trials = max(10, TRIALS // 2)
        finished = 0
        for _ in range(trials):
            damage_all()
            finished += kill_after(repair, rng.uniform(0, 1.5 * full))
            for fm in files:
                for copy_store in (primary, replica):
                    held = hashlib.sha256(read(copy_store, fm)).hexdigest() if copy_store.exists(fm) else None
                    self.assertIn(held, allowed.get((copy_store, fm.pk), {fm.checksum}), f"file {fm.pk}")
            damaged = {d for digests in allowed.values() for d in digests if d}
            for copy_store in (primary, replica):
                for obj in copy_store.iter_objects():
                    if is_quarantine_key(obj.key):
                        self.assertIn(hashlib.sha256(read(copy_store, obj.key)).hexdigest(), damaged)
        self.assertLess(finished, trials, "no trial was killed before the repair finished")
        status, found = self.checkstore("--repair")
        self.assertEqual(status, 0, found)
        status, found = self.checkstore()
        self.assertLessEqual({p["code"] for p in found["problems"]}, {"TEMP_LEFTOVER"}, found)
        print(
            f"\n{type(self).__name__}: {trials} repairs killed at random points, {finished} finished first; then repaired and clean"
        )
