"""
TestDeliveryStoreMixin: the whole DeliveryStore contract as tests.

Subclass it with a Django test case and implement ``get_storageobj()``, as in Devilry::

    class TestMyStore(TestDeliveryStoreMixin, django.test.TestCase):
        def get_storageobj(self):
            return MyStore(...)

The mixin must come first. Override ``setUp``/``tearDown`` freely, calling ``super()``. Stores
that need no database may use ``TransactionTestCase`` or ``TestCase`` alike: the mixin saves a
few FileMeta rows to get real keys.
"""

import hashlib
import os
import threading

from django.contrib.auth import get_user_model
from django.utils import timezone

from .stores import MARKER_KEY, DeliveryStoreFileNotFound, StoredObject

__all__ = ["TestDeliveryStoreMixin", "make_delivery"]


def make_delivery(prefix="store"):
    """Create a Subject > ... > Delivery chain and return the delivery (for store tests)."""
    from .models import Assignment, AssignmentGroup, Delivery, Period, Subject

    now = timezone.now()
    subject = Subject.objects.create(short_name=f"{prefix}-subject", long_name="Store tests")
    period = Period.objects.create(
        subject=subject, short_name="p", long_name="P", start_time=now, end_time=now + timezone.timedelta(days=90)
    )
    assignment = Assignment.objects.create(period=period, short_name="a", long_name="A")
    group = AssignmentGroup.objects.create(assignment=assignment, name="g")
    user, _ = get_user_model().objects.get_or_create(username=f"{prefix}-student")
    return Delivery.begin(group, user)


