"""FsDeliveryStore beyond the contract: layout, modes, symlinks, leftovers, durability switch."""

import os
import shutil
import stat
import tempfile

from django.test import SimpleTestCase, override_settings

from deliveries.stores import DeliveryStoreFileNotFound, FsDeliveryStore, Leftover


class FsTestCase(SimpleTestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="fsstore-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.root = os.path.join(self.tmp, "root")
        self.outside = os.path.join(self.tmp, "outside")
        os.mkdir(self.outside)
        self.store = FsDeliveryStore(root=self.root)

    def write(self, key, data):
        with self.store.write_open(key) as writer:
            writer.write(data)


class TestLayout(FsTestCase):
    def test_fanout(self):
        """Numeric keys fan out: at most 1,000 files per directory, 1,000 directories per level."""
        for key, path in (("7", "0/000/7"), ("1234567", "1/234/1234567"), ("999999", "0/999/999999")):
            with self.subTest(key=key):
                self.write(key, b"x")
                self.assertTrue(os.path.isfile(os.path.join(self.root, path)))
        self.write("probe-abc", b"x")
        self.assertTrue(os.path.isfile(os.path.join(self.root, "_keys", "probe-abc")))

    def test_modes(self):
        """New files and directories get the configured modes (before the umask)."""
        old = os.umask(0)
        self.addCleanup(os.umask, old)
        store = FsDeliveryStore(root=self.root, file_mode=0o600, dir_mode=0o700)
        with store.write_open("5") as writer:
            writer.write(b"x")
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(self.root, "0/000/5")).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(self.root, "0/000")).st_mode), 0o700)

    @override_settings(DELIVERY_STORE_ROOT="/from/settings", DELIVERY_STORE_FSYNC=False, DELIVERY_STORE_FILE_MODE=0o600)
    def test_defaults_from_settings_and_keywords_win(self):
        """Keywords beat settings; settings fill what keywords leave out."""
        store = FsDeliveryStore()
        self.assertEqual((store.root, store.fsync, store.file_mode), ("/from/settings", False, 0o600))
        store = FsDeliveryStore(root="/kw", fsync=True, file_mode=0o644)
        self.assertEqual((store.root, store.fsync, store.file_mode), ("/kw", True, 0o644))

    def test_write_is_atomic_rename(self):
        """While a writer is open only a temporary file exists; readers keep the old bytes."""
        self.write("5", b"old")
        writer = self.store.write_open("5")
        writer.write(b"new")
        with self.store.read_open("5") as reader:
            self.assertEqual(reader.read(), b"old")
        self.assertEqual([leftover.kind for leftover in self.store.iter_leftovers()], ["temporary"])
        writer.close()
        with self.store.read_open("5") as reader:
            self.assertEqual(reader.read(), b"new")
        self.assertEqual(list(self.store.iter_leftovers()), [])

    def test_unclosed_writer_garbage_collected(self):
        """A writer dropped without close() removes its temporary file."""
        writer = self.store.write_open("5")
        writer.write(b"x")
        del writer
        self.assertEqual(list(self.store.iter_leftovers()), [])
        self.assertFalse(self.store.exists("5"))


class TestSymlinks(FsTestCase):
    def test_symlinked_directory_is_not_followed(self):
        """A symlink planted where a fan-out directory belongs leads nowhere: no read, no write outside."""
        os.makedirs(os.path.join(self.root, "0"))
        os.symlink(self.outside, os.path.join(self.root, "0", "000"))
        with open(os.path.join(self.outside, "5"), "wb") as f:
            f.write(b"secret")
        with self.assertRaises(DeliveryStoreFileNotFound):
            self.store.read_open("5")
        self.assertFalse(self.store.exists("5"))
        with self.assertRaises(OSError):
            self.write("6", b"escape")
        self.assertEqual(sorted(os.listdir(self.outside)), ["5"])

    def test_symlinked_file_is_not_followed(self):
        """A symlink in place of an object is neither read nor removed through; listing reports it."""
        self.write("5", b"x")
        os.makedirs(os.path.join(self.root, "0", "000"), exist_ok=True)
        target = os.path.join(self.outside, "target")
        with open(target, "wb") as f:
            f.write(b"secret")
        os.symlink(target, os.path.join(self.root, "0", "000", "6"))
        with self.assertRaises(DeliveryStoreFileNotFound):
            self.store.read_open("6")
        with self.assertRaises(DeliveryStoreFileNotFound):
            self.store.remove("6")
        self.assertTrue(os.path.exists(target))
        self.assertEqual([o.key for o in self.store.iter_objects()], ["5"])
        leftovers = list(self.store.iter_leftovers())
        self.assertEqual([(item.kind, item.name) for item in leftovers], [("symlink", "0/000/6")])
        self.store.remove_leftover(leftovers[0])
        self.assertTrue(os.path.exists(target))
        self.assertEqual(list(self.store.iter_leftovers()), [])

    def test_symlinked_root_is_fine(self):
        """The root itself may be a symlink (a deployment choice): only what is below it is guarded."""
        link = os.path.join(self.tmp, "link")
        os.symlink(self.outside, link)
        store = FsDeliveryStore(root=link)
        with store.write_open("5") as writer:
            writer.write(b"x")
        self.assertTrue(os.path.isfile(os.path.join(self.outside, "0/000/5")))


