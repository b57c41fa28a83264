"""manage.py checkstore: every fault injected into every local backend, asserted by code, JSON and exit status."""

import json
import os
import socket
import uuid
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.test import TestCase, TransactionTestCase

from deliveries.models import FileMeta, StoreCheckRun, StoredBlob
from deliveries.stores import (
    DatabaseDeliveryStore,
    DbmDeliveryStore,
    FsDeliveryStore,
    MemoryDeliveryStore,
    S3DeliveryStore,
    swap_deliverystore,
)
from deliveries.stores.s3 import MULTIPART_LEFTOVER
from deliveries.testhelpers import make_delivery
from tests.support.store_faults import (
    STRAY_KEY,
    LeftoverFaultsMixin,
    StoreFaultsMixin,
    TempDirMixin,
    run_checkstore,
    run_checkstore_json,
)


class MisconfiguredMixin:
    """The command exits 2, with a message and no traceback, when the store cannot be checked."""

    #: (--backend, [--option ...], words the message must contain) for this backend.
    def misconfigurations(self):
        return []

    def test_mistyped_store_is_a_usage_error(self):
        """A --backend that does not import, or an --option it does not take: exit 2 naming the flag, no run recorded."""
        this = f"{type(self.store).__module__}.{type(self.store).__name__}"
        cases = [
            (["--backend", "nope.Missing"], "--backend 'nope.Missing' does not import"),
            (["--backend", "os.path"], "--backend 'os.path' is not a DeliveryStoreInterface subclass"),
            (["--backend", this, "--option", "bogus=1"], f"--option: {type(self.store).__name__} refuses the options"),
        ]
        for args, words in cases:
            with self.subTest(args=args):
                with self.assertRaisesMessage(CommandError, words) as caught:
                    call_command("checkstore", "--json", *args, stdout=StringIO())
                self.assertEqual(caught.exception.returncode, 2)
                if "--option" not in args:
                    self.assertIn("Use one of: deliveries.stores.DatabaseDeliveryStore", str(caught.exception))
                    self.assertIn("deliveries.stores.S3DeliveryStore", str(caught.exception))
        self.assertFalse(StoreCheckRun.objects.exists())

    def test_misconfigured_backend(self):
        """A store that builds but whose location is broken: recorded as "could not check", exit 2."""
        for backend, opts, words in self.misconfigurations():
            with self.subTest(backend=backend, opts=opts):
                status, doc = run_checkstore_json("--backend", backend, *opts)
                self.assertEqual((status, doc["ok"]), (2, False))
                self.assertIn(words, doc["error"])
                self.assertEqual(doc["verdict"], f"could not check: {doc['error'].rstrip('.')}: exit status 2")
                run = StoreCheckRun.objects.latest("started")
                self.assertEqual((run.exit_code, run.ok), (2, False))
                self.assertIn(words, run.error)

    def test_unreachable_store(self):
        """A store whose listing fails (connection refused): exit 2 naming the store."""
        with mock.patch.object(type(self.store), "iter_objects", side_effect=ConnectionRefusedError("refused")):
            status, doc = run_checkstore_json()
        self.assertEqual(status, 2)
        self.assertIn(f"Cannot list {self.store.describe()}: ConnectionRefusedError: refused", doc["error"])


class TestMemoryStore(StoreFaultsMixin, MisconfiguredMixin, TestCase):
    def get_store(self):
        return MemoryDeliveryStore()


