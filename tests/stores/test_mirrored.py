"""MirroredDeliveryStore: all-or-nothing writes, verified reads that heal the primary (its contract runs in test_contract.py)."""

import hashlib
import io
import os
import shutil
import tempfile

from django.db import transaction
from django.test import TestCase, TransactionTestCase, override_settings

from deliveries.models import FileMeta, MissingCopy
from deliveries.stores import (
    DeliveryStoreDamaged,
    DeliveryStoreFileNotFound,
    FsDeliveryStore,
    InvalidStoreError,
    MemoryDeliveryStore,
    MirroredDeliveryStore,
    load_deliverystore_backend,
    swap_deliverystore,
)
from deliveries.stores.healing import is_quarantine_key, quarantined_key
from deliveries.testhelpers import make_delivery
from tests.support.flaky_store import FlakyStore

FS = "deliveries.stores.FsDeliveryStore"


class TempDirMixin:
    def setUp(self):
        self.tmpdir = tempfile.mkdtemp(prefix="mirrored-")
        self.addCleanup(shutil.rmtree, self.tmpdir, ignore_errors=True)
        super().setUp()


class MirroredMixin:
    """A mirrored store over a FlakyStore primary and replica, as FileMeta.deliverystore, and one delivery."""

    min_copies = 0
    verify_ahead = 1024

    def setUp(self):
        super().setUp()
        self.primary, self.replica = FlakyStore(), FlakyStore()
        self.store = MirroredDeliveryStore(
            self.primary, [self.replica], min_copies=self.min_copies, verify_ahead=self.verify_ahead
        )
        swap = swap_deliverystore(FileMeta, self.store)
        swap.__enter__()
        self.addCleanup(swap.__exit__, None, None, None)
        self.delivery = make_delivery("mirrored")

    def add(self, name, data):
        return self.delivery.add_file(name, [data])

    def put(self, store, filemeta, data):
        with store.write_open(filemeta) as writer:
            writer.write(data)

    def get(self, store, key):
        with store.read_open(key) as reader:
            return reader.read()

    def quarantined(self, store):
        return {
            quarantined_key(o.key): self.get(store, o.key) for o in store.iter_objects() if is_quarantine_key(o.key)
        }


class TestWrites(MirroredMixin, TestCase):
    def test_every_copy_holds_the_bytes(self):
        """add_file writes the complete bytes into the primary and the replica."""
        fm = self.add("a.txt", b"hand-in")
        self.assertEqual((self.get(self.primary, fm), self.get(self.replica, fm)), (b"hand-in", b"hand-in"))

    def test_failed_replica_fails_the_write(self):
        """A replica failing to open, write or commit fails add_file; no FileMeta, no bytes in any copy."""
        for failure in ("fail_open", "fail_write", "fail_commit"):
            with self.subTest(failure=failure):
                setattr(self.replica, failure, True)
                with self.assertRaisesMessage(OSError, "(injected)"):
                    self.add(f"{failure}.txt", b"x" * 100)
                setattr(self.replica, failure, False)
                self.assertFalse(FileMeta.objects.filter(filename=f"{failure}.txt").exists())
                self.assertEqual((list(self.primary.iter_objects()), list(self.replica.iter_objects())), ([], []))
                self.assertFalse(MissingCopy.objects.exists())

    def test_failed_primary_commit_rolls_back_the_replica(self):
        """The replica commits first; a primary that then fails has the replica's bytes removed again."""
        self.primary.fail_commit = True
        with self.assertRaisesMessage(OSError, "I/O error on commit (injected)"):
            self.add("a.txt", b"data")
        self.assertEqual(list(self.replica.iter_objects()), [])
        self.assertFalse(FileMeta.objects.exists())

    def test_exception_inside_the_write_leaves_nothing(self):
        """A failing upload (the chunks raise) leaves nothing in either copy."""

        def chunks():
            yield b"first part"
            raise ConnectionResetError("the browser went away")

        with self.assertRaises(ConnectionResetError):
            self.delivery.add_file("a.txt", chunks())
        self.assertEqual((list(self.primary.iter_objects()), list(self.replica.iter_objects())), ([], []))