class TestNotRegularFiles(FsTestCase):
    def test_fifo_is_refused_without_waiting(self):
        """A FIFO where a file belongs is refused at once by read, size and copy: no reader hangs on it."""
        import threading

        self.write("5", b"x")  # makes the fan-out directory
        fifo = os.path.join(self.root, "0", "000", "6")
        os.mkfifo(fifo)
        for name, call in (
            ("read_open", lambda: self.store.read_open("6")),
            ("size", lambda: self.store.size("6")),
            ("copy", lambda: self.store.copy("6", "7")),
        ):
            with self.subTest(name):
                outcome = []

                def attempt(call=call, outcome=outcome):
                    try:
                        call()
                    except Exception as e:
                        outcome.append(e)

                thread = threading.Thread(target=attempt, daemon=True)
                thread.start()
                thread.join(timeout=5)
                if thread.is_alive():
                    # Free the stuck reader by opening the other end, then fail.
                    os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
                    thread.join(timeout=5)
                    self.fail(f"{name} waited on a FIFO")
                self.assertEqual(len(outcome), 1)
                self.assertIsInstance(outcome[0], DeliveryStoreFileNotFound)
                self.assertIn("not a regular file", str(outcome[0]))
        self.assertFalse(self.store.exists("6"))
        self.assertFalse(self.store.exists("7"))
        self.assertEqual([(lo.kind, lo.name) for lo in self.store.iter_leftovers()], [("stray", "0/000/6")])
        with self.store.read_open("5") as reader:  # positive control: a regular file still reads
            self.assertEqual(reader.read(), b"x")


class TestLeftovers(FsTestCase):
    def test_stray_and_temporary_files(self):
        """Files that are not objects are reported by kind, and can be removed one by one."""
        self.write("5", b"x")
        with open(os.path.join(self.root, "0", "000", ".tmp-5-abc"), "wb") as f:
            f.write(b"partial")
        with open(os.path.join(self.root, "notes.txt"), "wb") as f:
            f.write(b"who put this here")
        leftovers = sorted(self.store.iter_leftovers(), key=lambda item: item.name)
        self.assertEqual(
            [(item.kind, item.name, item.size) for item in leftovers],
            [("temporary", "0/000/.tmp-5-abc", 7), ("stray", "notes.txt", 17)],
        )
        for leftover in leftovers:
            self.store.remove_leftover(leftover)
        self.assertEqual(list(self.store.iter_leftovers()), [])
        self.assertEqual([o.key for o in self.store.iter_objects()], ["5"])

    def test_remove_leftover_refuses_paths_out(self):
        with self.assertRaises(ValueError):
            self.store.remove_leftover(Leftover("stray", "../outside/x"))

    def test_listing_missing_root(self):
        """A store that was never written to lists nothing."""
        self.assertEqual(list(FsDeliveryStore(root=os.path.join(self.tmp, "nope")).iter_objects()), [])


class TestFailures(FsTestCase):
    def test_failed_rename_leaves_no_temporary(self):
        """A commit that fails at the rename keeps the old bytes and removes its temporary file."""
        import errno
        from unittest import mock

        self.write("5", b"old")
        with mock.patch("deliveries.stores.filesystem.os.rename", side_effect=OSError(errno.EIO, "I/O error")):
            with self.assertRaises(OSError):
                self.write("5", b"new")
        self.assertEqual(list(self.store.iter_leftovers()), [])
        with self.store.read_open("5") as reader:
            self.assertEqual(reader.read(), b"old")

    def test_copy_without_copy_file_range(self):
        """Where the kernel cannot copy_file_range, copy() falls back to reading and writing."""
        import errno
        from unittest import mock

        data = os.urandom(3 * 1024 * 1024 + 5)
        self.write("5", data)
        with mock.patch("deliveries.stores.filesystem.os.copy_file_range", side_effect=OSError(errno.ENOSYS, "nope")):
            self.store.copy("5", "6")
        with self.store.read_open("6") as reader:
            self.assertEqual(reader.read(), data)
