"""DjangoStorageDeliveryStore passes the contract through FileSystemStorage and InMemoryStorage."""

import shutil
import tempfile

from django.core.files.base import ContentFile
from django.test import TestCase, override_settings

from deliveries.stores import DjangoStorageDeliveryStore, InvalidStoreError, Leftover
from deliveries.testhelpers import TestDeliveryStoreMixin

BASE_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


class StoragesMixin:
    """Runs each test with STORAGES holding a fresh alias from ``storage_config()``."""

    def setUp(self):
        self.tmpdir = tempfile.mkdtemp(prefix="deliverystore-django-")
        self.addCleanup(shutil.rmtree, self.tmpdir, ignore_errors=True)
        overridden = override_settings(STORAGES={**BASE_STORAGES, "deliveries": self.storage_config()})
        overridden.enable()
        self.addCleanup(overridden.disable)
        super().setUp()


class TestWithFileSystemStorage(StoragesMixin, TestDeliveryStoreMixin, TestCase):
    def storage_config(self):
        return {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": self.tmpdir}}

    def get_storageobj(self):
        return DjangoStorageDeliveryStore(alias="deliveries", chunk_size=64 * 1024)

    def test_stray_files_are_leftovers(self):
        """Files under the prefix that are not keys are leftovers, removable one by one."""
        self.store.storage.save("deliveries/sub/notes.txt", ContentFile(b"abc"))
        self.assertEqual(list(self.store.iter_objects()), [])
        leftovers = list(self.store.iter_leftovers())
        self.assertEqual([(x.kind, x.name, x.size) for x in leftovers], [("stray", "sub/notes.txt", 3)])
        self.store.remove_leftover(leftovers[0])
        self.assertEqual(list(self.store.iter_leftovers()), [])
        with self.assertRaisesMessage(ValueError, "not a path inside the store"):
            self.store.remove_leftover(Leftover("stray", "../x"))


class TestWithInMemoryStorage(StoragesMixin, TestDeliveryStoreMixin, TestCase):
    def storage_config(self):
        return {"BACKEND": "django.core.files.storage.InMemoryStorage"}

    def get_storageobj(self):
        return DjangoStorageDeliveryStore(alias="deliveries", prefix="files/in/memory")


class TestOptions(TestCase):
    def test_unknown_alias(self):
        """A missing STORAGES alias is a configuration error naming it."""
        store = DjangoStorageDeliveryStore(alias="nope")
        with self.assertRaisesMessage(InvalidStoreError, "STORAGES has no alias 'nope'"):
            store.exists("1")

    def test_bad_prefix(self):
        """Prefixes that climb or are empty are refused."""
        for prefix in ("", "../x", "a//b"):
            with self.subTest(prefix=prefix), self.assertRaisesMessage(InvalidStoreError, "relative directory"):
                DjangoStorageDeliveryStore(prefix=prefix)

    @override_settings(DELIVERY_STORE_STORAGE_ALIAS="other", DELIVERY_STORE_STORAGE_PREFIX="p")
    def test_defaults_from_settings(self):
        """Alias and prefix come from settings unless given."""
        store = DjangoStorageDeliveryStore()
        self.assertEqual((store.alias, store.prefix), ("other", "p"))
        self.assertEqual(DjangoStorageDeliveryStore(alias="x", prefix="y").alias, "x")
