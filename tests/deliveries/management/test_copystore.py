"""manage.py copystore: exit statuses, report, and the whole move from the filesystem into S3."""

import uuid
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import TestCase

from deliveries.integrity import verify_filemeta
from deliveries.models import FileMeta
from deliveries.stores import MARKER_KEY, FsDeliveryStore, S3DeliveryStore
from tests.deliveries.operations.test_copying import CONTENTS, CopyMixin


def run_copystore(*args):
    """Run copystore; return (exit status, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("copystore", *args, stdout=out, stderr=err)
    except CommandError as e:
        return e.returncode, out.getvalue(), f"{err.getvalue()}{e}"
    return 0, out.getvalue(), err.getvalue()


class TestCopystoreCommand(CopyMixin, TestCase):
    def fs_args(self):
        return [
            "--to",
            "deliveries.stores.FsDeliveryStore",
            "--option",
            f"root={self.tmpdir}",
            "--option",
            "fsync=false",
        ]

    def test_copies_and_reports(self):
        """Exit 0 with a summary line; a second run skips everything."""
        status, out, _ = run_copystore(*self.fs_args(), "--jobs", "2")
        self.assertEqual(status, 0)
        total = sum(map(len, CONTENTS.values()))
        self.assertIn(
            f"Copied {len(CONTENTS)} files ({total} bytes), skipped 0 already intact in the target, 0 failed: "
            "exit status 0.",
            out,
        )
        self.assert_target_holds_everything()
        status, out, _ = run_copystore(*self.fs_args())
        self.assertIn(f"Copied 0 files (0 bytes), skipped {len(CONTENTS)} already intact", out)
        self.assertIsNotNone(self.target.read_marker())

    def test_marks_a_target_that_had_objects(self):
        """A target that held objects but no marker gets one once every file is copied, and not before."""
        from deliveries.stores import MARKER_KEY

        with self.target.write_open("999999") as writer:
            writer.write(b"left from before")
        self.target.remove(MARKER_KEY)
        self.source.remove(self.filemetas[0])
        self.assertEqual(run_copystore(*self.fs_args())[0], 1)
        self.assertIsNone(FsDeliveryStore(root=self.tmpdir).read_marker())
        with self.source.write_open(self.filemetas[0]) as writer:
            writer.write(CONTENTS[self.filemetas[0].filename])
        self.assertEqual(run_copystore(*self.fs_args())[0], 0)
        self.assertIsNotNone(FsDeliveryStore(root=self.tmpdir).read_marker())

    def test_dry_run(self):
        """--dry-run says what it would copy and writes nothing."""
        status, out, _ = run_copystore(*self.fs_args(), "--dry-run")
        self.assertEqual(status, 0)
        self.assertIn("(dry run)", out)
        self.assertIn(f"Would copy {len(CONTENTS)} files", out)
        self.assertEqual(list(self.target.iter_objects()), [])

    def test_failures_exit_1(self):
        """Files that fail are listed on stderr and the exit status is 1."""
        self.source.remove(self.filemetas[0])
        status, out, err = run_copystore(*self.fs_args())
        self.assertEqual(status, 1)
        self.assertIn(f"FAILED  #{self.filemetas[0].pk} file0.txt: missing in the source", err)
        self.assertIn("1 failed: exit status 1.", out.splitlines()[-1])

    def test_cannot_run_exit_2(self):
        """Bad backends, options, jobs, a target equal to the source, an unusable or unreachable target: one line, exit 2."""
        import os

        self.a_file = os.path.join(self.tmpdir, "passwd")
        with open(self.a_file, "w") as f:
            f.write("root:x:0:0:root:/root:/bin/sh\n")
        cases = [
            (["--to", "no.such.Store"], "--to 'no.such.Store' does not import"),
            (["--to", "no.such.Store"], "Use one of: deliveries.stores.DatabaseDeliveryStore"),
            (["--to", "deliveries.stores.FsDeliveryStore", "--option", "root"], "must look like key=value"),
            (
                ["--to", "deliveries.stores.FsDeliveryStore", "--option", "colour=blue"],
                "--option: FsDeliveryStore refuses the options ['colour']",
            ),
            ([*self.fs_args(), "--jobs", "0"], "--jobs must be a whole number from 1 to 64, not 0"),
            ([*self.fs_args(), "--jobs", "100000"], "--jobs must be a whole number from 1 to 64, not 100000"),
            (["--to", "deliveries.stores.MemoryDeliveryStore"], "is the configured store itself"),
            (
                ["--to", "deliveries.stores.FsDeliveryStore", "--option", f"root={self.a_file}"],
                f"FsDeliveryStore at {self.a_file}: its root is not a directory",
            ),
            (
                ["--to", "deliveries.stores.DbmDeliveryStore", "--option", f"filename={self.a_file}"],
                f"DbmDeliveryStore in {self.a_file}: its dbm file is not a dbm database",
            ),
            (
                [
                    "--to",
                    "deliveries.stores.S3DeliveryStore",
                    "--option",
                    "bucket=b",
                    "--option",
                    "endpoint_url=http://127.0.0.1:9",
                    "--option",
                    "max_attempts=1",
                    "--option",
                    "access_key_id=a",
                    "--option",
                    "secret_access_key=b",
                ],
                "S3 endpoint http://127.0.0.1:9 did not answer",
            ),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                status, out, err = run_copystore(*args)
                self.assertEqual(status, 2)
                self.assertIn(message, err)
                self.assertNotIn("FAILED", err)
        self.assertEqual(open(self.a_file).read(), "root:x:0:0:root:/root:/bin/sh\n")  # the target is untouched
        self.assertEqual(self.source_snapshot().keys(), {MARKER_KEY, *(str(fm.pk) for fm in self.filemetas)})


@pytest.mark.usefixtures("seaweedfs_class")
class TestMoveFilesystemToS3(TestCase):
    def test_move_from_filesystem_to_s3(self):
        """The README's move: copy into S3, verify every file there, switch the setting."""
        import shutil
        import tempfile

        from django.test import override_settings

        from deliveries.stores import swap_deliverystore
        from deliveries.testhelpers import make_delivery

        root = tempfile.mkdtemp(prefix="copystore-fs-")
        self.addCleanup(shutil.rmtree, root, ignore_errors=True)
        server, prefix = self.seaweedfs, f"move-{uuid.uuid4().hex}"
        s3_settings = {
            "DELIVERY_STORE_S3_BUCKET": server.bucket,
            "DELIVERY_STORE_S3_PREFIX": prefix,
            "DELIVERY_STORE_S3_ENDPOINT_URL": server.endpoint_url,
            "DELIVERY_STORE_S3_REGION": "us-east-1",
            "DELIVERY_STORE_S3_ACCESS_KEY_ID": server.access_key,
            "DELIVERY_STORE_S3_SECRET_ACCESS_KEY": server.secret_key,
        }
        with swap_deliverystore(FileMeta, FsDeliveryStore(root=root, fsync=False)):
            delivery = make_delivery("move")
            for name, data in CONTENTS.items():
                delivery.add_file(name, [data])
            with override_settings(**s3_settings):
                status, out, err = run_copystore("--to", "deliveries.stores.S3DeliveryStore", "--jobs", "3")
        self.assertEqual(status, 0, err)
        self.assertIn(f"Copied {len(CONTENTS)} files", out)
        with override_settings(**s3_settings):
            target = S3DeliveryStore()
            for filemeta in FileMeta.objects.all():
                with self.subTest(filename=filemeta.filename):
                    self.assertTrue(verify_filemeta(filemeta, store=target).ok)
                    self.assertEqual(target.object_sha256(filemeta), filemeta.checksum)
