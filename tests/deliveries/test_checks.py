"""System checks deliveries.E001-E005: each names what to set."""

import os
import shutil
import tempfile
from unittest import mock

from django.test import SimpleTestCase, override_settings

from deliveries.checks import check_deliverystore, check_upload_limits
from deliveries.stores import MemoryDeliveryStore, StoreFacts


class ShelfStore(MemoryDeliveryStore):
    """A store the checks have never heard of, writing to a "shelf" whose facts a test chooses."""

    writable = None

    def health_facts(self):
        problem = "" if self.writable is not False else "its shelf is locked. Set SHELF_KEY to a key that opens it."
        return StoreFacts("shelf", "in the basement", True, self.writable, "SHELF_KEY", problem)


class TestStoreChecks(SimpleTestCase):
    def ids(self):
        return [(e.id, e.msg) for e in check_deliverystore()]

    @override_settings(DELIVERY_STORE_BACKEND="no.such.Store")
    def test_e001_import(self):
        [(id_, msg)] = self.ids()
        self.assertEqual(id_, "deliveries.E001")
        self.assertIn("Set DELIVERY_STORE_BACKEND", msg)

    @override_settings(DELIVERY_STORE_BACKEND="deliveries.stores.FsDeliveryStore", DELIVERY_STORE_ROOT="")
    def test_e002_options(self):
        [(id_, msg)] = self.ids()
        self.assertEqual(id_, "deliveries.E002")
        self.assertIn("set DELIVERY_STORE_ROOT", msg)

    @override_settings(
        DELIVERY_STORE_BACKEND="deliveries.stores.DatabaseDeliveryStore", DELIVERY_STORE_CHUNK_SIZE="big"
    )
    def test_e002_bad_value(self):
        [(id_, msg)] = self.ids()
        self.assertEqual(id_, "deliveries.E002")
        self.assertIn("DatabaseDeliveryStore refuses chunk_size='big'", msg)

    def test_e003_root_not_writable(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        afile = os.path.join(tmp, "file")
        open(afile, "w").close()
        for root in (afile, os.path.join(afile, "below")):
            with (
                self.subTest(root=root),
                override_settings(DELIVERY_STORE_BACKEND="deliveries.stores.FsDeliveryStore", DELIVERY_STORE_ROOT=root),
            ):
                [(id_, msg)] = self.ids()
                self.assertEqual(id_, "deliveries.E003")
                self.assertIn("Set DELIVERY_STORE_ROOT", msg)
        readonly = os.path.join(tmp, "ro")
        os.mkdir(readonly, 0o500)
        # Root may write anywhere, so the kernel's answer is stood in for: the directory is not writable.
        with (
            override_settings(DELIVERY_STORE_BACKEND="deliveries.stores.FsDeliveryStore", DELIVERY_STORE_ROOT=readonly),
            mock.patch("deliveries.stores.base.os.access", return_value=False),
        ):
            [(id_, msg)] = self.ids()
        self.assertEqual(id_, "deliveries.E003")
        self.assertIn("is not writable by this process", msg)

    def test_e003_dbm_directory(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        afile = os.path.join(tmp, "file")
        open(afile, "w").close()
        with override_settings(
            DELIVERY_STORE_BACKEND="deliveries.stores.DbmDeliveryStore",
            DELIVERY_STORE_DBM_FILENAME=os.path.join(afile, "x.dbm"),
        ):
            [(id_, msg)] = self.ids()
        self.assertEqual(id_, "deliveries.E003")
        self.assertIn("DELIVERY_STORE_DBM_FILENAME", msg)

    @override_settings(DELIVERY_STORE_BACKEND="tests.deliveries.test_checks.ShelfStore")
    def test_e003_from_the_facts_alone(self):
        """E003 fires for any store whose facts say "not writable", with its problem and setting; the check knows no backend."""
        for writable, expected in ((None, []), (True, [])):
            with self.subTest(writable=writable), mock.patch.object(ShelfStore, "writable", writable):
                self.assertEqual(self.ids(), expected)
        with mock.patch.object(ShelfStore, "writable", False):
            [error] = check_deliverystore()
        self.assertEqual(
            (error.id, error.msg, error.hint),
            (
                "deliveries.E003",
                "ShelfStore: its shelf is locked. Set SHELF_KEY to a key that opens it.",
                "Set SHELF_KEY.",
            ),
        )

    def test_e005_empty_or_relative_paths(self):
        """A relative store path is refused by name, for the filesystem and the dbm store alike (empty: E002)."""
        cases = [
            ("deliveries.stores.FsDeliveryStore", "DELIVERY_STORE_ROOT", "var/store", "is relative"),
            ("deliveries.stores.DbmDeliveryStore", "DELIVERY_STORE_DBM_FILENAME", "x.dbm", "is relative"),
        ]
        for backend, setting, value, words in cases:
            with self.subTest(setting=setting, value=value):
                with override_settings(DELIVERY_STORE_BACKEND=backend, **{setting: value}):
                    [(id_, msg)] = self.ids()
                self.assertEqual(id_, "deliveries.E005")
                self.assertIn(f"{setting}={value!r} {words}", msg)
        with override_settings(
            DELIVERY_STORE_BACKEND="deliveries.stores.FsDeliveryStore", DELIVERY_STORE_ROOT="/srv/x"
        ):
            self.assertNotIn("deliveries.E005", [id_ for id_, _ in self.ids()])

    def test_healthy(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        with override_settings(
            DELIVERY_STORE_BACKEND="deliveries.stores.FsDeliveryStore", DELIVERY_STORE_ROOT=os.path.join(tmp, "new")
        ):
            self.assertEqual(self.ids(), [])

    def test_e003_each_mirrored_copy(self):
        """A mirrored store's replica whose root is a file: E003 names that copy and its setting."""
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        afile = os.path.join(tmp, "file")
        open(afile, "w").close()
        fs = "deliveries.stores.FsDeliveryStore"
        with override_settings(
            DELIVERY_STORE_BACKEND="deliveries.stores.MirroredDeliveryStore",
            DELIVERY_STORE_MIRROR_PRIMARY={"backend": fs, "options": {"root": os.path.join(tmp, "primary")}},
            DELIVERY_STORE_MIRROR_REPLICAS=[{"backend": fs, "options": {"root": afile}}],
        ):
            [error] = check_deliverystore()
        self.assertEqual(error.id, "deliveries.E003")
        self.assertIn(f"the replica 1, FsDeliveryStore at {afile}: its root is not a directory", error.msg)
        self.assertEqual(error.hint, "Set the replica 1's options in DELIVERY_STORE_MIRROR_REPLICAS.")


class TestUploadLimitChecks(SimpleTestCase):
    def test_e004_limits(self):
        """A hand-in limit of 0, below 0 or not a number is refused, naming the setting; the defaults pass."""
        self.assertEqual(check_upload_limits(), [])
        for setting in ("DELIVERY_UPLOAD_MAX_FILE_SIZE", "DELIVERY_UPLOAD_MAX_FILES", "DELIVERY_UPLOAD_MAX_TOTAL_SIZE"):
            for value in (0, -1, "10", True):
                with self.subTest(setting=setting, value=value), override_settings(**{setting: value}):
                    [error] = check_upload_limits()
                    self.assertEqual(error.id, "deliveries.E004")
                    self.assertIn(f"{setting} = {value!r}: a hand-in limit must be a whole number above 0", error.msg)
