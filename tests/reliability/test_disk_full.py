"""Disk full and I/O errors during a write: a clear error, nothing partial, the store still usable."""

import contextlib
import errno
import os
import shutil
import subprocess
import tempfile
from unittest import mock

from django.test import TestCase

from deliveries.models import FileMeta
from deliveries.stores import FsDeliveryStore, swap_deliverystore
from deliveries.testhelpers import make_delivery


@contextlib.contextmanager
def small_filesystem(size="1m"):
    """
    A directory on a filesystem that really fills up: a tmpfs of ``size`` mounted for the test when
    we may mount (root, as in CI). Otherwise, a plain directory where os.write fails with ENOSPC once the
    same amount has been written: the store sees the error the kernel would give.
    """
    path = tempfile.mkdtemp(prefix="small-fs-")
    limit = 1024 * 1024
    mounted = (
        os.geteuid() == 0
        and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", path], capture_output=True
        ).returncode
        == 0
    )  # root in a container without CAP_SYS_ADMIN cannot mount: inject instead
    try:
        if mounted:
            try:
                yield path, "tmpfs"
            finally:
                subprocess.run(["umount", path], check=True)
        else:
            real_write = os.write
            written = {"n": 0}

            def write(fd, data):
                if written["n"] + len(data) > limit:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                written["n"] += len(data)
                return real_write(fd, data)

            with mock.patch("deliveries.stores.filesystem.os.write", write):
                yield path, "injected ENOSPC"
    finally:
        shutil.rmtree(path, ignore_errors=True)


class TestDiskFull(TestCase):
    def setUp(self):
        self.delivery = make_delivery()

    def test_enospc(self):
        with small_filesystem() as (path, kind):
            store = FsDeliveryStore(root=os.path.join(path, "store"))
            with swap_deliverystore(FileMeta, store):
                with self.assertRaises(OSError) as cm:
                    self.delivery.add_file("big.bin", (b"x" * 65536 for _ in range(64)))  # 4 MiB into 1 MiB
                self.assertEqual(cm.exception.errno, errno.ENOSPC, kind)
                self.assertIn("No space left on device", str(cm.exception))
                self.assertFalse(FileMeta.objects.exists())
                self.assertEqual(list(store.iter_objects()), [])
                self.assertEqual(list(store.iter_leftovers()), [])
                fm = self.delivery.add_file("small.txt", [b"still works"])
                self.assertEqual(b"".join(store.iter_chunks(fm)), b"still works")

    def test_eio(self):
        """An I/O error from the device: the same guarantees."""
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        store = FsDeliveryStore(root=tmp)
        calls = {"n": 0}
        real_write = os.write

        def flaky_write(fd, data):
            calls["n"] += 1
            if calls["n"] == 3:
                raise OSError(errno.EIO, os.strerror(errno.EIO))
            return real_write(fd, data)

        with swap_deliverystore(FileMeta, store):
            with mock.patch("deliveries.stores.filesystem.os.write", flaky_write):
                with self.assertRaises(OSError) as cm:
                    self.delivery.add_file("a.bin", [b"1" * 10, b"2" * 10, b"3" * 10, b"4" * 10])
            self.assertEqual(cm.exception.errno, errno.EIO)
            self.assertFalse(FileMeta.objects.exists())
            self.assertEqual((list(store.iter_objects()), list(store.iter_leftovers())), ([], []))
            self.delivery.add_file("a.bin", [b"ok"])
        self.assertEqual(len(list(store.iter_objects())), 1)