class TestDegradedWrites(MirroredMixin, TestCase):
    min_copies = 1

    def test_missing_replica_is_recorded(self):
        """With min_copies=1 a failing replica is left out: the write succeeds and the missing copy is recorded."""
        self.replica.fail_commit = True
        fm = self.add("a.txt", b"data")
        self.assertEqual(self.get(self.primary, fm), b"data")
        self.assertFalse(self.replica.exists(fm))
        missing = MissingCopy.objects.get()
        self.assertEqual((missing.key, missing.copy, missing.store), (str(fm.pk), "replica 1", self.replica.describe()))
        self.assertIn("I/O error on commit (injected)", missing.reason)

    def test_record_commits_with_the_filemeta(self):
        """The record is written in add_file's transaction: a rollback takes both away."""
        self.replica.fail_write = True
        with self.assertRaisesMessage(RuntimeError, "rolled back"):
            with transaction.atomic():
                self.add("a.txt", b"data")
                self.assertEqual(MissingCopy.objects.count(), 1)
                raise RuntimeError("rolled back")
        self.assertFalse(MissingCopy.objects.exists())

    def test_primary_is_never_left_out(self):
        """The primary failing fails the write whatever min_copies says."""
        self.primary.fail_open = True
        with self.assertRaisesMessage(OSError, "Connection refused (injected)"):
            self.add("a.txt", b"data")
        self.assertEqual(list(self.replica.iter_objects()), [])


class TestVerifiedReads(MirroredMixin, TestCase):
    """Reads given a FileMeta: files up to verify_ahead (1 KiB here) are verified before any byte is returned."""

    def setUp(self):
        super().setUp()
        self.data = os.urandom(900)
        self.fm = self.add("small.bin", self.data)

    def test_missing_primary_is_served_and_rewritten(self):
        """Primary bytes gone: the read is served from the replica and the primary gets them back."""
        self.primary.remove(self.fm)
        with self.assertLogs("deliveries.stores.mirrored", "WARNING") as logs:
            self.assertEqual(self.get(self.store, self.fm), self.data)
        self.assertEqual(self.get(self.primary, self.fm), self.data)
        self.assertIn("Repaired key", "\n".join(logs.output))
        self.assertEqual(self.quarantined(self.primary), {})

    def test_damaged_primary_is_quarantined_and_repaired(self):
        """Each kind of damage: served from the replica, the primary repaired, its bad bytes kept aside."""
        other = self.add("other.bin", os.urandom(900))
        flipped = bytearray(self.data)
        flipped[10] ^= 0xFF
        for kind, bad in (
            ("truncated", self.data[:-1]),
            ("flipped", bytes(flipped)),
            ("another file", self.get(self.primary, other)),
            ("longer", self.data + b"!"),
        ):
            with self.subTest(kind=kind):
                self.put(self.primary, self.fm, bad)
                with self.assertLogs("deliveries.stores.mirrored", "WARNING"):
                    self.assertEqual(self.get(self.store, self.fm), self.data)
                self.assertEqual(self.get(self.primary, self.fm), self.data)
                kept = [v for k, v in self.quarantined(self.primary).items() if k == str(self.fm.pk)]
                self.assertIn(bad, kept)

    def test_unreadable_primary_is_served_but_not_repaired(self):
        """A primary that fails to read (not damage) is passed over for the replica and never written."""
        self.put(self.primary, self.fm, b"kept as it is")
        self.primary.fail_read = True
        with self.assertLogs("deliveries.stores.mirrored", "WARNING"):
            self.assertEqual(self.get(self.store, self.fm), self.data)
        self.primary.fail_read = False
        self.assertEqual(self.get(self.primary, self.fm), b"kept as it is")
        self.assertEqual(self.quarantined(self.primary), {})

    def test_every_copy_damaged(self):
        """No good copy: DeliveryStoreDamaged naming each; nothing is written anywhere."""
        self.put(self.primary, self.fm, b"bad one")
        self.put(self.replica, self.fm, b"bad two")
        with (
            self.assertLogs("deliveries.stores.mirrored", "WARNING"),
            self.assertRaisesMessage(
                DeliveryStoreDamaged, "primary: 7 bytes, recorded 900; replica 1: 7 bytes, recorded 900"
            ),
        ):
            self.store.read_open(self.fm)
        self.assertEqual((self.get(self.primary, self.fm), self.get(self.replica, self.fm)), (b"bad one", b"bad two"))

    def test_missing_everywhere_and_unreadable(self):
        """In no copy: DeliveryStoreFileNotFound; missing here and unreadable there: an OSError, not damage."""
        self.primary.remove(self.fm)
        self.replica.remove(self.fm)
        with self.assertRaisesMessage(DeliveryStoreFileNotFound, "in no copy"):
            self.store.read_open(self.fm)
        self.replica.fail_read = True
        with self.assertLogs("deliveries.stores.mirrored", "WARNING"), self.assertRaises(OSError) as caught:
            self.store.read_open(self.fm)
        self.assertNotIsInstance(caught.exception, (DeliveryStoreDamaged, FileNotFoundError))

    def test_key_only_reads_fall_back_unverified(self):
        """Given a key, a missing primary falls back to the replica; damage cannot be seen without the FileMeta."""
        self.primary.remove(self.fm)
        self.assertEqual(self.get(self.store, str(self.fm.pk)), self.data)
        self.assertFalse(self.primary.exists(self.fm))
        self.put(self.primary, self.fm, b"wrong")
        self.assertEqual(self.get(self.store, str(self.fm.pk)), b"wrong")

    def test_intact_primary_alone_is_read(self):
        """Positive control: an intact primary is served and the replica is not read at all."""
        self.assertEqual(self.get(self.store, self.fm), self.data)
        self.assertEqual((self.primary.reads, self.replica.reads), (1, 0))


