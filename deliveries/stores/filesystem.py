"""FsDeliveryStore: bytes in files under one root directory. The production default."""

import errno
import os
import stat
from datetime import UTC, datetime

from .base import (
    CHUNK_SIZE,
    DeliveryStoreFileNotFound,
    DeliveryStoreInterface,
    Leftover,
    Option,
    StoredObject,
    StoreWriter,
    absolute_path,
    boolean,
    file_mode,
    local_facts,
    safe_relative_parts,
)

__all__ = ["FsDeliveryStore"]

TEMP_PREFIX = ".tmp-"
OTHER_KEYS_DIR = "_keys"  # non-numeric keys (health probes) live here, beside the fan-out
FANOUT = 1000

# Every path component below the root is opened without following symlinks, relative to the
# directory above it: a symlink planted anywhere in the tree can never lead a read, a write or a
# removal out of the root, and there is no window between a check and its use.
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: opening a FIFO (or a device) planted in the tree must not wait for a writer; the
# fstat after the open refuses anything but a regular file, for which O_NONBLOCK changes nothing.
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


def _fanout(key):
    """
    The directories a key lives in. Numeric keys fan out by value, so a leaf directory holds at
    most 1,000 files and a middle one 1,000 directories: ``1234567 -> ("1", "234")``.
    """
    if key.isdigit():
        n = int(key)
        return (str(n // (FANOUT * FANOUT)), f"{(n // FANOUT) % FANOUT:03d}")
    return (OTHER_KEYS_DIR,)


def _mtime(st):
    return datetime.fromtimestamp(st.st_mtime, tz=UTC)


def _copy_by_reading(src_fd, writer, offset):
    """Where copy_file_range is not supported: copy the rest from ``offset`` through memory, 1 MiB at a time."""
    copied = 0
    while chunk := os.pread(src_fd, 1 << 20, offset + copied):
        writer._write(memoryview(chunk))
        copied += len(chunk)
    return copied


class _FsWriter(StoreWriter):
    """Writes to a temporary file beside the target, then fsyncs and renames it into place."""

    def __init__(self, key, dir_fd, name, fsync, file_mode):
        super().__init__(key)
        self._dir_fd = dir_fd
        self._name = name
        self._fsync = fsync
        self._tmp = f"{TEMP_PREFIX}{name}-{os.urandom(6).hex()}"
        self._fd = os.open(
            self._tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, file_mode, dir_fd=dir_fd
        )

    def _write(self, data):
        while data:
            written = os.write(self._fd, data)
            data = data[written:]

    def _prepare(self):
        if self._fsync:
            os.fsync(self._fd)

    def _commit(self):
        # On failure, close() calls _abort(), which still needs the directory to unlink the temporary.
        if self._fsync and not self._prepared:
            os.fsync(self._fd)
        os.close(self._fd)
        self._fd = None
        # rename() is atomic: readers see the old bytes or the new, never a mix.
        os.rename(self._tmp, self._name, src_dir_fd=self._dir_fd, dst_dir_fd=self._dir_fd)
        try:
            if self._fsync:
                os.fsync(self._dir_fd)  # make the rename itself durable
        finally:
            os.close(self._dir_fd)
            self._dir_fd = None

    def _abort(self):
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self._dir_fd is not None:
            try:
                os.unlink(self._tmp, dir_fd=self._dir_fd)
            except FileNotFoundError:
                pass
            finally:
                os.close(self._dir_fd)
                self._dir_fd = None


class FsDeliveryStore(DeliveryStoreInterface):
    """
    Files under ``root``, fanned out by key so millions of files never share a directory.

    Options (keywords; defaults from the ``DELIVERY_STORE_*`` settings):

    * ``root``: the directory (``DELIVERY_STORE_ROOT``); created on the first write.
    * ``fsync``: fsync every file and its directory before a write counts as done
      (``DELIVERY_STORE_FSYNC``, default True). ``fsync=False`` is faster but may lose the last
      writes on a power failure; a crash of the process alone never leaves a partial file.
    * ``file_mode`` / ``dir_mode``: permissions of new files and directories
      (``DELIVERY_STORE_FILE_MODE`` 0o640, ``DELIVERY_STORE_DIR_MODE`` 0o750), before the umask.
    * ``chunk_size``: bytes per read when copying and streaming (``DELIVERY_STORE_CHUNK_SIZE``).
    """

    options = {
        "root": Option("DELIVERY_STORE_ROOT", clean=absolute_path, required=True),
        "fsync": Option("DELIVERY_STORE_FSYNC", True, boolean),
        "file_mode": Option("DELIVERY_STORE_FILE_MODE", 0o640, file_mode),
        "dir_mode": Option("DELIVERY_STORE_DIR_MODE", 0o750, file_mode),
        "chunk_size": CHUNK_SIZE,
    }

    def __init__(self, root=None, **options):
        super().__init__(root=root, **options)

    def describe(self):
        return f"FsDeliveryStore at {self.root}"

    def health_facts(self):
        return local_facts(self.root, kind="root", setting=self.options["root"].setting)

    # ---- directory walking -----------------------------------------------------------------

    def _open_root(self, create):
        try:
            return os.open(self.root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except FileNotFoundError:
            if not create:
                raise
            os.makedirs(self.root, self.dir_mode, exist_ok=True)
            return os.open(self.root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)

    def _open_dir(self, key, create=False):
        """Return an fd of the directory ``key`` lives in; FileNotFoundError when absent."""
        fd = self._open_root(create)
        try:
            for part in _fanout(key):
                try:
                    child = os.open(part, _DIR_FLAGS, dir_fd=fd)
                except FileNotFoundError:
                    if not create:
                        raise
                    try:
                        os.mkdir(part, self.dir_mode, dir_fd=fd)
                    except FileExistsError:
                        pass  # another writer made it first
                    child = os.open(part, _DIR_FLAGS, dir_fd=fd)
                os.close(fd)
                fd = child
        except OSError as e:
            os.close(fd)
            if e.errno in (errno.ELOOP, errno.ENOTDIR):
                raise DeliveryStoreFileNotFound(key, "a symlink or file stands where a directory should") from e
            raise
        return fd

    # ---- the contract --------------------------------------------------------------------------

    def _write_open(self, key):
        dir_fd = self._open_dir(key, create=True)
        try:
            return _FsWriter(key, dir_fd, key, self.fsync, self.file_mode)
        except BaseException:
            os.close(dir_fd)
            raise

    def _open_file(self, key):
        """An fd of ``key``'s regular file; DeliveryStoreFileNotFound for anything else, never a wait."""
        try:
            dir_fd = self._open_dir(key)
        except FileNotFoundError as e:
            raise DeliveryStoreFileNotFound(key) from e
        try:
            fd = os.open(key, _READ_FLAGS, dir_fd=dir_fd)
        except FileNotFoundError as e:
            raise DeliveryStoreFileNotFound(key) from e
        except OSError as e:
            if e.errno == errno.ELOOP:
                raise DeliveryStoreFileNotFound(key, "a symlink stands where the file should") from e
            raise
        finally:
            os.close(dir_fd)
        try:
            regular = stat.S_ISREG(os.fstat(fd).st_mode)
        except BaseException:
            os.close(fd)
            raise
        if not regular:
            os.close(fd)
            raise DeliveryStoreFileNotFound(key, "not a regular file")
        return fd

    def _read_open(self, key):
        return open(self._open_file(key), "rb", buffering=self.chunk_size)

    def _exists(self, key):
        try:
            dir_fd = self._open_dir(key)
        except FileNotFoundError:
            return False
        try:
            st = os.stat(key, dir_fd=dir_fd, follow_symlinks=False)
        except FileNotFoundError:
            return False
        finally:
            os.close(dir_fd)
        return stat.S_ISREG(st.st_mode)

    def _size(self, key):
        fd = self._open_file(key)
        try:
            return os.fstat(fd).st_size
        finally:
            os.close(fd)

    def _remove(self, key):
        try:
            dir_fd = self._open_dir(key)
        except FileNotFoundError as e:
            raise DeliveryStoreFileNotFound(key) from e
        try:
            st = os.stat(key, dir_fd=dir_fd, follow_symlinks=False)
            if not stat.S_ISREG(st.st_mode):
                raise DeliveryStoreFileNotFound(key, "not a regular file")
            os.unlink(key, dir_fd=dir_fd)
            if self.fsync:
                os.fsync(dir_fd)
        except FileNotFoundError as e:
            raise DeliveryStoreFileNotFound(key) from e
        finally:
            os.close(dir_fd)

    def _keep_aside(self, key, aside_key):
        # A hard link: no byte is copied, and the old file survives the rename a repair makes over
        # its name (files here are only ever replaced whole, never changed in place).
        try:
            src_dir = self._open_dir(key)
        except FileNotFoundError as e:
            raise DeliveryStoreFileNotFound(key) from e
        linked = False
        try:
            dst_dir = self._open_dir(aside_key, create=True)
            try:
                try:
                    st = os.stat(key, dir_fd=src_dir, follow_symlinks=False)
                except FileNotFoundError as e:
                    raise DeliveryStoreFileNotFound(key) from e
                if not stat.S_ISREG(st.st_mode):
                    raise DeliveryStoreFileNotFound(key, "not a regular file")
                try:
                    os.link(key, aside_key, src_dir_fd=src_dir, dst_dir_fd=dst_dir, follow_symlinks=False)
                    linked = True
                except FileNotFoundError as e:
                    raise DeliveryStoreFileNotFound(key) from e
                except OSError as e:
                    if e.errno not in (errno.EPERM, errno.EMLINK, errno.EXDEV, errno.EOPNOTSUPP):
                        raise
                if linked and self.fsync:
                    os.fsync(dst_dir)  # make the link itself durable
            finally:
                os.close(dst_dir)
        finally:
            os.close(src_dir)
        if not linked:
            self._copy(key, aside_key)  # a filesystem without hard links (or out of links)

    def _copy(self, src_key, dst_key):
        src_fd = self._open_file(src_key)
        try:
            size = os.fstat(src_fd).st_size
            with self._write_open(dst_key) as writer:
                offset = 0
                while offset < size:
                    # copy_file_range lets the kernel (or a reflinking filesystem) move the bytes.
                    try:
                        n = os.copy_file_range(src_fd, writer._fd, min(size - offset, 1 << 30), offset)
                    except OSError as e:
                        if e.errno not in (errno.ENOSYS, errno.EXDEV, errno.EOPNOTSUPP, errno.EINVAL):
                            raise
                        n = _copy_by_reading(src_fd, writer, offset)
                    if n == 0:
                        raise OSError(errno.EIO, f"key {src_key} shrank while being copied ({offset} of {size} bytes)")
                    offset += n
                writer.bytes_written = offset
        finally:
            os.close(src_fd)

    # ---- listing -----------------------------------------------------------------------------

    def _walk(self):
        """Yield (relative path, DirEntry) for every non-directory below the root, never following links."""
        if not os.path.isdir(self.root):
            return
        stack = [""]
        while stack:
            rel = stack.pop()
            try:
                entries = os.scandir(os.path.join(self.root, rel))
            except FileNotFoundError:
                continue  # removed since it was listed
            with entries:
                for entry in entries:
                    path = f"{rel}/{entry.name}" if rel else entry.name
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(path)
                    else:
                        yield path, entry

    def _classify(self, path, entry):
        """Return (StoredObject or None, Leftover or None) for one entry of the walk (neither if it is gone)."""
        try:
            st = entry.stat(follow_symlinks=False)
        except FileNotFoundError:
            return None, None  # a temporary renamed into place, or a file removed, while listing
        name = entry.name
        if entry.is_symlink():
            return None, Leftover("symlink", path, 0, _mtime(st))
        if name.startswith(TEMP_PREFIX):
            return None, Leftover("temporary", path, st.st_size, _mtime(st))
        parent = path.rpartition("/")[0]
        if stat.S_ISREG(st.st_mode) and "/".join(_fanout(name)) == parent:
            return StoredObject(name, st.st_size, _mtime(st)), None
        return None, Leftover("stray", path, st.st_size, _mtime(st))

    def _iter_objects(self):
        for path, entry in self._walk():
            obj, _ = self._classify(path, entry)
            if obj is not None:
                yield obj

    def iter_leftovers(self):
        for path, entry in self._walk():
            _, leftover = self._classify(path, entry)
            if leftover is not None:
                yield leftover

    def remove_leftover(self, leftover):
        parts = safe_relative_parts(leftover.name)
        fd = self._open_root(create=False)
        try:
            for part in parts[:-1]:
                child = os.open(part, _DIR_FLAGS, dir_fd=fd)
                os.close(fd)
                fd = child
            os.unlink(parts[-1], dir_fd=fd)  # unlink removes a symlink itself, never its target
        finally:
            os.close(fd)
