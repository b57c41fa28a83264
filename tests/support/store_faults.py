"""
Fault injection: stores whose reads fail with EIO (ReadFailingStore) or whose n-th write fails
(FailOnNthWriteStore), a reader that fails part way (FailingReader: a disk, or a client's broken
connection), and for checkstore tests a mixin that seeds a few files into a store, and helpers
that run the command and return its exit status and JSON.
"""

import errno
import io
import json
import os
import shutil
import tempfile
from datetime import timedelta
from io import StringIO

from django.core.management import CommandError, call_command

from deliveries import health
from deliveries.stores import MemoryDeliveryStore
from deliveries.stores.base import MARKER_KEY
from deliveries.testhelpers import make_delivery
from tests.support.store_mixins import SwappedStoreMixin

CONTENTS = [b"print('hello')\n", b"A report.\n" * 300, bytes(range(256)) * 5000]
STRAY_KEY = "987654321"


class FailingReader(io.BytesIO):
    """A reader over ``data`` that hands out its first ``fail_after`` bytes, then raises EIO."""

    def __init__(self, data, fail_after):
        super().__init__(data)
        self._size, self._fail_after = len(data), fail_after

    def _allowed(self, want):
        pos = self.tell()
        want = min(want, self._size - pos)
        if want <= 0:
            return 0  # the end of the file reads as ever
        if pos >= self._fail_after:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return min(want, self._fail_after - pos)

    def read(self, size=-1):
        return super().read(self._allowed(self._size if size is None or size < 0 else size))

    def readinto(self, buffer):
        return super().readinto(memoryview(buffer)[: self._allowed(len(buffer))])


class ReadFailingStore(MemoryDeliveryStore):
    """
    A MemoryDeliveryStore whose reads fail with EIO while ``failing`` is set, as a failing disk or
    an NFS hiccup does: a reader hands out the first ``fail_after`` bytes (0: none), then raises
    ``OSError(EIO)``. ``only_keys``, when set, limits the failures to those keys. Writes, listings
    and sizes keep working.
    """

    def __init__(self, *, fail_after=0, **options):
        super().__init__(**options)
        self.fail_after = fail_after
        self.failing = False
        self.only_keys = None

    def _read_open(self, key):
        if not self.failing or (self.only_keys is not None and key not in self.only_keys):
            return super()._read_open(key)
        return FailingReader(self._get(key), self.fail_after)


def run_checkstore(*args):
    """Run checkstore; return (exit status, stdout). Exit 0 when it returns, else the CommandError's."""
    out, err = StringIO(), StringIO()
    try:
        call_command("checkstore", *args, stdout=out, stderr=err)
    except CommandError as e:
        return e.returncode, out.getvalue()
    return 0, out.getvalue()


def run_checkstore_json(*args):
    """Run checkstore --json --min-age 0; return (exit status, parsed JSON)."""
    status, out = run_checkstore("--json", "--min-age", "0", *args)
    return status, json.loads(out)


class TempDirMixin:
    def setUp(self):
        self.tmpdir = tempfile.mkdtemp(prefix="checkstore-")
        self.addCleanup(shutil.rmtree, self.tmpdir, ignore_errors=True)
        super().setUp()