class TestStreamingReads(MirroredMixin, TestCase):
    """Files bigger than verify_ahead stream; damage at the end fails the last read instead of completing it."""

    verify_ahead = 1000

    def setUp(self):
        super().setUp()
        self.data = os.urandom(100_000)
        self.fm = self.add("big.bin", self.data)

    def read_in_chunks(self, store, target, size=7000):
        got = bytearray()
        with store.read_open(target) as reader:
            while chunk := reader.read(size):
                got += chunk
        return bytes(got)

    def test_wrong_size_primary_streams_from_replica_and_is_repaired(self):
        """A truncated primary is seen at open: the replica streams, and the primary is repaired once read whole."""
        self.put(self.primary, self.fm, self.data[:500])
        with self.assertLogs("deliveries.stores.mirrored", "WARNING"):
            self.assertEqual(self.read_in_chunks(self.store, self.fm), self.data)
        self.assertEqual(self.get(self.primary, self.fm), self.data)
        self.assertIn(self.data[:500], self.quarantined(self.primary).values())

    def test_partial_read_repairs_nothing(self):
        """A reader closed half way publishes nothing over the damaged primary."""
        self.primary.remove(self.fm)
        with self.store.read_open(self.fm) as reader:
            self.assertEqual(reader.read(5000), self.data[:5000])
        self.assertFalse(self.primary.exists(self.fm))

    def test_same_size_damage_fails_the_last_read(self):
        """A flipped byte: the bytes before the end are returned, the final read raises, the primary is repaired."""
        flipped = bytearray(self.data)
        flipped[50_000] ^= 1
        self.put(self.primary, self.fm, bytes(flipped))
        got = bytearray()
        with self.assertLogs("deliveries.stores.mirrored", "WARNING"):
            with self.assertRaisesMessage(DeliveryStoreDamaged, "primary copy: SHA-256 differs"):
                with self.store.read_open(self.fm) as reader:
                    while chunk := reader.read(7000):
                        got += chunk
        self.assertLess(len(got), len(self.data))  # never a complete file of wrong bytes
        self.assertEqual(self.get(self.primary, self.fm), self.data)
        self.assertEqual(self.read_in_chunks(self.store, self.fm), self.data)
        self.assertIn(bytes(flipped), self.quarantined(self.primary).values())

    def test_ranged_reads_are_not_verified(self):
        """A reader that seeks reads a range: it is served as stored, without a verdict."""
        flipped = bytearray(self.data)
        flipped[-1] ^= 1
        self.put(self.primary, self.fm, bytes(flipped))
        chunks = b"".join(self.store.iter_chunks(self.fm, start=10, length=len(self.data)))
        self.assertEqual(chunks, bytes(flipped[10:]))

    def test_iter_chunks_of_the_whole_file_is_verified(self):
        """iter_chunks from 0 with the recorded length verifies at the last chunk, as downloads read."""
        self.replica.remove(self.fm)
        self.assertEqual(b"".join(self.store.iter_chunks(self.fm, start=0, length=self.fm.size)), self.data)
        self.assertEqual(self.replica.reads, 0)


