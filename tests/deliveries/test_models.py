"""Delivery.begin / add_file / finish, FileMeta's invariants, and deletion of bytes after commit."""

import errno
import hashlib
import threading

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import TestCase, TransactionTestCase

from deliveries.models import AssignmentGroup, Delivery, FileMeta
from deliveries.stores import DeliveryStoreInterface, MemoryDeliveryStore, swap_deliverystore
from deliveries.testhelpers import make_delivery


class StoreTestMixin:
    """Each test gets a fresh MemoryDeliveryStore as FileMeta.deliverystore."""

    def setUp(self):
        super().setUp()
        swap = swap_deliverystore(FileMeta, MemoryDeliveryStore())
        self.store = swap.__enter__()
        self.addCleanup(swap.__exit__, None, None, None)


class FailingStore(DeliveryStoreInterface):
    """Wraps a store; its writers raise OSError(errno) after ``fail_after`` bytes."""

    def __init__(self, inner, fail_after, error=errno.ENOSPC):
        self.inner, self.fail_after, self.error = inner, fail_after, error

    def _write_open(self, key):
        writer = self.inner._write_open(key)
        original = writer._write
        store = self

        def failing_write(data):
            if writer.bytes_written + len(data) > store.fail_after:
                raise OSError(store.error, "No space left on device")
            original(data)

        writer._write = failing_write
        return writer

    def _read_open(self, key):
        return self.inner._read_open(key)

    def _exists(self, key):
        return self.inner._exists(key)

    def _remove(self, key):
        self.inner._remove(key)

    def _iter_objects(self):
        return self.inner._iter_objects()


class TestDelivery(StoreTestMixin, TestCase):
    def setUp(self):
        super().setUp()
        self.delivery = make_delivery()
        self.group = self.delivery.assignment_group

    def test_delivery_with_files(self):
        """Devilry's lost test: begin, add_file with str chunks, finish, read back."""
        fm = self.delivery.add_file("hello.txt", ["hello", " cruel", " world!"])
        self.delivery.add_file("test.txt", [b"test"])
        self.delivery.finish()
        with fm.read_open() as reader:
            self.assertEqual(reader.read(), b"hello cruel world!")
        self.assertTrue(Delivery.objects.get(pk=self.delivery.pk).successful)

    def test_size_and_checksum_computed_while_streaming(self):
        """size and SHA-256 are those of the bytes written; str chunks are UTF-8."""
        chunks = [b"\x00\x01", "æøå", b"x" * 100_000]
        fm = self.delivery.add_file("data.bin", chunks)
        data = b"\x00\x01" + "æøå".encode() + b"x" * 100_000
        fm.refresh_from_db()
        self.assertEqual(fm.size, len(data))
        self.assertEqual(fm.checksum, hashlib.sha256(data).hexdigest())

    def test_content_type_sniffed(self):
        """Bytes win over the name for the sniffed types."""
        png = self.delivery.add_file("notes.txt", [b"\x89PNG\r\n\x1a\n" + b"\0" * 20])
        code = self.delivery.add_file("main.py", ["print(1)\n"])
        fake = self.delivery.add_file("fake.png", [b"not an image"])
        self.assertEqual(png.content_type, "image/png")
        self.assertEqual(code.content_type, "text/x-python")
        self.assertEqual(fake.content_type, "application/octet-stream")

    def test_numbers_increment_per_group(self):
        """Each group numbers its deliveries 1, 2, 3..."""
        second = Delivery.begin(self.group)
        third = Delivery.begin(self.group)
        self.assertEqual([self.delivery.number, second.number, third.number], [1, 2, 3])
        self.assertFalse(third.successful)

    def test_duplicate_filename_refused(self):
        """A second file of the same name is a ValidationError, and the first stays intact."""
        first = self.delivery.add_file("a.txt", [b"one"])
        with self.assertRaisesMessage(ValidationError, "already has a file named a.txt"):
            self.delivery.add_file("a.txt", [b"two"])
        self.assertEqual(b"".join(self.store.iter_chunks(first)), b"one")

    def test_bad_filenames_refused_before_writing(self):
        """Refused names leave no row and no bytes."""
        for name in ("../x", "/etc/passwd", "a\x00b", "a/b", "a\\b", "..", "", "x" * 256, "tab\there"):
            with self.subTest(name=name), self.assertRaises(ValidationError):
                self.delivery.add_file(name, [b"data"])
        self.assertEqual(FileMeta.objects.count(), 0)
        self.assertEqual(list(self.store.iter_objects()), [])

    def test_filename_nfc_normalised(self):
        """A decomposed name is stored composed."""
        fm = self.delivery.add_file("e\u0301.txt", [b"x"])
        self.assertEqual(fm.filename, "\u00e9.txt")

    def test_iterable_raising_leaves_nothing(self):
        """If the chunks raise half way, no FileMeta and no bytes remain."""

        def chunks():
            yield b"first part"
            raise ConnectionResetError("client went away")

        with self.assertRaises(ConnectionResetError):
            self.delivery.add_file("upload.bin", chunks())
        self.assertFalse(FileMeta.objects.exists())
        self.assertEqual(list(self.store.iter_objects()), [])

    def test_disk_full_leaves_nothing(self):
        """ENOSPC during the write: a clear OSError, no row, no bytes, and the store still works."""
        inner = MemoryDeliveryStore()
        with swap_deliverystore(FileMeta, FailingStore(inner, fail_after=10)):
            with self.assertRaises(OSError) as cm:
                self.delivery.add_file("big.bin", [b"x" * 8, b"y" * 8])
        self.assertEqual(cm.exception.errno, errno.ENOSPC)
        self.assertFalse(FileMeta.objects.exists())
        self.assertEqual(list(inner.iter_objects()), [])
        with swap_deliverystore(FileMeta, inner):
            self.delivery.add_file("small.bin", [b"ok"])
        self.assertEqual(len(list(inner.iter_objects())), 1)

    def test_database_failing_after_bytes_leaves_nothing(self):
        """If saving size and checksum fails after the bytes committed, the bytes are removed."""
        original_save = FileMeta.save

        def failing_save(instance, *args, **kwargs):
            if kwargs.get("update_fields"):
                raise RuntimeError("database went away")
            return original_save(instance, *args, **kwargs)

        FileMeta.save = failing_save
        try:
            with self.assertRaisesMessage(RuntimeError, "database went away"):
                self.delivery.add_file("a.txt", [b"bytes"])
        finally:
            FileMeta.save = original_save
        self.assertFalse(FileMeta.objects.exists())
        self.assertEqual(list(self.store.iter_objects()), [])

    def test_str(self):
        """Every model has a readable __str__."""
        fm = self.delivery.add_file("a.txt", [b"x"])
        self.assertEqual(str(fm), "a.txt")
        self.assertIn("delivery #1", str(self.delivery))
        self.assertIn("store-subject.p.a", str(self.group))


