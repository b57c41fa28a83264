"""DjangoStorageDeliveryStore passes the contract through FileSystemStorage and InMemoryStorage."""

import shutil
import tempfile
import uuid
from unittest import mock

import pytest
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


class RewriteMixin:
    """A rewrite leaves the old bytes or the new under the key, never nothing, whatever step fails."""

    def write(self, data):
        with self.store.write_open("5") as writer:
            writer.write(data)

    def read(self):
        with self.store.read_open("5") as reader:
            return reader.read()

    def temporaries(self):
        return [leftover for leftover in self.store.iter_leftovers() if leftover.kind == "temporary"]

    def test_rewrite_replaces(self):
        """Positive control: a rewrite puts the new bytes under the key and leaves nothing beside them."""
        self.write(b"old")
        self.write(b"new bytes")
        self.assertEqual(self.read(), b"new bytes")
        self.assertEqual(list(self.store.iter_leftovers()), [])

    def test_failed_save_keeps_the_old_bytes(self):
        """The storage refusing the new bytes: the key keeps the old ones."""
        self.write(b"old")
        storage = self.store.storage
        with mock.patch.object(type(storage), "_save", side_effect=OSError(28, "No space left on device")):
            with self.assertRaisesMessage(OSError, "No space left on device"):
                self.write(b"new bytes")
        self.assertEqual(self.read(), b"old")


class TestRewriteWithFileSystemStorage(StoragesMixin, RewriteMixin, TestCase):
    def storage_config(self):
        return {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": self.tmpdir}}

    def setUp(self):
        super().setUp()
        self.store = DjangoStorageDeliveryStore(alias="deliveries")

    def test_failed_rename_keeps_the_old_bytes(self):
        """The rename over the old bytes failing: the old bytes stay, and the new ones leave no temporary."""
        self.write(b"old")
        with mock.patch("deliveries.stores.django_storage.os.replace", side_effect=OSError(5, "Input/output error")):
            with self.assertRaisesMessage(OSError, "Input/output error"):
                self.write(b"new bytes")
        self.assertEqual(self.read(), b"old")
        self.assertEqual(list(self.store.iter_leftovers()), [])


class TestRewriteWithInMemoryStorage(StoragesMixin, RewriteMixin, TestCase):
    """A storage with neither local files nor overwriting saves: delete, then save, the new bytes kept aside."""

    def storage_config(self):
        return {"BACKEND": "django.core.files.storage.InMemoryStorage"}

    def setUp(self):
        super().setUp()
        self.store = DjangoStorageDeliveryStore(alias="deliveries")

    def test_failure_between_delete_and_save_keeps_the_new_bytes(self):
        """The one gap this API leaves: the error says where the new bytes are, a "temporary" leftover."""
        self.write(b"old")
        storage = self.store.storage
        real_save = type(storage)._save

        def second_save_fails(self_, name, content):
            if not name.rsplit("/", 1)[-1].startswith(".tmp-"):
                raise OSError(5, "Input/output error")
            return real_save(self_, name, content)

        with mock.patch.object(type(storage), "_save", second_save_fails):
            with self.assertRaisesMessage(OSError, "the new ones could not be saved in their place"):
                self.write(b"new bytes")
        [temporary] = self.temporaries()
        with storage.open(f"deliveries/{temporary.name}") as kept:
            self.assertEqual(kept.read(), b"new bytes")


@pytest.mark.usefixtures("seaweedfs_class")
class S3StorageMixin(StoragesMixin):
    """django-storages' S3Storage on the session's SeaweedFS, each test under its own location."""

    def storage_config(self):
        server = self.seaweedfs
        return {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": server.bucket,
                "endpoint_url": server.endpoint_url,
                "access_key": server.access_key,
                "secret_key": server.secret_key,
                "region_name": "us-east-1",
                "file_overwrite": True,
                "location": f"django-{uuid.uuid4().hex}",
            },
        }


class TestWithS3Storage(S3StorageMixin, TestDeliveryStoreMixin, TestCase):
    """The contract through a storage that overwrites on save."""

    large_size = 2 * 1024 * 1024 + 17

    def get_storageobj(self):
        return DjangoStorageDeliveryStore(alias="deliveries")


class TestRewriteWithS3Storage(S3StorageMixin, RewriteMixin, TestCase):
    """A rewrite through S3Storage is one PUT: a failed one leaves the old object."""

    def setUp(self):
        super().setUp()
        self.store = DjangoStorageDeliveryStore(alias="deliveries")


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