class StoreFaultsMixin(SwappedStoreMixin):
    """
    Seeds three files through ``get_store()`` (installed as FileMeta.deliverystore) and injects
    the faults every backend can suffer. Subclasses add their own (leftovers, symlinks, config).
    """

    def setUp(self):
        super().setUp()
        delivery = make_delivery("checkstore")
        self.files = [delivery.add_file(f"file{i}.bin", [data]) for i, data in enumerate(CONTENTS)]

    def leaf_dir(self):
        """Where (relative to an FsDeliveryStore's root) the first file lives: found, not assumed."""
        key = str(self.files[0].pk)
        for dirpath, _, names in os.walk(self.store.root):
            if key in names:
                return os.path.relpath(dirpath, self.store.root)
        raise AssertionError(f"key {key} is not under {self.store.root}")

    def check(self, **kwargs):
        return health.check_store(self.store, **{"min_age": timedelta(0), **kwargs})

    def rewrite(self, filemeta, data):
        with self.store.write_open(filemeta) as writer:
            writer.write(data)

    def codes(self, report):
        return sorted((str(p.code), p.filemeta) for p in report.problems)

    def assert_problem(self, doc, code, filemeta, key):
        """The JSON names exactly this one problem: code, FileMeta id, key, and the file's name, delivery and group."""
        self.assertEqual([(p["code"], p["filemeta"], p["key"]) for p in doc["problems"]], [(code, filemeta, key)])
        self.assertEqual(doc["summary"]["counts"], {code: 1})
        if filemeta is not None:
            row = next(f for f in self.files if f.pk == filemeta)
            group = row.delivery.assignment_group
            named = {
                k: doc["problems"][0][k] for k in ("filename", "delivery", "delivery_label", "group", "group_label")
            }
            self.assertEqual(
                named,
                {
                    "filename": row.filename,
                    "delivery": row.delivery_id,
                    "delivery_label": f"delivery #{row.delivery.number}",
                    "group": group.pk,
                    "group_label": str(group),
                },
            )

    # ---- the marker ------------------------------------------------------------------------------

    def test_store_without_marker_is_refused(self):
        """A store with no marker while files are recorded: exit 2 naming --adopt, not a MISSING per file."""
        from deliveries.models import FileMeta, StoreCheckRun
        from deliveries.stores import MARKER_KEY

        self.store.remove(MARKER_KEY)
        status, doc = run_checkstore_json()
        self.assertEqual(status, 2)
        self.assertIn("holds no store marker, yet files are recorded", doc["error"])
        self.assertIn("manage.py checkstore --adopt", doc["error"])
        self.assertEqual(StoreCheckRun.objects.latest("started").exit_code, 2)
        self.assertEqual(set(FileMeta.objects.values_list("status", flat=True)), {"unverified"})

    def test_adopt(self):
        """--adopt marks a store whose files are all there, and refuses (exit 1, no marker) one that misses some."""
        from deliveries.stores import MARKER_KEY

        self.store.remove(MARKER_KEY)
        self.store.remove(self.files[0])
        status, doc = run_checkstore_json("--adopt")
        self.assertEqual((status, doc["adopted"]), (1, False))
        self.assertEqual(doc["summary"]["counts"], {"MISSING": 1})
        self.assertIsNone(self.store.read_marker())
        self.rewrite(self.files[0], CONTENTS[0])
        self.assertIsNone(self.store.read_marker())  # a write into a store with objects marks nothing
        status, out = run_checkstore("--adopt")
        self.assertEqual(status, 0)
        marker = self.store.read_marker()
        self.assertEqual(
            out.splitlines()[-1],
            f"adopted: {self.store.describe()} holds store marker {marker['store_id']}: exit status 0",
        )
        self.assertEqual(run_checkstore_json()[0], 0)
        with self.assertRaisesMessage(CommandError, "--adopt checks every file with a light check: leave out --deep"):
            call_command("checkstore", "--adopt", "--deep", stdout=StringIO())

    # ---- the faults -----------------------------------------------------------------------------

    def test_healthy_store(self):
        """An intact store passes light and deep checks with exit 0 and no problems."""
        for level in ([], ["--deep"]):
            with self.subTest(level=level):
                status, doc = run_checkstore_json(*level)
                self.assertEqual((status, doc["ok"], doc["problems"]), (0, True, []))
                self.assertEqual(doc["summary"]["files"], 3)
        _, doc = run_checkstore_json("--deep")
        self.assertEqual(doc["summary"]["bytes_read"], sum(map(len, CONTENTS)))

    def test_deleted_bytes_are_missing(self):
        """Bytes removed behind the database's back: MISSING, exit 1, at both levels."""
        fm = self.files[1]
        self.store.remove(fm)
        for level in ([], ["--deep"]):
            with self.subTest(level=level):
                status, doc = run_checkstore_json(*level)
                self.assertEqual((status, doc["ok"]), (1, False))
                self.assert_problem(doc, "MISSING", fm.pk, str(fm.pk))

    def test_stray_key_is_orphan(self):
        """An object no FileMeta owns: ORPHAN, exit 0, exit 1 with --fail-on-orphans."""
        self.rewrite(STRAY_KEY, b"nobody's")
        status, doc = run_checkstore_json()
        self.assertEqual((status, doc["ok"]), (0, True))
        self.assert_problem(doc, "ORPHAN", None, STRAY_KEY)
        status, doc = run_checkstore_json("--fail-on-orphans")
        self.assertEqual((status, doc["ok"]), (1, False))

    def test_truncated_is_size_mismatch(self):
        """A shorter object: SIZE_MISMATCH from the listing alone (light), and deep."""
        fm = self.files[2]
        self.rewrite(fm, CONTENTS[2][:-1])
        for level in ([], ["--deep"]):
            with self.subTest(level=level):
                status, doc = run_checkstore_json(*level)
                self.assertEqual(status, 1)
                self.assert_problem(doc, "SIZE_MISMATCH", fm.pk, str(fm.pk))

    def test_flipped_byte_needs_deep(self):
        """One flipped byte, same size: the light check cannot see it, the deep one says HASH_MISMATCH."""
        fm = self.files[2]
        data = bytearray(CONTENTS[2])
        data[len(data) // 2] ^= 0x01
        self.rewrite(fm, bytes(data))
        status, doc = run_checkstore_json()
        self.assertEqual((status, doc["problems"]), (0, []))
        for jobs in ("1", "2") if self.threads_ok else ("1",):
            with self.subTest(jobs=jobs):
                status, doc = run_checkstore_json("--deep", "--jobs", jobs)
                self.assertEqual(status, 1)
                self.assert_problem(doc, "HASH_MISMATCH", fm.pk, str(fm.pk))

    #: Whether worker threads see the test's data (not for a store in the test's transaction).
    threads_ok = True


class LeftoverFaultsMixin:
    """For stores that report leftovers: a temporary left by an interrupted write."""

    def make_temp_leftover(self):
        """Leave a temporary behind as a crashed writer would; return its name."""
        raise NotImplementedError("subclasses of LeftoverFaultsMixin must provide make_temp_leftover()")

    def test_temp_leftover(self):
        """A temporary left by a crashed write: TEMP_LEFTOVER, which fails only with --fail-on-orphans."""
        name = self.make_temp_leftover()
        status, doc = run_checkstore_json()
        self.assertEqual((status, doc["ok"]), (0, True))
        self.assert_problem(doc, "TEMP_LEFTOVER", None, name)
        status, _ = run_checkstore_json("--fail-on-orphans")
        self.assertEqual(status, 1)


class FailOnNthWriteStore(MemoryDeliveryStore):
    """
    A MemoryDeliveryStore whose ``fail_on``-th writer of a file (counting from 1; the store's own
    marker does not count) raises OSError(ENOSPC) on its first write.
    """

    def __init__(self, fail_on, **kwargs):
        super().__init__(**kwargs)
        self.fail_on = fail_on
        self.writers = 0

    def _write_open(self, key):
        writer = super()._write_open(key)
        if key == MARKER_KEY:
            return writer
        self.writers += 1
        if self.writers == self.fail_on:

            def fail(data):
                raise OSError(errno.ENOSPC, "No space left on device")

            writer._write = fail
        return writer
