"""deliveries.integrity: the one verification, its four outcomes, and what is recorded of them."""

import errno
import hashlib
import os
import socket
from datetime import timedelta
from unittest import mock

from botocore.stub import Stubber
from django.db import OperationalError
from django.test import SimpleTestCase, TestCase
from django.utils import timezone

from deliveries.integrity import (
    Outcome,
    Verification,
    VerificationTally,
    failure_reason,
    verify,
    verify_filemeta,
    verify_many,
)
from deliveries.models import FileMeta
from deliveries.stores import InvalidStoreError, MemoryDeliveryStore, S3DeliveryStore
from deliveries.stores.s3 import S3StoreUnavailable
from deliveries.testhelpers import make_delivery
from tests.support.store_faults import ReadFailingStore
from tests.support.store_mixins import SwappedStoreMixin

DATA = b"The bytes a student handed in.\n" * 100
SHA = hashlib.sha256(DATA).hexdigest()


def closed_port():
    """A local TCP port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def s3_store(endpoint_url="http://127.0.0.1:9"):
    return S3DeliveryStore(
        bucket="deliveries",
        endpoint_url=endpoint_url,
        region="us-east-1",
        access_key_id="test",
        secret_access_key="test-secret",
        connect_timeout=2,
        read_timeout=2,
        max_attempts=1,
    )


class TestVerify(SimpleTestCase):
    def setUp(self):
        self.store = MemoryDeliveryStore()
        with self.store.write_open("7") as writer:
            writer.write(DATA)

    def test_intact(self):
        """Bytes of the recorded size and SHA-256: intact, with what was read."""
        result = verify(self.store, "7", len(DATA), SHA)
        self.assertEqual(
            result, Verification(Outcome.INTACT, "size and SHA-256 match", len(DATA), SHA), result.describe()
        )
        self.assertTrue(result.ok)
        self.assertEqual(result.status, FileMeta.Status.INTACT)

    def test_missing(self):
        """No bytes under the key (the store's DeliveryStoreFileNotFound): missing."""
        result = verify(self.store, "8", len(DATA), SHA)
        self.assertEqual((result.outcome, result.status), (Outcome.MISSING, FileMeta.Status.MISSING))
        self.assertEqual(result.describe(), "missing (no bytes in the store)")

    def test_corrupt(self):
        """Bytes read whole that differ in size or in SHA-256: corrupt, saying which and by how much."""
        other = hashlib.sha256(b"something else").hexdigest()
        for size, checksum, differs, detail in (
            (len(DATA) + 1, SHA, "size", f"size differs: read {len(DATA)} bytes, recorded {len(DATA) + 1}"),
            (len(DATA), other, "sha256", f"SHA-256 differs: read {SHA}, recorded {other}"),
        ):
            with self.subTest(differs=differs):
                result = verify(self.store, "7", size, checksum)
                self.assertEqual((result.outcome, result.differs, result.detail), (Outcome.CORRUPT, differs, detail))
                self.assertEqual((result.status, result.size), (FileMeta.Status.CORRUPT, len(DATA)))

    def test_failed_reads_are_unreadable(self):
        """Any read that fails, at open or midway, is unreadable with its reason: never corrupt, never missing."""
        for error, reason in (
            (OSError(errno.EIO, os.strerror(errno.EIO)), "Input/output error"),
            (PermissionError(errno.EACCES, "Permission denied"), "Permission denied"),
            (TimeoutError("timed out"), "timed out"),
            (FileNotFoundError(errno.ENOENT, "No such file or directory", "/srv/store"), "No such file or directory"),
            (S3StoreUnavailable("S3 endpoint http://s3 did not answer"), "S3 endpoint http://s3 did not answer"),
            (InvalidStoreError("access denied (AccessDenied)"), "access denied (AccessDenied)"),
        ):
            with self.subTest(error=type(error).__name__):
                with (
                    mock.patch.object(self.store, "_read_open", side_effect=error),
                    self.assertNoLogs("deliveries.integrity", "INFO"),  # expected trouble: the caller reports it
                ):
                    result = verify(self.store, "7", len(DATA), SHA)
                self.assertEqual(result, Verification(Outcome.UNREADABLE, reason))
                self.assertIsNone(result.status)
                self.assertEqual(result.describe(), f"could not read: {reason}")

    def test_failure_midway(self):
        """A read that fails after its first bytes is unreadable too; a positive control reads it whole."""
        store = ReadFailingStore(fail_after=100)
        with store.write_open("7") as writer:
            writer.write(DATA)
        self.assertTrue(verify(store, "7", len(DATA), SHA).ok)
        store.failing = True
        self.assertEqual(verify(store, "7", len(DATA), SHA), Verification(Outcome.UNREADABLE, "Input/output error"))

    def test_unexpected_errors_are_logged(self):
        """An error of another kind (a database store's, a bug) is still unreadable, and logged with its traceback."""
        for error, reason in (
            (OperationalError("server closed the connection"), "OperationalError: server closed the connection"),
            (RuntimeError("bug"), "RuntimeError: bug"),
        ):
            with self.subTest(error=type(error).__name__):
                with mock.patch.object(self.store, "_read_open", side_effect=error):
                    with self.assertLogs("deliveries.integrity", "ERROR") as logs:
                        result = verify(self.store, "7", len(DATA), SHA)
                self.assertEqual(result, Verification(Outcome.UNREADABLE, reason))
                self.assertIn("Traceback", logs.output[0])

    def test_buffer_is_reused(self):
        """A caller's buffer (the deep check's per thread) serves every read."""
        buffer = bytearray(64)
        self.assertTrue(verify(self.store, "7", len(DATA), SHA, buffer).ok)
        tail = len(DATA) % 64  # the last read filled the buffer's start
        self.assertEqual(bytes(buffer[:tail]), DATA[-tail:])


class TestVerifyS3Errors(SimpleTestCase):
    """The S3 store's errors, through its own translation of botocore's: each is the outcome it means."""

    def test_unreachable_endpoint(self):
        """Nothing listening at the endpoint (botocore's EndpointConnectionError): unreadable, naming it."""
        store = s3_store(f"http://127.0.0.1:{closed_port()}")
        result = verify(store, "7", len(DATA), SHA)
        self.assertEqual(result.outcome, Outcome.UNREADABLE)
        self.assertIn(f"S3 endpoint {store.endpoint_url} did not answer", result.detail)

    def test_server_answers(self):
        """A 404 is missing; a 500 and a refused access are unreadable, with the server's words."""
        for code, status, outcome, reason in (
            ("NoSuchKey", 404, Outcome.MISSING, "no bytes in the store"),
            ("InternalError", 500, Outcome.UNREADABLE, "head_object failed: We encountered an internal error"),
            ("AccessDenied", 403, Outcome.UNREADABLE, "access denied (AccessDenied)"),
        ):
            with self.subTest(code=code):
                store = s3_store()
                with Stubber(store.client) as stub:
                    stub.add_client_error(
                        "head_object",
                        service_error_code=code,
                        service_message="We encountered an internal error" if status == 500 else "",
                        http_status_code=status,
                    )
                    result = verify(store, "7", len(DATA), SHA)
                self.assertEqual(result.outcome, outcome)
                self.assertIn(reason, result.detail)


class TestVerifyFilemeta(SwappedStoreMixin, TestCase):
    def setUp(self):
        super().setUp()
        self.filemeta = make_delivery("integrity").add_file("report.txt", [DATA])

    def row(self):
        return FileMeta.objects.values_list("status", "verified_at").get(pk=self.filemeta.pk)

    def test_outcomes_are_recorded(self):
        """Intact, corrupt and missing are recorded with the time of the verification."""
        for damage, status in (
            (None, "intact"),
            (lambda: self.store.write_open(self.filemeta).__enter__().close(), "corrupt"),
            (lambda: self.store.remove(self.filemeta), "missing"),
        ):
            with self.subTest(status=status):
                if damage:
                    damage()
                before = timezone.now()
                result = verify_filemeta(self.filemeta)
                recorded, at = self.row()
                self.assertEqual((result.status, recorded, self.filemeta.status), (status, status, status))
                self.assertGreaterEqual(at, before)

    def test_unreadable_records_nothing(self):
        """A failed read leaves the recorded status and time as they were, whatever they were."""
        earlier = timezone.now() - timedelta(days=1)
        for status in FileMeta.Status.values:
            with self.subTest(status=status):
                FileMeta.objects.filter(pk=self.filemeta.pk).update(status=status, verified_at=earlier)
                self.filemeta.refresh_from_db()
                with mock.patch.object(self.store, "_read_open", side_effect=OSError(errno.EIO, "I/O error")):
                    result = verify_filemeta(self.filemeta)
                self.assertEqual(result.outcome, Outcome.UNREADABLE)
                self.assertEqual(self.row(), (status, earlier))
                self.assertEqual(self.filemeta.status, status)

    def test_without_save(self):
        """save=False reads and compares but records nothing."""
        result = verify_filemeta(self.filemeta, save=False)
        self.assertTrue(result.ok)
        self.assertEqual(self.row(), ("unverified", None))


class TestVerifyMany(SwappedStoreMixin, TestCase):
    def test_records_in_batches_and_reports_progress(self):
        """Every outcome is recorded (unreadable ones not), ``batch`` files per round, the bar told after each."""
        delivery = make_delivery("many")
        files = [delivery.add_file(f"f{i}.txt", [DATA + bytes([i])]) for i in range(7)]
        self.store.remove(files[1])
        with self.store.write_open(files[2]) as writer:
            writer.write(b"changed")
        failing = str(files[3].pk)
        real_read_open = self.store._read_open

        def read_open(key):
            if key == failing:
                raise OSError(errno.EIO, "I/O error")
            return real_read_open(key)

        class Bar:
            updates = []

            def update(self, n):
                self.updates.append((n, FileMeta.objects.exclude(status="unverified").count()))

        with mock.patch.object(self.store, "_read_open", side_effect=read_open):
            tally = verify_many(FileMeta.objects.order_by("pk"), bar=Bar(), batch=3)
        self.assertEqual(
            tally.summary(),
            "Verified 7 files: 4 intact, 1 missing, 1 corrupt, 1 could not be read (could not read: I/O error). "
            "A file that could not be read keeps its recorded status; verify it again later.",
        )
        self.assertEqual(Bar.updates, [(3, 3), (3, 5), (1, 6)])  # never ahead of what is recorded
        statuses = list(FileMeta.objects.order_by("pk").values_list("status", flat=True))
        self.assertEqual(statuses, ["intact", "missing", "corrupt", "unverified", "intact", "intact", "intact"])
        Bar.updates = []
        verify_many(FileMeta.objects.filter(pk__in=[f.pk for f in files[4:]]), bar=Bar(), every=0)
        self.assertEqual([n for n, _ in Bar.updates], [1, 1, 1])  # big files: recorded as time passes


class TestTallyAndReasons(SimpleTestCase):
    def test_summary(self):
        """Counts per outcome; failed reads counted apart, with their distinct reasons (at most three)."""
        tally = VerificationTally()
        for outcome in (Outcome.INTACT, Outcome.INTACT, Outcome.MISSING, Outcome.CORRUPT):
            tally.add(Verification(outcome))
        self.assertEqual(tally.summary(), "Verified 4 files: 2 intact, 1 missing, 1 corrupt.")
        self.assertFalse(tally.all_intact)
        for reason in ("Input/output error", "Input/output error", "timed out", "a", "b", "c"):
            tally.add(Verification(Outcome.UNREADABLE, reason))
        self.assertEqual(
            tally.summary(),
            "Verified 10 files: 2 intact, 1 missing, 1 corrupt, 6 could not be read (could not read: "
            "Input/output error; timed out; a; and 2 other reasons). A file that could not be read keeps its "
            "recorded status; verify it again later.",
        )
        one = VerificationTally()
        one.add(Verification(Outcome.INTACT))
        self.assertEqual((one.summary(), one.all_intact), ("Verified 1 file: 1 intact, 0 missing, 0 corrupt.", True))

    def test_failure_reason(self):
        """The system's words for an errno, else the message; other errors name their type."""
        for error, reason in (
            (OSError(errno.EIO, os.strerror(errno.EIO), "/srv/store/1/7"), "Input/output error"),
            (OSError("S3 endpoint did not answer"), "S3 endpoint did not answer"),
            (OSError(), "OSError"),
            (ValueError("bad"), "ValueError: bad"),
        ):
            with self.subTest(error=repr(error)):
                self.assertEqual(failure_reason(error), reason)