class TestFsStore(TempDirMixin, StoreFaultsMixin, LeftoverFaultsMixin, MisconfiguredMixin, TestCase):
    def get_store(self):
        return FsDeliveryStore(root=os.path.join(self.tmpdir, "store"), fsync=False)

    def make_temp_leftover(self):
        name = f"{self.leaf_dir()}/.tmp-77-deadbeef"
        with open(os.path.join(self.store.root, name), "wb") as f:
            f.write(b"half an upload")
        return name

    def misconfigurations(self):
        a_file = os.path.join(self.tmpdir, "a-file")
        open(a_file, "w").close()
        return [("deliveries.stores.FsDeliveryStore", ["--option", f"root={a_file}"], "root is not a directory")]

    def test_symlink(self):
        """A symlink planted in the tree: SYMLINK, exit 1, and nothing outside the root is read."""
        name = f"{self.leaf_dir()}/{STRAY_KEY}"
        os.symlink("/etc/passwd", os.path.join(self.store.root, name))
        status, doc = run_checkstore_json("--deep")
        self.assertEqual((status, doc["ok"]), (1, False))
        self.assert_problem(doc, "SYMLINK", None, name)

    def test_missing_root(self):
        """Files recorded but the root is gone (a wrong DELIVERY_STORE_ROOT): exit 2, not 3 x MISSING."""
        status, doc = run_checkstore_json(
            "--backend", "deliveries.stores.FsDeliveryStore", "--option", f"root={self.tmpdir}/elsewhere"
        )
        self.assertEqual(status, 2)
        self.assertIn("root does not exist, yet files are recorded", doc["error"])

    def test_empty_root_is_refused(self):
        """An existing but empty root (an unmounted mount point) while files are recorded: exit 2, not 3 x MISSING."""
        empty = os.path.join(self.tmpdir, "mountpoint")
        os.mkdir(empty)
        status, doc = run_checkstore_json("--backend", "deliveries.stores.FsDeliveryStore", "--option", f"root={empty}")
        self.assertEqual(status, 2)
        self.assertIn(f"FsDeliveryStore at {empty}: it holds no store marker, yet files are recorded", doc["error"])
        self.assertIn("is DELIVERY_STORE_ROOT right", doc["error"])
        self.assertEqual(os.listdir(empty), [])  # checking writes nothing

    def test_unreadable_root(self):
        """A root the process may not read: exit 2 with the OS's reason."""
        with mock.patch("os.scandir", side_effect=PermissionError(13, "Permission denied")):
            status, doc = run_checkstore_json()
        self.assertEqual(status, 2)
        self.assertIn("PermissionError", doc["error"])


class TestDbmStore(TempDirMixin, StoreFaultsMixin, LeftoverFaultsMixin, MisconfiguredMixin, TestCase):
    def get_store(self):
        store = DbmDeliveryStore(filename=os.path.join(self.tmpdir, "store.dbm"), chunk_size=64 * 1024)
        self.addCleanup(store.close)
        return store

    def make_temp_leftover(self):
        name = "c:77:" + "ab" * 16 + ":0"
        self.store._put(name.encode(), b"half an upload")
        return name

    def misconfigurations(self):
        return [("deliveries.stores.DbmDeliveryStore", ["--option", f"filename={self.tmpdir}"], "Cannot list")]


class TestDatabaseStore(StoreFaultsMixin, LeftoverFaultsMixin, MisconfiguredMixin, TestCase):
    threads_ok = False  # worker threads have their own connections, outside this test's transaction

    def get_store(self):
        return DatabaseDeliveryStore(chunk_size=64 * 1024)

    def make_temp_leftover(self):
        StoredBlob.objects.create(name="tmp-interrupted", complete=False)
        return "tmp-interrupted"

    def misconfigurations(self):
        return [("deliveries.stores.DatabaseDeliveryStore", ["--option", "using=nowhere"], "nowhere")]


class TestDatabaseStoreThreads(StoreFaultsMixin, TransactionTestCase):
    """The deep check on several threads against the database store (committed data, own connections)."""

    def get_store(self):
        return DatabaseDeliveryStore(chunk_size=64 * 1024)