class TestRemoveAndList(MirroredMixin, TestCase):
    def test_remove_removes_every_copy(self):
        """remove() takes the bytes out of every copy; a key in one copy only is removed too; none raises."""
        fm = self.add("a.txt", b"a")
        self.store.remove(fm)
        self.assertFalse(self.primary.exists(fm) or self.replica.exists(fm))
        self.put(self.replica, fm, b"only here")
        self.assertTrue(self.store.exists(fm))
        self.store.remove(fm)
        self.assertFalse(self.store.exists(fm))
        with self.assertRaises(DeliveryStoreFileNotFound):
            self.store.remove(fm)

    def test_listing_is_the_union(self):
        """iter_objects lists each key once, whichever copies hold it."""
        a, b = self.add("a.txt", b"aa"), self.add("b.txt", b"bbb")
        self.primary.remove(b)
        self.put(self.replica, "77", b"7")
        self.assertEqual(
            sorted((o.key, o.size) for o in self.store.iter_objects()),
            sorted([(str(a.pk), 2), (str(b.pk), 3), ("77", 1)]),
        )

    def test_size_falls_back(self):
        """size() answers from the replica when the primary lacks the key."""
        fm = self.add("a.txt", b"abc")
        self.primary.remove(fm)
        self.assertEqual(self.store.size(fm), 3)


class TestLeftovers(TempDirMixin, TestCase):
    def test_leftovers_name_their_copy(self):
        """Each copy's leftovers are listed as '<copy>: <name>' and removed from that copy."""
        store = MirroredDeliveryStore(
            {"backend": FS, "options": {"root": f"{self.tmpdir}/a"}},
            [{"backend": FS, "options": {"root": f"{self.tmpdir}/b"}}],
        )
        os.makedirs(f"{self.tmpdir}/b/_keys")
        with open(f"{self.tmpdir}/b/_keys/.tmp-x-1", "wb") as f:
            f.write(b"half")
        (leftover,) = store.iter_leftovers()
        self.assertEqual((leftover.kind, leftover.name), ("temporary", "replica 1: _keys/.tmp-x-1"))
        store.remove_leftover(leftover)
        self.assertFalse(os.path.exists(f"{self.tmpdir}/b/_keys/.tmp-x-1"))


class TestConfiguration(TempDirMixin, TestCase):
    def test_from_settings(self):
        """DELIVERY_STORE_MIRROR_* build the copies; options left out take each backend's defaults."""
        with override_settings(
            DELIVERY_STORE_BACKEND="deliveries.stores.MirroredDeliveryStore",
            DELIVERY_STORE_MIRROR_PRIMARY={"backend": FS, "options": {"root": f"{self.tmpdir}/a"}},
            DELIVERY_STORE_MIRROR_REPLICAS=[{"backend": FS, "options": {"root": f"{self.tmpdir}/b"}}],
            DELIVERY_STORE_MIRROR_MIN_COPIES=1,
            DELIVERY_STORE_FSYNC=False,
        ):
            store = load_deliverystore_backend()
        self.assertEqual([c.name for c in store.copies()], ["primary", "replica 1"])
        self.assertEqual([c.store.root for c in store.copies()], [f"{self.tmpdir}/a", f"{self.tmpdir}/b"])
        self.assertEqual((store.min_copies, store.copies()[1].store.fsync), (1, False))
        self.assertEqual(
            store.describe(),
            f"MirroredDeliveryStore (primary: FsDeliveryStore at {self.tmpdir}/a; replica 1: FsDeliveryStore at {self.tmpdir}/b)",
        )

    def test_refusals(self):
        """Each misconfiguration is an InvalidStoreError saying what to set."""
        fs = {"backend": FS, "options": {"root": self.tmpdir}}
        cases = [
            ({"replicas": [fs]}, "MirroredDeliveryStore needs a primary: set DELIVERY_STORE_MIRROR_PRIMARY."),
            ({"primary": fs}, "MirroredDeliveryStore needs a replicas: set DELIVERY_STORE_MIRROR_REPLICAS."),
            ({"primary": fs, "replicas": []}, "refuses replicas=[]: it must be a list of at least one store"),
            ({"primary": {}, "replicas": [fs]}, 'primary must look like {"backend": "deliveries.stores'),
            ({"primary": {"root": "/x"}, "replicas": [fs]}, 'primary must look like {"backend": "deliveries.stores'),
            ({"primary": fs, "replicas": [{"backend": FS, "options": "root=/x"}]}, '"options" must be a JSON object'),
            ({"primary": fs, "replicas": [{"backend": "nope.Store"}]}, "does not import"),
            (
                {"primary": fs, "replicas": [{"backend": FS, "options": {"bogus": 1}}]},
                "FsDeliveryStore refuses the options",
            ),
            (
                {"primary": fs, "replicas": [{"backend": "deliveries.stores.MirroredDeliveryStore"}]},
                "replica 1 cannot itself be a MirroredDeliveryStore",
            ),
            ({"primary": fs, "replicas": [fs], "min_copies": 3}, "refuses min_copies=3: it keeps only 2 copies"),
            ({"primary": fs, "replicas": [fs], "verify_ahead": -1}, "refuses verify_ahead=-1"),
        ]
        for options, message in cases:
            with self.subTest(message=message), self.assertRaisesMessage(InvalidStoreError, message):
                load_deliverystore_backend("deliveries.stores.MirroredDeliveryStore", **options)

    def test_bounded_memory_for_big_streams(self):
        """A 20 MiB file streams through the verifying reader holding about one chunk, not the file."""
        import tracemalloc

        store = MirroredDeliveryStore(
            {"backend": FS, "options": {"root": f"{self.tmpdir}/a", "fsync": False}},
            [{"backend": FS, "options": {"root": f"{self.tmpdir}/b", "fsync": False}}],
        )
        delivery = make_delivery("memory")
        with swap_deliverystore(FileMeta, store):
            block = os.urandom(1024 * 1024)
            fm = delivery.add_file("big.bin", (block for _ in range(20)))
            tracemalloc.start()
            try:
                digest = hashlib.sha256()
                for chunk in store.iter_chunks(fm):
                    digest.update(chunk)
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
        self.assertEqual(digest.hexdigest(), fm.checksum)
        self.assertLess(peak, 4 * 1024 * 1024)


