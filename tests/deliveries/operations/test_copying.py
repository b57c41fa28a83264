"""deliveries.operations.copying: copy every FileMeta's bytes into another store, verified and resumable."""

import hashlib
import shutil
import tempfile

from django.test import TestCase

from deliveries.models import FileMeta
from deliveries.operations.copying import CopyFailure, copy_store
from deliveries.stores import FsDeliveryStore, MemoryDeliveryStore, swap_deliverystore
from deliveries.stores.memory import _MemoryWriter
from deliveries.testhelpers import make_delivery
from tests.support.store_faults import ReadFailingStore

CONTENTS = {f"file{i}.txt": (b"line %d\n" % i) * (1000 * i + 1) for i in range(6)}


class _FlippingWriter(_MemoryWriter):
    def _commit(self):
        data = bytearray(self._buffer.getvalue())
        if data:
            data[0] ^= 0xFF
        self._buffer.seek(0)
        self._buffer.write(data)
        super()._commit()


class CorruptingStore(MemoryDeliveryStore):
    """A target that damages the first byte of every file it stores."""

    def _write_open(self, key):
        return _FlippingWriter(key, self)


class CopyMixin:
    """Seeds CONTENTS into a memory source store installed as FileMeta.deliverystore."""

    def setUp(self):
        super().setUp()
        self.source = MemoryDeliveryStore()
        swap = swap_deliverystore(FileMeta, self.source)
        swap.__enter__()
        self.addCleanup(swap.__exit__, None, None, None)
        delivery = make_delivery("copy")
        self.filemetas = [delivery.add_file(name, [data]) for name, data in CONTENTS.items()]
        self.tmpdir = tempfile.mkdtemp(prefix="copystore-")
        self.addCleanup(shutil.rmtree, self.tmpdir, ignore_errors=True)
        self.target = FsDeliveryStore(root=self.tmpdir, fsync=False)

    def source_snapshot(self):
        return {key: bytes(data) for key, data in self.source._objects.items()}

    def assert_target_holds_everything(self):
        for filemeta in self.filemetas:
            with self.target.read_open(filemeta) as reader:
                self.assertEqual(reader.read(), CONTENTS[filemeta.filename])


class TestCopyStore(CopyMixin, TestCase):
    def test_copies_everything_and_leaves_the_source_alone(self):
        """Every file arrives intact; the source's bytes are exactly as before."""
        before = self.source_snapshot()
        report = copy_store(self.source, self.target, jobs=3)
        self.assertEqual((report.copied, report.skipped, report.failures), (len(CONTENTS), 0, []))
        self.assertEqual(report.copied_bytes, sum(map(len, CONTENTS.values())))
        self.assert_target_holds_everything()
        self.assertEqual(self.source_snapshot(), before)

    def test_resumes_skipping_what_arrived_intact(self):
        """A second run copies only what is missing or damaged in the target."""
        copy_store(self.source, self.target, jobs=2)
        damaged, lost = self.filemetas[1], self.filemetas[2]
        with self.target.write_open(damaged) as writer:
            writer.write(b"damaged")
        self.target.remove(lost)
        report = copy_store(self.source, self.target, jobs=2)
        self.assertEqual((report.copied, report.skipped, report.failures), (2, len(CONTENTS) - 2, []))
        self.assert_target_holds_everything()

    def test_dry_run_writes_nothing(self):
        """A dry run counts what it would copy and writes nothing."""
        copy_store(self.source, self.target, queryset=FileMeta.objects.filter(pk=self.filemetas[0].pk))
        report = copy_store(self.source, self.target, dry_run=True)
        self.assertEqual((report.dry_run, report.copied, report.skipped), (True, len(CONTENTS) - 1, 1))
        self.assertEqual([o.key for o in self.target.iter_objects()], [str(self.filemetas[0].pk)])

    def test_source_problems_are_reported_not_copied(self):
        """Missing and corrupt source bytes fail their file only; nothing of them reaches the target."""
        missing, corrupt = self.filemetas[0], self.filemetas[3]
        self.source.remove(missing)
        with self.source.write_open(corrupt) as writer:
            writer.write(b"not what was delivered")
        report = copy_store(self.source, self.target, jobs=2)
        reasons = {f.filemeta_id: f.reason for f in report.failures}
        self.assertEqual(reasons[missing.pk], "missing in the source")
        self.assertIn("differ from the recorded size and SHA-256", reasons[corrupt.pk])
        self.assertEqual(report.copied, len(CONTENTS) - 2)
        self.assertFalse(self.target.exists(missing))
        self.assertFalse(self.target.exists(corrupt))

    def test_damage_on_arrival_is_caught_and_removed(self):
        """A copy that reads back differently from the target is removed and reported."""
        target = CorruptingStore()
        report = copy_store(self.source, target, jobs=2)
        self.assertEqual(report.copied, 0)
        self.assertEqual(len(report.failures), len(CONTENTS))
        self.assertTrue(all("differs in size or SHA-256; removed" in f.reason for f in report.failures))
        self.assertEqual(list(target.iter_objects()), [])

    def test_progress_counts_bytes(self):
        """The progress bar's total and updates are the files' bytes."""
        bars = []

        class Bar:
            def __init__(self, total, unit, desc):
                self.total, self.done, self.closed = total, 0, False
                bars.append(self)

            def update(self, n):
                self.done += n

            def close(self):
                self.closed = True

        copy_store(self.source, self.target, progress=Bar)
        total = sum(map(len, CONTENTS.values()))
        self.assertEqual((bars[0].total, bars[0].done, bars[0].closed), (total, total, True))

    def test_unreadable_target_is_not_called_damaged(self):
        """A target whose reads fail: each copy fails with "could not read", is not called corrupt, and is removed."""
        target = ReadFailingStore()
        target.failing = True
        report = copy_store(self.source, target, jobs=2)
        self.assertEqual(report.copied, 0)
        self.assertEqual({f.reason for f in report.failures}, {"could not read the copy back: Input/output error"})
        self.assertEqual(list(target.iter_objects()), [])
        # Positive control: the same target, reading again, takes every file.
        target.failing = False
        self.assertEqual(copy_store(self.source, target, jobs=2).copied, len(CONTENTS))

    def test_unreadable_copy_already_there_is_kept(self):
        """A copy the target holds but cannot read is reported and left alone: it may well be intact."""
        target = ReadFailingStore()
        copy_store(self.source, target)
        target.failing = True
        report = copy_store(self.source, target)
        self.assertEqual({f.reason for f in report.failures}, {"could not read the target's copy: Input/output error"})
        self.assertEqual(len(list(target.iter_objects())), len(CONTENTS))

    def test_jobs_must_be_positive(self):
        """jobs < 1 is refused."""
        with self.assertRaisesMessage(ValueError, "jobs must be at least 1"):
            copy_store(self.source, self.target, jobs=0)

    def test_failure_record(self):
        """A CopyFailure names the file and the reason."""
        self.source.remove(self.filemetas[0])
        report = copy_store(self.source, self.target)
        self.assertEqual(report.failures, [CopyFailure(self.filemetas[0].pk, "file0.txt", "missing in the source")])
        self.assertFalse(report.ok)
        self.assertEqual(hashlib.sha256(CONTENTS["file1.txt"]).hexdigest(), self.filemetas[1].checksum)