def _closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.usefixtures("seaweedfs_class")
class TestS3Store(StoreFaultsMixin, LeftoverFaultsMixin, MisconfiguredMixin, TestCase):
    """The same faults in a bucket of a real S3 server (SeaweedFS), each test under its own prefix."""

    def get_store(self):
        server = self.seaweedfs
        return S3DeliveryStore(
            bucket=server.bucket,
            prefix=f"checkstore-{uuid.uuid4().hex}",
            endpoint_url=server.endpoint_url,
            region="us-east-1",
            access_key_id=server.access_key,
            secret_access_key=server.secret_key,
        )

    def make_temp_leftover(self):
        upload = self.seaweedfs.client().create_multipart_upload(Bucket=self.store.bucket, Key=f"{self.store.prefix}77")
        return f"{MULTIPART_LEFTOVER}:77:{upload['UploadId']}"

    def test_stray_object_in_the_bucket(self):
        """An object under the prefix that is not a key: STRAY, reported, passing unless --fail-on-orphans."""
        self.seaweedfs.client().put_object(
            Bucket=self.store.bucket, Key=f"{self.store.prefix}notes/readme.txt", Body=b"hi"
        )
        status, doc = run_checkstore_json()
        self.assertEqual(status, 0)
        self.assert_problem(doc, "STRAY", None, "notes/readme.txt")

    def test_unreachable_endpoint(self):
        """An endpoint nobody listens on: exit 2, naming the endpoint, within the store's timeouts."""
        endpoint = f"http://127.0.0.1:{_closed_port()}"
        status, doc = run_checkstore_json(
            "--backend",
            "deliveries.stores.S3DeliveryStore",
            "--option",
            f"endpoint_url={endpoint}",
            "--option",
            "bucket=deliveries",
            "--option",
            "region=us-east-1",
            "--option",
            "access_key_id=x",
            "--option",
            "secret_access_key=y",
            "--option",
            "max_attempts=1",
            "--option",
            "connect_timeout=2",
        )
        self.assertEqual((status, doc["ok"]), (2, False))
        self.assertIn(f"Cannot list S3DeliveryStore s3://deliveries/ at {endpoint}", doc["error"])

    def test_unknown_bucket(self):
        """A bucket that does not exist: exit 2 with the server's reason."""
        status, doc = run_checkstore_json(
            "--backend",
            "deliveries.stores.S3DeliveryStore",
            "--option",
            "bucket=no-such-bucket",
            "--option",
            f"endpoint_url={self.seaweedfs.endpoint_url}",
            "--option",
            "region=us-east-1",
            "--option",
            f"access_key_id={self.seaweedfs.access_key}",
            "--option",
            f"secret_access_key={self.seaweedfs.secret_key}",
        )
        self.assertEqual(status, 2)
        self.assertIn("Cannot list S3DeliveryStore s3://no-such-bucket/", doc["error"])