class TestMirroredRealFiles(TempDirMixin, TransactionTestCase):
    def test_read_repairs_a_file_on_disk(self):
        """On the filesystem: a deleted primary file is back on disk after one download-style read."""
        store = MirroredDeliveryStore(
            {"backend": FS, "options": {"root": f"{self.tmpdir}/a", "fsync": False}},
            [{"backend": FS, "options": {"root": f"{self.tmpdir}/b", "fsync": False}}],
        )
        with swap_deliverystore(FileMeta, store):
            fm = make_delivery("disk").add_file("a.txt", [b"on disk"])
            primary = store.copies()[0].store
            primary.remove(fm)
            with self.assertLogs("deliveries.stores.mirrored", "WARNING"):
                self.assertEqual(b"".join(store.iter_chunks(fm)), b"on disk")
            with primary.read_open(fm) as reader:
                self.assertEqual(reader.read(), b"on disk")


class TestVerifyingReaderSeeks(MirroredMixin, TestCase):
    verify_ahead = 10

    def test_seek_to_the_current_position_keeps_verifying(self):
        """seek(0) before reading (as some readers do) still verifies the whole read."""
        data = os.urandom(5000)
        fm = self.add("a.bin", data)
        flipped = bytearray(data)
        flipped[0] ^= 1
        self.put(self.primary, fm, bytes(flipped))
        with self.assertLogs("deliveries.stores.mirrored", "WARNING"), self.assertRaises(DeliveryStoreDamaged):
            with self.store.read_open(fm) as reader:
                reader.seek(0)
                reader.read()
        self.assertEqual(self.get(self.primary, fm), data)
        self.assertIsInstance(self.store.read_open(fm), io.RawIOBase)


class TestVerifyEveryCopy(MirroredMixin, TestCase):
    """The one verification reads each copy of a mirrored store on its own, and writes nothing."""

    def setUp(self):
        super().setUp()
        self.fm = self.add("a.bin", b"evidence" * 100)

    def test_outcomes(self):
        """Intact if a copy is (naming the bad ones); else corrupt, else unreadable, else missing."""
        from deliveries.integrity import Outcome, verify_filemeta

        result = verify_filemeta(self.fm, save=False)
        self.assertEqual((result.outcome, result.detail), (Outcome.INTACT, "size and SHA-256 match in every copy"))
        self.put(self.primary, self.fm, b"tampered")
        result = verify_filemeta(self.fm)
        self.assertEqual(result.outcome, Outcome.INTACT)
        self.assertEqual(
            result.detail,
            "size and SHA-256 match in the replica 1 copy; primary: corrupt (size differs: read 8 bytes, recorded 800)",
        )
        self.assertEqual(self.get(self.primary, self.fm), b"tampered")  # verifying repairs nothing
        self.replica.fail_read = True
        self.assertEqual(verify_filemeta(self.fm, save=False).outcome, Outcome.CORRUPT)
        self.primary.remove(self.fm)
        result = verify_filemeta(self.fm)
        self.assertEqual(result.outcome, Outcome.UNREADABLE)
        self.fm.refresh_from_db()
        self.assertEqual(self.fm.status, FileMeta.Status.INTACT)  # a failed read records nothing
        self.replica.fail_read = False
        self.replica.remove(self.fm)
        self.assertEqual(verify_filemeta(self.fm, save=False).outcome, Outcome.MISSING)


