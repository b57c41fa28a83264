"""
S3 under faults: writers killed mid-upload, the server killed and restarted under uploads and
reads, and killed while "Verify selected" reads the files.
"""

import hashlib
import os
import threading
import time
import uuid
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import TestCase, TransactionTestCase
from django.urls import reverse
from django.utils import timezone

from deliveries.models import FileMeta
from deliveries.stores import S3DeliveryStore, swap_deliverystore
from deliveries.testhelpers import make_delivery
from tests.support.admin_fixtures import make_user
from tests.support.seaweedfs import SeaweedFS

from .test_crash import CrashTestMixin

MiB = 1024 * 1024


def s3_options(server, **options):
    """The keywords of a store on ``server``, under a prefix of its own; ``options`` add or override."""
    return {
        "bucket": server.bucket,
        "prefix": f"rel-{uuid.uuid4().hex}",
        "endpoint_url": server.endpoint_url,
        "region": "us-east-1",
        "access_key_id": server.access_key,
        "secret_access_key": server.secret_key,
        **options,
    }


def s3_store(server, **options):
    return S3DeliveryStore(**s3_options(server, **options))


def own_server(test, bucket):
    """A SeaweedFS server of ``test``'s own (the session's must not be killed), stopped at its cleanup."""
    server = SeaweedFS(bucket=bucket)
    try:
        server.start()
    except Exception as e:
        test.fail(f"SeaweedFS could not start: {e}")
    test.addCleanup(server.stop)
    return server


@pytest.mark.usefixtures("seaweedfs_class")
class TestCrashS3(CrashTestMixin, TransactionTestCase):
    """SIGKILL a writer streaming into S3 (multipart, 5 MiB parts) at random points."""

    size = 7 * MiB  # two parts: kills land before, between and after them
    backend = "deliveries.stores.S3DeliveryStore"

    def store_options(self):
        if not hasattr(self, "_options"):
            self._options = s3_options(self.seaweedfs, part_size=5 * MiB)
        return self._options

    def make_store(self):
        return S3DeliveryStore(**self.store_options())

    def test_unfinished_uploads_are_leftovers(self):
        """A killed multipart writer leaves at most an unfinished upload, listed as a temporary leftover."""
        from tests.support.crash import run_trials

        report = run_trials(self.delivery, self.store, 8, self.size, seed=11)
        self.assertEqual(report.problems, [])
        kinds = {leftover.kind for leftover in self.store.iter_leftovers()}
        self.assertLessEqual(kinds, {"temporary"})
        for leftover in self.store.iter_leftovers():
            self.store.remove_leftover(leftover)
        self.assertEqual(list(self.store.iter_leftovers()), [])


class TestS3Restart(TransactionTestCase):
    """The server dies under an upload and a read, comes back, and service resumes with nothing half-written."""

    def setUp(self):
        self.server = own_server(self, "restart")
        self.store = s3_store(self.server, part_size=5 * MiB, read_timeout=3, connect_timeout=2, max_attempts=2)
        swap = swap_deliverystore(FileMeta, self.store)
        swap.__enter__()
        self.addCleanup(swap.__exit__, None, None, None)
        self.delivery = make_delivery()

    def read_when_back(self, filemeta, seconds=60):
        deadline = time.monotonic() + seconds
        while True:
            try:
                return b"".join(self.store.iter_chunks(filemeta))
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def test_kill_and_restart(self):
        kept_data = os.urandom(12 * MiB)
        kept = self.delivery.add_file("kept.bin", [kept_data])
        killed = threading.Event()
        outcomes = {}

        def upload():
            def chunks():
                yield os.urandom(5 * MiB)
                killed.wait(30)  # the server dies between the parts
                yield os.urandom(5 * MiB)

            try:
                self.delivery.add_file("interrupted.bin", chunks())
                outcomes["upload"] = "completed"
            except Exception as e:  # the test asserts on the message
                outcomes["upload"] = e

        def read():
            got = bytearray()
            try:
                for chunk in self.store.iter_chunks(kept, chunk_size=MiB):
                    got += chunk
                    if len(got) == 2 * MiB:
                        killed.wait(30)
                outcomes["read"] = bytes(got)
            except Exception as e:  # the test asserts on the message
                outcomes["read"] = e

        threads = [threading.Thread(target=upload), threading.Thread(target=read)]
        for t in threads:
            t.start()
        self.server.kill()
        killed.set()
        for t in threads:
            t.join(60)
        # Clear errors that name the endpoint, or (if a retry reached the restarted server) whole data.
        for name in ("upload", "read"):
            outcome = outcomes[name]
            if isinstance(outcome, Exception):
                self.assertIn(self.server.endpoint_url, str(outcome), f"{name}: {outcome!r}")
        if isinstance(outcomes["read"], bytes):
            self.assertEqual(hashlib.sha256(outcomes["read"]).digest(), hashlib.sha256(kept_data).digest())

        old_endpoint = self.server.endpoint_url
        self.server.restart()
        self.assertNotEqual(self.server.endpoint_url, old_endpoint)  # fresh ports: the old may be taken
        # The same store at the server's new address.
        self.store = s3_store(
            self.server, prefix=self.store.prefix, part_size=5 * MiB, read_timeout=3, connect_timeout=2, max_attempts=2
        )
        self.enterContext(swap_deliverystore(FileMeta, self.store))
        # Normal service again: the old file is intact, new ones go in, and no half object exists.
        # The gateway answers before its volume server has registered again: reads get a 500
        # ("please try again") for a moment, so service is awaited, within a bound.
        self.assertEqual(hashlib.sha256(self.read_when_back(kept)).digest(), hashlib.sha256(kept_data).digest())
        after = self.delivery.add_file("after.bin", [b"back in service"])
        self.assertEqual(b"".join(self.store.iter_chunks(after)), b"back in service")
        rows = {str(pk): size for pk, size in FileMeta.objects.values_list("pk", "size")}
        objects = {o.key: o.size for o in self.store.iter_objects()}
        self.assertEqual(objects, rows)
        if outcomes["upload"] != "completed":
            self.assertFalse(FileMeta.objects.filter(filename="interrupted.bin").exists())