class TestCommandOptions(TempDirMixin, TestCase):
    """Options that are not about one backend."""

    def test_bad_arguments_exit_2(self):
        """Nonsense arguments: exit 2 with a message naming the argument, and no run recorded."""
        for args, words in (
            (["--shard", "3/2"], "--shard 3/2: I must be between 1 and N"),
            (["--shard", "x"], "--shard must look like I/N"),
            (["--since", "yesterday"], "'yesterday' is not a date"),
            (["--min-age", "soon"], "'soon' is not a duration"),
            (["--jobs", "0"], "--jobs must be a whole number from 1 to 64, not 0"),
            (["--deep", "--jobs", "100000"], "--jobs must be a whole number from 1 to 64, not 100000"),
            (["--deep", "--jobs", "3000"], "--jobs must be a whole number from 1 to 64, not 3000"),
            (["--deep", "--jobs", "1e20"], "--jobs must be a whole number from 1 to 64, not 1e20"),
            (["--shard", "1/99999999999999999999999"], "--shard 1/999999999999999999...: N must be at most 1,000,000"),
            (["--shard", "1/99999999"], "--shard 1/99999999: N must be at most 1,000,000"),
            (["--min-age", "99999999999999999d"], "--min-age 99999999999999999d is too long: at most 3650d"),
            (["--min-age", "99999d"], "--min-age 99999d is too long: at most 3650d"),
            (["--option", "root=/x"], "--option needs --backend"),
            (["--probe", "--delete-orphans", "--yes"], "--delete-orphans needs a light or deep check"),
            (["--json", "--delete-orphans"], "--delete-orphans with --json needs --yes"),
        ):
            with self.subTest(args=args):
                with self.assertRaisesMessage(CommandError, words) as caught:
                    call_command("checkstore", *args, stdout=StringIO())
                self.assertEqual(caught.exception.returncode, 2)
        self.assertFalse(StoreCheckRun.objects.exists())

    def test_misconfigured_configured_store_is_recorded(self):
        """The configured store that cannot be built is an outage, not a typo: recorded as "could not check", exit 2."""
        from django.test import override_settings

        with override_settings(DELIVERY_STORE_BACKEND="deliveries.stores.Nope"):
            status, doc = run_checkstore_json()
        self.assertEqual(status, 2)
        self.assertIn("DELIVERY_STORE_BACKEND 'deliveries.stores.Nope' does not import", doc["error"])
        self.assertIn("Set DELIVERY_STORE_BACKEND to one of: deliveries.stores.DatabaseDeliveryStore", doc["error"])
        run = StoreCheckRun.objects.get()
        self.assertEqual((run.exit_code, run.backend), (2, "deliveries.stores.Nope"))

    def test_delete_orphans_needs_yes_without_terminal(self):
        """--delete-orphans without --yes and without a terminal refuses before checking anything."""
        with mock.patch("sys.stdin.isatty", return_value=False):
            status, _ = run_checkstore("--delete-orphans")
        self.assertEqual(status, 2)
        self.assertFalse(StoreCheckRun.objects.exists())

    def test_text_output(self):
        """Text output: a labelled table naming file, delivery and group, the summary, then one verdict line."""
        store = MemoryDeliveryStore()
        with swap_deliverystore(FileMeta, store):
            fm = make_delivery("text").add_file("a.txt", [b"abc"])
            store.remove(fm)
            with store.write_open("777") as writer:
                writer.write(b"orphan")
            status, out = run_checkstore("--min-age", "0")
        lines = out.splitlines()
        group = fm.delivery.assignment_group
        self.assertEqual(status, 1)
        self.assertEqual(
            lines[0].split(), ["PROBLEM", "FILE", "FILENAME", "DELIVERY", "GROUP", "IN", "STORE", "DETAIL"]
        )
        self.assertEqual(
            lines[1].split(),
            [
                "MISSING",
                f"#{fm.pk}",
                "a.txt",
                "delivery",
                "#1",
                *str(group).split(),
                str(fm.pk),
                *"no bytes in the store".split(),
            ],
        )
        self.assertEqual(lines[2].split(), ["ORPHAN", "-", "-", "-", "-", "777", "6", "bytes,", "no", "FileMeta"])
        self.assertEqual(lines[0].index("DETAIL"), lines[1].index("no bytes"))  # the columns line up
        self.assertRegex(
            lines[3],
            r"^light check of MemoryDeliveryStore: 1 files, 1 objects, 0 bytes read in .* s \(.* MiB/s\); MISSING 1, ORPHAN 1$",
        )
        self.assertEqual(lines[4], "2 problems (MISSING 1, ORPHAN 1): exit status 1")
        self.assertEqual(len(lines), 5)

    def test_verdict_lines(self):
        """The last line says healthy, healthy with orphans, or could not check, with the exit status."""
        store = MemoryDeliveryStore()
        with swap_deliverystore(FileMeta, store):
            make_delivery("verdict").add_file("a.txt", [b"abc"])
            status, out = run_checkstore()
            self.assertEqual((status, out.splitlines()[-1]), (0, "healthy: exit status 0"))
            with store.write_open("777") as writer:
                writer.write(b"orphan")
            status, out = run_checkstore("--min-age", "0")
            self.assertEqual(status, 0)
            self.assertEqual(
                out.splitlines()[-1],
                "healthy, 1 problem (ORPHAN 1) that only waste space (fail with --fail-on-orphans): exit status 0",
            )
            with mock.patch.object(MemoryDeliveryStore, "iter_objects", side_effect=ConnectionRefusedError("refused")):
                status, out = run_checkstore()
        self.assertEqual(status, 2)
        self.assertEqual(
            out.splitlines(),
            ["could not check: Cannot list MemoryDeliveryStore: ConnectionRefusedError: refused: exit status 2"],
        )

    def test_command_line_ends_without_commanderror(self):
        """Run as a process: problems end with the verdict line and exit 1, not a "CommandError:" line."""
        from tests.test_settings import manage

        result = manage("checkstore", "--backend", "nope.Missing", DJANGO_SETTINGS_MODULE="tests.settings")
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)
        self.assertTrue(result.stderr.startswith("--backend 'nope.Missing' does not import"), result.stderr)
        self.assertNotIn("CommandError", result.stderr)
        result = manage("checkstore", "--jobs", "100000", DJANGO_SETTINGS_MODULE="tests.settings")
        self.assertEqual(
            (result.returncode, result.stderr.strip()), (2, "--jobs must be a whole number from 1 to 64, not 100000")
        )

    def test_delete_orphans(self):
        """--delete-orphans --yes removes orphans and reports it; asked interactively, 'n' keeps them."""
        store = MemoryDeliveryStore()
        with swap_deliverystore(FileMeta, store):
            make_delivery("orphans").add_file("a.txt", [b"abc"])
            with store.write_open("777") as writer:
                writer.write(b"orphan")
            with (
                mock.patch("sys.stdin.isatty", return_value=True),
                mock.patch("builtins.input", return_value="n") as ask,
            ):
                status, out = run_checkstore("--delete-orphans", "--min-age", "0")
            self.assertEqual(status, 0)
            self.assertIn("Nothing deleted.", out)
            self.assertIn("Delete 1 orphans and temporary leftovers from MemoryDeliveryStore?", ask.call_args.args[0])
            status, out = run_checkstore("--delete-orphans", "--yes", "--min-age", "0")
            self.assertEqual(status, 0)
            self.assertIn("Deleted 1, kept 0, failed 0.", out)
            self.assertEqual([o.key for o in store.iter_objects()], [str(FileMeta.objects.get().pk)])
            status, out = run_checkstore("--delete-orphans", "--yes")
            self.assertIn("No orphans to delete.", out)

    def test_delete_orphans_json(self):
        """With --json, what --delete-orphans did is part of the one JSON document."""
        store = MemoryDeliveryStore()
        with swap_deliverystore(FileMeta, store):
            with store.write_open("777") as writer:
                writer.write(b"orphan")
            status, out = run_checkstore("--json", "--delete-orphans", "--yes", "--min-age", "0")
        document = json.loads(out)
        self.assertEqual(status, 0)
        self.assertEqual([p["code"] for p in document["problems"]], ["ORPHAN"])
        self.assertEqual(document["deletion"], {"removed": ["777"], "kept": [], "failed": []})
        self.assertEqual(list(store.iter_objects()), [])

    def test_every_run_is_recorded(self):
        """Each run leaves a StoreCheckRun with its level, store, options and counts."""
        with swap_deliverystore(FileMeta, MemoryDeliveryStore()):
            run_checkstore("--probe")
            run_checkstore("--deep", "--jobs", "2", "--shard", "1/2", "--since", "2026-01-01")
        probe, deep = StoreCheckRun.objects.order_by("pk")
        self.assertEqual((probe.level, probe.ok, probe.exit_code), ("probe", True, 0))
        self.assertEqual(deep.options, {"jobs": 2, "shard": "1/2", "since": "2026-01-01T00:00:00+00:00"})
        self.assertEqual(
            (deep.backend, deep.store), ("deliveries.stores.memory.MemoryDeliveryStore", "MemoryDeliveryStore")
        )

    def test_progress_only_on_a_terminal(self):
        """The progress bar is on for a terminal, off for --json and off when stdout is not a terminal."""

        class Terminal(StringIO):
            def isatty(self):
                return True

        with swap_deliverystore(FileMeta, MemoryDeliveryStore()):
            for stdout, args, enabled in (
                (Terminal(), [], True),
                (Terminal(), ["--json"], False),
                (StringIO(), [], False),
            ):
                with self.subTest(args=args, tty=stdout.isatty()):
                    with mock.patch("deliveries.management.commands.checkstore.progress_factory") as factory:
                        call_command("checkstore", *args, stdout=stdout)
                    factory.assert_called_once_with(enabled)
