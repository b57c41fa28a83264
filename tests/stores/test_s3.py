"""S3DeliveryStore against a real SeaweedFS server started by the test session."""

import hashlib
import os
import pickle
import signal
import socket
import threading
import tracemalloc
import urllib.request
import uuid
from unittest import mock

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError
from django.test import TestCase, TransactionTestCase, override_settings

from deliveries.models import FileMeta
from deliveries.stores import InvalidStoreError, S3DeliveryStore, S3StoreUnavailable, swap_deliverystore
from deliveries.stores import s3 as s3_module
from deliveries.testhelpers import TestDeliveryStoreMixin, make_delivery

MiB = 1024 * 1024


def _closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.usefixtures("seaweedfs_class")
class S3Mixin:
    """Builds stores on the session's SeaweedFS, each test under its own prefix."""

    def make_store(self, **options):
        server = self.seaweedfs
        defaults = {
            "bucket": server.bucket,
            "prefix": getattr(self, "prefix", None) or f"t-{uuid.uuid4().hex}",
            "endpoint_url": server.endpoint_url,
            "region": "us-east-1",
            "access_key_id": server.access_key,
            "secret_access_key": server.secret_key,
        }
        return S3DeliveryStore(**{**defaults, **options})

    def raw_client(self):
        return self.seaweedfs.client()


class TestS3DeliveryStore(S3Mixin, TestDeliveryStoreMixin, TestCase):
    def get_storageobj(self):
        return self.make_store()


class TestS3DeliveryStoreMultipart(S3Mixin, TestDeliveryStoreMixin, TestCase):
    """The whole contract again with objects big enough to go multipart."""

    large_size = 2 * 5 * MiB + 17

    def get_storageobj(self):
        return self.make_store(part_size=5 * MiB)


class TestS3DeliveryStoreChecksumsOff(S3Mixin, TestDeliveryStoreMixin, TestCase):
    """The contract with no checksum headers at all (servers that reject them)."""

    large_size = 5 * MiB + 1

    def get_storageobj(self):
        return self.make_store(checksums="off", part_size=5 * MiB)