class TestS3StoppedDuringVerify(TestCase):
    """The S3 server dies while "Verify selected" reads the files: no status changes for a read that failed."""

    def setUp(self):
        self.server = own_server(self, "verify")
        self.store = s3_store(self.server, read_timeout=3, connect_timeout=2, max_attempts=1)
        self.enterContext(swap_deliverystore(FileMeta, self.store))
        delivery = make_delivery("s3verify")
        self.files = [delivery.add_file(f"part{i}.txt", [b"chapter %d\n" % i * 1000]) for i in range(4)]
        # What earlier verifications recorded: the first three intact, missing and corrupt; the last never verified.
        self.earlier = timezone.now() - timedelta(days=3)
        for filemeta, status in zip(self.files, ("intact", "missing", "corrupt", "unverified"), strict=True):
            verified_at = None if status == "unverified" else self.earlier
            FileMeta.objects.filter(pk=filemeta.pk).update(status=status, verified_at=verified_at)
        self.client.force_login(make_user("viewer", perms=["view_filemeta", "view_delivery"]))

    def rows(self):
        return list(FileMeta.objects.order_by("pk").values_list("status", "verified_at"))

    def test_server_stopped_midway(self):
        """Killed after the first file: it is recorded intact, the three others keep their status and time."""
        real_read_open = self.store._read_open
        second = str(self.files[1].pk)

        def read_open(key):
            reader = real_read_open(key)  # the object's HEAD answered...
            if key == second:
                self.server.kill()  # ...and the server dies before its bytes are read
            return reader

        data = {"action": "verify_selected", ACTION_CHECKBOX_NAME: [fm.pk for fm in self.files], "index": 0}
        with mock.patch.object(self.store, "_read_open", side_effect=read_open):
            response = self.client.post(reverse("admin:deliveries_filemeta_changelist"), data, follow=True)
        self.assertContains(
            response,
            "Verified 4 files: 1 intact, 0 missing, 0 corrupt, 3 could not be read (could not read: "
            f"S3 endpoint {self.server.endpoint_url} did not answer",
        )
        self.assertContains(response, "A file that could not be read keeps its recorded status; verify it again later.")
        rows = self.rows()
        self.assertEqual(rows[0][0], "intact")
        self.assertGreater(rows[0][1], self.earlier)  # positive control: a read that worked is recorded
        self.assertEqual(rows[1:], [("missing", self.earlier), ("corrupt", self.earlier), ("unverified", None)])
        # And "Verify now" on the stopped server says the same and records nothing either.
        url = reverse("admin:deliveries_filemeta_verify", args=[self.files[2].pk])
        with self.assertLogs("deliveries.admin_pages.views", "ERROR"):  # the file's page cannot preview it either
            response = self.client.post(url, follow=True)
        self.assertContains(response, "Could not verify part2.txt: could not read: S3 endpoint")
        self.assertEqual(self.rows()[1:], rows[1:])