class TestDownloadsThroughAMirror(MirroredMixin, TestCase):
    """The admin's download of a file whose primary copy is damaged."""

    verify_ahead = 4096

    def download(self, fm):
        from django.test import RequestFactory

        from deliveries.serving.downloads import download_response

        request = RequestFactory().get("/x")
        request.user = None
        return download_response(request, fm)

    def test_small_file_is_served_whole_from_the_replica(self):
        """A missing primary: 200 with every byte, and the primary has them again."""
        data = os.urandom(3000)
        fm = self.add("a.bin", data)
        self.primary.remove(fm)
        with self.assertLogs("deliveries.stores.mirrored", "WARNING"):
            response = self.download(fm)
            self.assertEqual(b"".join(response.streaming_content), data)
        self.assertEqual(self.get(self.primary, fm), data)

    def test_big_damaged_file_is_cut_short(self):
        """A flipped byte in a streamed file: the body stops before its end (never whole and wrong); the next is whole."""
        data = os.urandom(50_000)
        fm = self.add("big.bin", data)
        flipped = bytearray(data)
        flipped[-10] ^= 1
        self.put(self.primary, fm, bytes(flipped))
        got = bytearray()
        with self.assertLogs("deliveries.stores.mirrored", "WARNING"), self.assertRaises(DeliveryStoreDamaged):
            for chunk in self.download(fm).streaming_content:
                got += chunk
        self.assertLess(len(got), len(data))
        self.assertEqual(b"".join(self.download(fm).streaming_content), data)


class TestPrepare(TempDirMixin, TestCase):
    def test_prepare_then_close(self):
        """A filesystem writer's prepare() makes the data durable; close() publishes it; nothing may be written between."""
        store = FsDeliveryStore(root=self.tmpdir)
        writer = store.write_open("7")
        writer.write(b"data")
        writer.prepare()
        self.assertFalse(store.exists("7"))
        with self.assertRaisesMessage(ValueError, "write to a delivery store writer after prepare()"):
            writer.write(b"more")
        writer.close()
        self.assertEqual(b"".join(store.iter_chunks("7")), b"data")

    def test_a_failing_prepare_fails_the_mirrored_write(self):
        """A copy whose prepare() fails is rolled back with the others: nothing anywhere."""
        from unittest import mock

        fs = {"backend": FS, "options": {"root": f"{self.tmpdir}/a"}}
        store = MirroredDeliveryStore(fs, [{"backend": FS, "options": {"root": f"{self.tmpdir}/b"}}])
        replica = store.copies()[1].store
        real = os.fsync

        def failing(fd):
            if os.path.realpath(f"/proc/self/fd/{fd}").startswith(replica.root):
                raise OSError(5, "Input/output error")
            return real(fd)

        with mock.patch("deliveries.stores.filesystem.os.fsync", failing):
            with self.assertRaisesMessage(OSError, "Input/output error"):
                with store.write_open("8") as writer:
                    writer.write(b"data")
        self.assertEqual((list(store.iter_objects()), list(store.iter_leftovers())), ([], []))


class TestCopystoreIntoAMirror(MirroredMixin, TestCase):
    def test_a_copy_missing_from_one_replica_is_written(self):
        """copystore skips a file only when every copy of a mirrored target holds it intact."""
        from deliveries.operations.copying import COPIED, SKIPPED, copy_one

        source = MemoryDeliveryStore()
        fm = self.add("a.bin", b"evidence")
        with source.write_open(fm) as writer:
            writer.write(b"evidence")
        self.assertEqual(copy_one(source, self.store, fm), SKIPPED)
        self.replica.remove(fm)
        self.assertEqual(copy_one(source, self.store, fm), COPIED)
        self.assertEqual((self.get(self.primary, fm), self.get(self.replica, fm)), (b"evidence", b"evidence"))