class TestS3Writes(S3Mixin, TestCase):
    def setUp(self):
        self.prefix = f"t-{uuid.uuid4().hex}"
        self.store = self.make_store(part_size=8 * MiB, upload_threads=2)
        self.delivery = make_delivery()
        self.filemeta = FileMeta.objects.create(delivery=self.delivery, filename="a.bin", size=0, checksum="")

    def _uploads(self):
        return [leftover for leftover in self.store.iter_leftovers() if leftover.kind == "temporary"]

    def test_multipart_64_mib_with_bounded_memory(self):
        """A 64 MiB add_file goes multipart, holds a few parts at most, and records the SHA-256 on the object."""
        block = os.urandom(MiB)
        expected = hashlib.sha256(block * 64).hexdigest()
        self.store.exists(self.filemeta)  # load botocore's models before measuring
        tracemalloc.start()
        try:
            with swap_deliverystore(FileMeta, self.store):
                filemeta = self.delivery.add_file("big.bin", (block for _ in range(64)))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        # One part filling and upload_threads in flight; one more of slack for botocore and the test.
        self.assertLess(peak, (self.store.upload_threads + 2) * self.store.part_size)
        self.assertEqual((filemeta.size, filemeta.checksum), (64 * MiB, expected))
        head = self.raw_client().head_object(Bucket=self.store.bucket, Key=self.store._object_key(str(filemeta.pk)))
        self.assertTrue(head["ETag"].strip('"').endswith("-8"), head["ETag"])
        self.assertEqual(self.store.object_sha256(filemeta), expected)
        self.assertEqual(self._uploads(), [])

    def test_small_object_sha256_in_metadata(self):
        """A single-PUT object carries its SHA-256 as x-amz-meta-sha256."""
        with self.store.write_open(self.filemeta) as writer:
            writer.write(b"hello")
        head = self.raw_client().head_object(
            Bucket=self.store.bucket, Key=self.store._object_key(str(self.filemeta.pk))
        )
        self.assertEqual(head["Metadata"]["sha256"], hashlib.sha256(b"hello").hexdigest())
        self.assertEqual(self.store.object_sha256(self.filemeta), hashlib.sha256(b"hello").hexdigest())

    def test_checksum_switch(self):
        """checksums='sha256' sends x-amz-checksum-sha256 with every upload of bytes; 'off' sends no checksum header."""
        cases = [("sha256", 10, True), ("sha256", 6 * MiB, True), ("off", 10, False), ("off", 6 * MiB, False)]
        for checksums, size, expected in cases:
            with self.subTest(checksums=checksums, size=size):
                store = self.make_store(checksums=checksums, part_size=5 * MiB)
                sent = []

                def record(request, sent=sent, **kwargs):
                    # The bytes' requests (PutObject, UploadPart); boto3 always checksums PutObjectTagging.
                    if request.method == "PUT" and "tagging" not in request.url:
                        sent.append({k.lower() for k in request.headers if "checksum" in k.lower()})

                store.client.meta.events.register("before-send.s3", record)
                with store.write_open(self.filemeta) as writer:
                    writer.write(b"x" * size)
                self.assertTrue(sent)
                for headers in sent:
                    self.assertEqual("x-amz-checksum-sha256" in headers, expected, headers)
                    if not expected:
                        self.assertEqual(headers, set())

    def test_exception_aborts_multipart_upload(self):
        """An exception after some parts aborts the upload: no object, no upload in flight."""
        with self.assertRaises(RuntimeError), self.store.write_open(self.filemeta) as writer:
            writer.write(os.urandom(17 * MiB))
            self.assertEqual(len(self._uploads()), 1)
            raise RuntimeError("client went away")
        self.assertFalse(self.store.exists(self.filemeta))
        self.assertEqual(self._uploads(), [])

    def test_failed_tagging_after_a_multipart_rewrite_keeps_the_new_bytes(self):
        """Tagging that fails after a multipart rewrite (or copy) completed: the key holds the new bytes, never nothing."""
        store = self.make_store(part_size=5 * MiB)
        old, new = os.urandom(11 * MiB), os.urandom(11 * MiB + 3)
        with store.write_open(self.filemeta) as writer:
            writer.write(old)
        real_call = store._call

        def failing_tagging(operation, key, **kwargs):
            if operation == "put_object_tagging":
                raise S3StoreUnavailable("the tagging request timed out")
            return real_call(operation, key, **kwargs)

        with mock.patch.object(store, "_call", side_effect=failing_tagging):
            with self.assertLogs("deliveries.stores.s3", "WARNING") as logs:
                with store.write_open(self.filemeta) as writer:
                    writer.write(new)
        self.assertIn("its bytes are in place, untagged", logs.output[0])
        self.assertEqual(b"".join(store.iter_chunks(self.filemeta)), new)
        self.assertEqual(store.object_sha256(self.filemeta), "")  # unknown, not wrong
        # Positive control: with tagging working, the rewrite is tagged.
        with store.write_open(self.filemeta) as writer:
            writer.write(old)
        self.assertEqual(store.object_sha256(self.filemeta), hashlib.sha256(old).hexdigest())
        # A multipart copy onto an existing key whose tagging fails: the copy is in place.
        other = FileMeta.objects.create(delivery=self.delivery, filename="b.bin", size=0, checksum="")
        with store.write_open(other) as writer:
            writer.write(b"other's old bytes")
        with (
            mock.patch.object(store, "_call", side_effect=failing_tagging),
            mock.patch.object(s3_module, "MAX_COPY_OBJECT", MiB),
        ):
            with self.assertLogs("deliveries.stores.s3", "WARNING"):
                store.copy(self.filemeta, other)
        self.assertEqual(b"".join(store.iter_chunks(other)), old)

    def test_create_only_refuses_to_replace(self):
        """With create_only, a second write (or a copy) onto a key raises FileExistsError and keeps the first bytes."""
        store = self.make_store(part_size=5 * MiB, create_only=True)
        with store.write_open(self.filemeta) as writer:
            writer.write(b"first")
        for size in (10, 11 * MiB):
            with self.subTest(size=size):
                with self.assertRaisesMessage(FileExistsError, "exists and create_only is set"):
                    with store.write_open(self.filemeta) as writer:
                        writer.write(b"x" * size)
                with store.read_open(self.filemeta) as reader:
                    self.assertEqual(reader.read(), b"first")
        other = FileMeta.objects.create(delivery=self.delivery, filename="b.bin", size=0, checksum="")
        with store.write_open(other) as writer:
            writer.write(b"other")
        with self.assertRaisesMessage(FileExistsError, "exists and create_only is set"):
            store.copy(other, self.filemeta)
        with store.read_open(self.filemeta) as reader:
            self.assertEqual(reader.read(), b"first")
        self.assertEqual([leftover for leftover in store.iter_leftovers() if leftover.kind == "temporary"], [])

    def test_copy_of_objects_beyond_copy_object_limit(self):
        """Objects beyond CopyObject's limit are copied part by part on the server, hash tag included."""
        data = os.urandom(11 * MiB)
        store = self.make_store(part_size=5 * MiB)
        with store.write_open(self.filemeta) as writer:
            writer.write(data)
        other = FileMeta.objects.create(delivery=self.delivery, filename="b.bin", size=0, checksum="")
        with mock.patch.object(s3_module, "MAX_COPY_OBJECT", MiB):
            store.copy(self.filemeta, other)
        self.assertEqual(b"".join(store.iter_chunks(other)), data)
        self.assertEqual(store.object_sha256(other), hashlib.sha256(data).hexdigest())