class TestDeliveryStoreMixin:
    """The DeliveryStore contract. Implement ``get_storageobj()``."""

    # Test runners must not collect the mixin itself (it has no store), only its subclasses.
    __test__ = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.__test__ = True

    #: Bytes written by the "larger than a chunk" test; subclasses may raise it.
    large_size = 3 * 1024 * 1024 + 17

    def get_storageobj(self):
        raise NotImplementedError("subclasses of TestDeliveryStoreMixin must provide get_storageobj()")

    def setUp(self):
        super().setUp()
        from .models import FileMeta

        self.store = self.get_storageobj()
        self.delivery = make_delivery()
        self.filemeta = FileMeta.objects.create(delivery=self.delivery, filename="test.txt", size=0, checksum="")
        self.filemeta2 = FileMeta.objects.create(delivery=self.delivery, filename="test2.txt", size=0, checksum="")

    def _write(self, filemeta, *chunks):
        with self.store.write_open(filemeta) as writer:
            for chunk in chunks:
                writer.write(chunk)

    def _read(self, filemeta):
        with self.store.read_open(filemeta) as reader:
            return reader.read()

    # ---- Devilry's three tests -----------------------------------------------------------------

    def test_writemany(self):
        """Many write() calls append; the bytes are readable after close()."""
        writer = self.store.write_open(self.filemeta)
        writer.write(b"hello")
        writer.write(b" world")
        writer.write(b"!")
        writer.close()
        self.assertEqual(self._read(self.filemeta), b"hello world!")

    def test_readwrite(self):
        """exists, read of a missing file, write, remove, and remove again."""
        self.assertFalse(self.store.exists(self.filemeta))
        with self.assertRaises(DeliveryStoreFileNotFound):
            self.store.read_open(self.filemeta)
        self._write(self.filemeta, b"hello")
        self.assertTrue(self.store.exists(self.filemeta))
        self.assertEqual(self._read(self.filemeta), b"hello")
        self.store.remove(self.filemeta)
        self.assertFalse(self.store.exists(self.filemeta))
        with self.assertRaises(DeliveryStoreFileNotFound):
            self.store.remove(self.filemeta)

    def test_copy(self):
        """copy() duplicates the bytes and leaves the source intact and independent."""
        self._write(self.filemeta, b"hello")
        self.store.copy(self.filemeta, self.filemeta2)
        self.assertEqual(self._read(self.filemeta2), b"hello")
        self._write(self.filemeta, b"changed")
        self.assertEqual(self._read(self.filemeta2), b"hello")
        self.store.remove(self.filemeta2)
        self.assertEqual(self._read(self.filemeta), b"changed")

    # ---- What Devilry never tested -------------------------------------------------------------

    def test_missing_is_builtin_file_not_found(self):
        """Missing bytes raise a subclass of the built-in FileNotFoundError."""
        with self.assertRaises(FileNotFoundError):
            self.store.read_open(self.filemeta)
        with self.assertRaises(FileNotFoundError):
            self.store.copy(self.filemeta, self.filemeta2)
        self.assertFalse(self.store.exists(self.filemeta2))

    def test_binary_bytes(self):
        """Every byte value survives the round trip."""
        data = bytes(range(256)) * 64
        self._write(self.filemeta, data[:1000], data[1000:])
        self.assertEqual(self._read(self.filemeta), data)

    def test_empty_file(self):
        """An empty file exists, reads as b'' and has size 0."""
        self._write(self.filemeta)
        self.assertTrue(self.store.exists(self.filemeta))
        self.assertEqual(self._read(self.filemeta), b"")
        self.assertEqual(self.store.size(self.filemeta), 0)

    def test_larger_than_chunk(self):
        """A file of several chunks, written in odd-sized pieces, reads back whole and in order."""
        data = os.urandom(self.large_size)
        step = 1024 * 1024 - 3
        self._write(self.filemeta, *(data[i : i + step] for i in range(0, len(data), step)))
        self.assertEqual(self.store.size(self.filemeta), len(data))
        self.assertEqual(hashlib.sha256(self._read(self.filemeta)).digest(), hashlib.sha256(data).digest())
        streamed = b"".join(self.store.iter_chunks(self.filemeta, chunk_size=65536))
        self.assertEqual(streamed, data)

    def test_rewrite_replaces(self):
        """Writing a key again replaces its bytes (a shorter rewrite leaves no tail)."""
        self._write(self.filemeta, b"a long first version")
        self._write(self.filemeta, b"short")
        self.assertEqual(self._read(self.filemeta), b"short")

    def test_ranged_reads(self):
        """Readers seek; iter_chunks reads any range, across chunk boundaries too."""
        data = os.urandom(self.large_size)
        self._write(self.filemeta, data)
        with self.store.read_open(self.filemeta) as reader:
            reader.seek(1000)
            self.assertEqual(reader.read(10), data[1000:1010])
            reader.seek(-5, os.SEEK_END)
            self.assertEqual(reader.read(), data[-5:])
        boundary = 1024 * 1024
        for start, length in ((0, 1), (boundary - 7, 20), (len(data) - 3, 100), (len(data), 10), (5, None)):
            with self.subTest(start=start, length=length):
                got = b"".join(self.store.iter_chunks(self.filemeta, start=start, length=length))
                end = None if length is None else start + length
                self.assertEqual(got, data[start:end])

    def test_exception_in_write_leaves_nothing(self):
        """An exception inside the with block leaves no bytes, and keeps the old ones on a rewrite."""
        with self.assertRaises(RuntimeError):
            with self.store.write_open(self.filemeta) as writer:
                writer.write(b"partial")
                raise RuntimeError("the upload broke")
        self.assertFalse(self.store.exists(self.filemeta))
        self.assertNotIn(self.store.key_for(self.filemeta), {o.key for o in self.store.iter_objects()})
        self._write(self.filemeta, b"old")
        with self.assertRaises(RuntimeError):
            with self.store.write_open(self.filemeta) as writer:
                writer.write(b"new and partial")
                raise RuntimeError("the upload broke again")
        self.assertEqual(self._read(self.filemeta), b"old")
        self.assertEqual([leftover for leftover in self.store.iter_leftovers() if leftover.kind == "temporary"], [])

    def test_unclosed_writer_is_invisible(self):
        """Bytes are invisible until close(); an abandoned writer leaves nothing."""
        writer = self.store.write_open(self.filemeta)
        writer.write(b"not yet")
        self.assertFalse(self.store.exists(self.filemeta))
        writer.abort()
        self.assertFalse(self.store.exists(self.filemeta))
        with self.assertRaises(ValueError):
            writer.write(b"more")

    def test_concurrent_writers(self):
        """Threads writing different files at once each get exactly their own bytes."""
        from .models import FileMeta

        filemetas = [
            FileMeta.objects.create(delivery=self.delivery, filename=f"t{i}.bin", size=0, checksum="") for i in range(8)
        ]
        payloads = {fm.pk: os.urandom(200_000 + i) for i, fm in enumerate(filemetas)}
        errors = []

        def write(fm):
            try:
                data = payloads[fm.pk]
                with self.store.write_open(fm) as writer:
                    for i in range(0, len(data), 4096):
                        writer.write(data[i : i + 4096])
            except Exception as e:  # reported below: a thread's exception would be lost
                errors.append(e)

        threads = [threading.Thread(target=write, args=(fm,)) for fm in filemetas]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        for fm in filemetas:
            self.assertEqual(self._read(fm), payloads[fm.pk])

    def test_listing(self):
        """iter_objects lists every key with its size, and nothing else."""
        self.assertEqual(list(self.store.iter_objects()), [])
        self._write(self.filemeta, b"12345")
        self._write(self.filemeta2, b"")
        listed = {o.key: o.size for o in self.store.iter_objects()}
        self.assertEqual(listed, {self.store.key_for(self.filemeta): 5, self.store.key_for(self.filemeta2): 0})
        self.assertTrue(all(isinstance(o, StoredObject) for o in self.store.iter_objects()))
        self.store.remove(self.filemeta)
        self.assertEqual([o.key for o in self.store.iter_objects()], [self.store.key_for(self.filemeta2)])

    def test_keep_aside(self):
        """keep_aside keeps the bytes as they were under a second key, whatever later happens to the first."""
        self._write(self.filemeta, b"damaged bytes")
        self.store.keep_aside(self.filemeta, "aside-1")
        self._write(self.filemeta, b"repaired")
        self.assertEqual(self._read("aside-1"), b"damaged bytes")
        self.store.remove(self.filemeta)
        self.assertEqual(self._read("aside-1"), b"damaged bytes")
        with self.assertRaises(DeliveryStoreFileNotFound):
            self.store.keep_aside(self.filemeta, "aside-2")
        self.assertFalse(self.store.exists("aside-2"))

    def test_marker_on_first_use(self):
        """The first write into an empty store writes its marker; listings never show it."""
        self.assertIsNone(self.store.read_marker())
        self._write(self.filemeta, b"12345")
        marker = self.store.read_marker()
        self.assertRegex(marker["store_id"], r"\A[0-9a-f]{32}\Z")
        self.assertEqual(marker["backend"], type(self.store).__name__)
        self.assertEqual([o.key for o in self.store.iter_objects()], [self.store.key_for(self.filemeta)])
        self._write(self.filemeta2, b"")
        self.assertEqual(self.store.read_marker(), marker)  # written once, not on every write

    def test_no_marker_for_a_store_with_objects(self):
        """A store holding objects but no marker (another place, or from before markers) is not marked by a write."""
        self._write(self.filemeta, b"12345")
        self.store.remove(MARKER_KEY)
        self.store._marked = False  # as a new process would find it
        self._write(self.filemeta2, b"67")
        self.assertIsNone(self.store.read_marker())
        written = self.store.write_marker("0123456789abcdef0123456789abcdef")  # what copystore and --adopt do
        self.assertEqual(self.store.read_marker(), written)
        self.assertEqual(written["store_id"], "0123456789abcdef0123456789abcdef")

    def test_not_a_marker(self):
        """Bytes under the marker's key that are no marker read as no marker."""
        for data in (
            b"",
            b"not json",
            b"[1, 2]",
            b'{"store_id": 7}',
            b'{"store_id": "x", "pad": "' + b"x" * 5000 + b'"}',
        ):
            with self.subTest(data=data[:20]):
                with self.store.write_open(MARKER_KEY) as writer:
                    writer.write(data)
                self.assertIsNone(self.store.read_marker())

    def test_keys_come_from_ids(self):
        """The key is the FileMeta's id, whatever its filename; unsafe keys are refused."""
        from django.core.exceptions import SuspiciousFileOperation

        self.filemeta.filename = "../../etc/passwd"
        self.assertEqual(self.store.key_for(self.filemeta), str(self.filemeta.pk))
        for bad in ("../x", "a/b", "", ".hidden", "x" * 200, "a\x00b"):
            with self.subTest(key=bad), self.assertRaises(SuspiciousFileOperation):
                self.store.exists(bad)