class TestDeletion(StoreTestMixin, TransactionTestCase):
    """Bytes go only after the deletion commits (TransactionTestCase: real commits)."""

    def setUp(self):
        super().setUp()
        self.delivery = make_delivery()

    def test_delete_filemeta_removes_bytes(self):
        fm = self.delivery.add_file("a.txt", [b"x"])
        key = fm.key
        fm.delete()
        self.assertFalse(self.store.exists(key))
        self.assertEqual(list(self.store.iter_objects()), [])

    def test_rollback_keeps_bytes(self):
        """A deletion that rolls back keeps row and bytes."""
        fm = self.delivery.add_file("a.txt", [b"x"])
        with self.assertRaises(RuntimeError):
            with transaction.atomic():
                FileMeta.objects.filter(pk=fm.pk).delete()
                self.assertTrue(self.store.exists(fm))  # not yet: waits for the commit
                raise RuntimeError("rollback")
        self.assertTrue(FileMeta.objects.filter(pk=fm.pk).exists())
        self.assertTrue(self.store.exists(fm))

    def test_cascade_removes_bytes(self):
        """Deleting a group cascades to its deliveries' files and their bytes."""
        self.delivery.add_file("a.txt", [b"x"])
        self.delivery.add_file("b.txt", [b"y"])
        self.delivery.assignment_group.delete()
        self.assertFalse(FileMeta.objects.exists())
        self.assertEqual(list(self.store.iter_objects()), [])

    def test_failed_removal_leaves_orphan_not_error(self):
        """A store failing to remove bytes does not fail the deletion: the bytes stay as an orphan."""
        fm = self.delivery.add_file("a.txt", [b"x"])
        key = fm.key

        def broken_remove(k):
            raise OSError(errno.EIO, "I/O error")

        self.store._remove = broken_remove
        with self.assertLogs("deliveries.models", "ERROR"):
            fm.delete()
        self.assertFalse(FileMeta.objects.exists())
        self.assertEqual([o.key for o in self.store.iter_objects()], [key])


class TestConcurrentBegin(TransactionTestCase):
    """Delivery numbers never collide when many threads begin deliveries of one group at once."""

    def test_threads(self):
        group = make_delivery().assignment_group
        numbers, errors = [], []

        def begin():
            try:
                for _ in range(10):
                    numbers.append(Delivery.begin(group).number)
            except Exception as e:  # reported below
                errors.append(e)
            finally:
                connection.close()

        threads = [threading.Thread(target=begin) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(sorted(numbers), list(range(2, 42)))
        self.assertEqual(AssignmentGroup.objects.get(pk=group.pk).last_delivery_number, 41)