class TestS3Reads(S3Mixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.delivery = make_delivery()
        cls.filemeta = FileMeta.objects.create(delivery=cls.delivery, filename="r.bin", size=0, checksum="")

    def setUp(self):
        self.store = self.make_store(part_size=8 * MiB, chunk_size=MiB)

    def test_peak_memory_bounded_reading_large_object(self):
        """Streaming a 48 MiB object holds a few chunks in memory, not the object; ranges come back exact."""
        block = os.urandom(MiB)
        with self.store.write_open(self.filemeta) as writer:
            for _ in range(48):
                writer.write(block)
        digest = hashlib.sha256()
        tracemalloc.start()
        try:
            for chunk in self.store.iter_chunks(self.filemeta):
                digest.update(chunk)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        self.assertLess(peak, 8 * MiB)
        self.assertEqual(digest.hexdigest(), hashlib.sha256(block * 48).hexdigest())
        for start, length in ((0, 10), (MiB - 5, 10), (47 * MiB + 3, 5 * MiB), (30 * MiB, 0)):
            with self.subTest(start=start, length=length):
                got = b"".join(self.store.iter_chunks(self.filemeta, start=start, length=length))
                self.assertEqual(got, (block * 48)[start : start + length])

    def test_ranged_reads_use_range_requests(self):
        """A seek then a short read asks the server for that range only."""
        data = os.urandom(3 * MiB)
        with self.store.write_open(self.filemeta) as writer:
            writer.write(data)
        ranges = []
        client = self.store.client
        real_get = client.get_object

        def spy(**kwargs):
            ranges.append(kwargs["Range"])
            return real_get(**kwargs)

        with mock.patch.object(client, "get_object", side_effect=spy), self.store.read_open(self.filemeta) as reader:
            reader.seek(2 * MiB + 5)
            self.assertEqual(reader.read(7), data[2 * MiB + 5 : 2 * MiB + 12])
            reader.seek(100)
            self.assertEqual(reader.read(3), data[100:103])
        self.assertEqual(ranges, [f"bytes={2 * MiB + 5}-", "bytes=100-"])

    def test_stream_dropped_by_the_server_is_reopened(self):
        """A stream that fails between reads (an idle timeout) is reopened once at the same position."""
        data = os.urandom(3 * MiB)
        with self.store.write_open(self.filemeta) as writer:
            writer.write(data)

        class DroppedStream:
            def read(self, amt=None):
                raise ReadTimeoutError(endpoint_url="the test")

            def close(self):
                pass

        opened = []
        real_get = self.store.client.get_object
        with mock.patch.object(
            self.store.client, "get_object", side_effect=lambda **kw: opened.append(kw["Range"]) or real_get(**kw)
        ):
            with self.store.read_open(self.filemeta) as reader:
                first = reader.read(MiB + 5)
                position = reader.raw.tell()
                reader.raw._body.close()
                reader.raw._body = DroppedStream()
                self.assertEqual(first + reader.read(), data)
        self.assertEqual(opened, ["bytes=0-", f"bytes={position}-"])

    def test_stream_failing_twice_names_the_endpoint(self):
        """A stream that fails again after reopening raises S3StoreUnavailable naming the endpoint."""
        with self.store.write_open(self.filemeta) as writer:
            writer.write(b"x" * MiB)
        with mock.patch("botocore.response.StreamingBody.read", side_effect=ReadTimeoutError(endpoint_url="e")):
            with self.store.read_open(self.filemeta) as reader:
                with self.assertRaisesMessage(S3StoreUnavailable, f"S3 endpoint {self.seaweedfs.endpoint_url}"):
                    reader.read()

    def test_object_replaced_mid_read_fails(self):
        """A reader pinned to one version fails rather than mixing it with a replacement."""
        self.store.chunk_size = 64 * 1024
        with self.store.write_open(self.filemeta) as writer:
            writer.write(b"a" * MiB)
        with self.store.read_open(self.filemeta) as reader:
            reader.read(10)
            with self.store.write_open(self.filemeta) as writer:
                writer.write(b"b" * MiB)
            reader.seek(500_000)
            with self.assertRaisesMessage(OSError, "changed while it was being read"):
                reader.read(10)

    def test_presigned_url_downloads_as_attachment(self):
        """presigned_url gives a working, attachment-disposition URL for the bytes."""
        with self.store.write_open(self.filemeta) as writer:
            writer.write(b"presigned bytes")
        url = self.store.presigned_url(self.filemeta, "rapport æøå.pdf", expires=60, content_type="application/pdf")
        with urllib.request.urlopen(url, timeout=10) as response:
            self.assertEqual(response.read(), b"presigned bytes")
            self.assertEqual(response.headers["Content-Type"], "application/pdf")
            self.assertEqual(
                response.headers["Content-Disposition"], "attachment; filename*=utf-8''rapport%20%C3%A6%C3%B8%C3%A5.pdf"
            )


class TestS3Leftovers(S3Mixin, TestCase):
    def test_leftovers_listed_and_removed(self):
        """Unfinished multipart uploads and non-key objects are leftovers, not objects; both can be removed."""
        store = self.make_store()
        client = self.raw_client()
        upload = client.create_multipart_upload(Bucket=store.bucket, Key=store.prefix + "77")
        client.put_object(Bucket=store.bucket, Key=store.prefix + "not/a-key", Body=b"xyz")
        client.put_object(Bucket=store.bucket, Key=store.prefix + "12", Body=b"1234")
        self.assertEqual([(o.key, o.size) for o in store.iter_objects()], [("12", 4)])
        leftovers = sorted(store.iter_leftovers(), key=lambda leftover: leftover.kind)
        self.assertEqual(
            [(leftover.kind, leftover.name) for leftover in leftovers],
            [("stray", "not/a-key"), ("temporary", f"multipart:77:{upload['UploadId']}")],
        )
        for leftover in leftovers:
            store.remove_leftover(leftover)
        self.assertEqual(list(store.iter_leftovers()), [])
        self.assertEqual([o.key for o in store.iter_objects()], ["12"])

    def test_remove_leftover_refuses_foreign_names(self):
        """A temporary leftover must name a multipart upload of this store."""
        from deliveries.stores import Leftover

        with self.assertRaisesMessage(ValueError, "not a multipart upload"):
            self.make_store().remove_leftover(Leftover("temporary", "whatever"))


class TestS3Failures(S3Mixin, TransactionTestCase):
    def test_unreachable_endpoint_is_named(self):
        """A closed port gives S3StoreUnavailable naming the endpoint, and add_file leaves no FileMeta."""
        endpoint = f"http://127.0.0.1:{_closed_port()}"
        store = self.make_store(endpoint_url=endpoint, max_attempts=1, connect_timeout=1)
        delivery = make_delivery()
        with self.assertRaisesMessage(S3StoreUnavailable, f"S3 endpoint {endpoint} did not answer"):
            store.exists("1")
        with swap_deliverystore(FileMeta, store), self.assertRaises(S3StoreUnavailable):
            delivery.add_file("a.txt", [b"hello"])
        self.assertFalse(FileMeta.objects.exists())

    def test_wrong_credentials_and_missing_bucket(self):
        """Refused credentials and a missing bucket are configuration errors that say what to set."""
        cases = [
            ({"secret_access_key": "wrong"}, "access denied"),
            ({"bucket": "no-such-bucket"}, "the bucket 'no-such-bucket' does not exist"),
        ]
        for options, message in cases:
            store = self.make_store(**options)
            with self.subTest(options=options), self.assertRaisesMessage(InvalidStoreError, message):
                list(store.iter_objects())

    def test_server_stopped_mid_upload(self):
        """A server that stops answering mid-upload fails add_file: no FileMeta, no object, only an abortable upload."""
        server = self.seaweedfs
        store = self.make_store(part_size=5 * MiB, read_timeout=2, max_attempts=1)
        delivery = make_delivery()

        def chunks():
            yield os.urandom(5 * MiB)  # the first part reaches the server
            os.killpg(server.process.pid, signal.SIGSTOP)
            yield os.urandom(5 * MiB)

        try:
            with swap_deliverystore(FileMeta, store), self.assertRaisesMessage(S3StoreUnavailable, server.endpoint_url):
                delivery.add_file("big.bin", chunks())
        finally:
            os.killpg(server.process.pid, signal.SIGCONT)
        self.assertFalse(FileMeta.objects.exists())
        self.assertEqual(list(store.iter_objects()), [])
        # The abort could not reach the server either: the upload is a leftover, invisible as an object.
        for leftover in store.iter_leftovers():
            self.assertEqual(leftover.kind, "temporary")
            store.remove_leftover(leftover)
        self.assertEqual(list(store.iter_leftovers()), [])


class TestS3Options(S3Mixin, TestCase):
    @override_settings(
        DELIVERY_STORE_S3_BUCKET="from-settings", DELIVERY_STORE_S3_PREFIX="/p/q/", DELIVERY_STORE_S3_PART_SIZE=6 * MiB
    )
    def test_defaults_from_settings_and_keywords_win(self):
        """Settings fill what the keywords leave out; a keyword wins over its setting."""
        store = S3DeliveryStore()
        self.assertEqual((store.bucket, store.prefix, store.part_size), ("from-settings", "p/q/", 6 * MiB))
        store = S3DeliveryStore(bucket="kw", prefix="", part_size=7 * MiB)
        self.assertEqual((store.bucket, store.prefix, store.part_size), ("kw", "", 7 * MiB))

    def test_bad_options(self):
        """Each bad option is refused with a message naming it."""
        cases = [
            ({"bucket": ""}, "needs a bucket"),
            ({"prefix": "a/../b"}, "'.' or '..'"),
            ({"addressing_style": "sideways"}, "refuses addressing_style='sideways': use 'auto', 'path' or 'virtual'"),
            ({"checksums": "crc"}, "refuses checksums='crc': use 'sha256' or 'off'"),
            ({"part_size": MiB}, "S3 needs at least"),
            ({"upload_threads": 0}, "refuses upload_threads=0"),
            ({"chunk_size": -1}, "refuses chunk_size=-1"),
            ({"access_key_id": "only-one", "secret_access_key": ""}, "or neither"),
        ]
        for options, message in cases:
            with self.subTest(options=options), self.assertRaisesMessage(InvalidStoreError, message):
                self.make_store(**options)

    @override_settings(DELIVERY_STORE_BACKEND="deliveries.stores.S3DeliveryStore", DELIVERY_STORE_S3_BUCKET="")
    def test_system_check_reports_missing_bucket(self):
        """manage.py check reports an S3 store without a bucket as deliveries.E002."""
        from deliveries.checks import check_deliverystore

        errors = check_deliverystore()
        self.assertEqual([e.id for e in errors], ["deliveries.E002"])
        self.assertIn("set DELIVERY_STORE_S3_BUCKET", errors[0].msg)

    def test_load_by_dotted_path(self):
        """The handler builds the store from its dotted path and options."""
        from deliveries.stores import load_deliverystore_backend

        store = load_deliverystore_backend("deliveries.stores.S3DeliveryStore", bucket="b", prefix="x")
        self.assertIsInstance(store, S3DeliveryStore)
        self.assertIn("s3://b/x/", store.describe())

    def test_one_lazy_client_shared_by_threads_and_pickling(self):
        """The client is made on first use, once, for every thread; a store pickles without it."""
        store = self.make_store()
        self.assertIsNone(store._client)
        clients = []
        threads = [threading.Thread(target=lambda: clients.append(store.client)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(len({id(c) for c in clients}), 1)
        copy = pickle.loads(pickle.dumps(store))
        self.assertIsNone(copy._client)
        self.assertFalse(copy.exists("1"))

    def test_other_client_errors_name_the_operation(self):
        """An unexpected server error becomes an OSError naming the store and the operation."""
        store = self.make_store()
        error = ClientError(
            {
                "Error": {"Code": "InternalError", "Message": "disk on fire"},
                "ResponseMetadata": {"HTTPStatusCode": 500},
            },
            "HeadObject",
        )
        with mock.patch.object(store.client, "head_object", side_effect=error):
            with self.assertRaisesMessage(OSError, "head_object failed: disk on fire"):
                store.size("1")
