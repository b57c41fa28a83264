"""The store mechanics in stores/base.py: the options table, the chunked writer, the path check, the facts."""

import inspect
import os
import shutil
import tempfile
from unittest import mock

from django.conf import settings
from django.test import SimpleTestCase, override_settings

from deliveries.models import FileMeta
from deliveries.stores import (
    DatabaseDeliveryStore,
    DbmDeliveryStore,
    DeliveryStoreInterface,
    DjangoStorageDeliveryStore,
    FsDeliveryStore,
    InvalidStoreError,
    Leftover,
    MemoryDeliveryStore,
    S3DeliveryStore,
)
from deliveries.stores.base import (
    ChunkedWriter,
    Option,
    StoreFacts,
    UnsafePath,
    boolean,
    file_mode,
    one_of,
    positive_int,
    positive_number,
    safe_relative_parts,
    value_or_setting,
)


class TinyStore(MemoryDeliveryStore):
    """A store with one option of each layer's interest: a setting with a default, and a required one."""

    options = {
        "colour": Option("TINY_STORE_COLOUR", "grey", one_of("grey", "blue", "red")),
        "depth": Option("TINY_STORE_DEPTH", required=True, clean=positive_int),
    }


class TestOptionPrecedence(SimpleTestCase):
    """keyword > setting > default, each layer pinned on its own."""

    @override_settings(TINY_STORE_COLOUR="blue", TINY_STORE_DEPTH=2)
    def test_keyword_beats_setting(self):
        """A keyword wins over the setting of the same option."""
        store = TinyStore(colour="red", depth=5)
        self.assertEqual((store.colour, store.depth), ("red", 5))

    @override_settings(TINY_STORE_COLOUR="blue", TINY_STORE_DEPTH=2)
    def test_setting_fills_a_left_out_keyword(self):
        """A keyword left out (or None) takes the setting."""
        for store in (TinyStore(), TinyStore(colour=None, depth=None)):
            with self.subTest(store=store):
                self.assertEqual((store.colour, store.depth), ("blue", 2))

    @override_settings(TINY_STORE_DEPTH=1)
    def test_default_when_the_setting_is_not_defined(self):
        """A project that does not define the setting gets the table's default."""
        self.assertFalse(hasattr(settings, "TINY_STORE_COLOUR"))
        self.assertEqual(TinyStore().colour, "grey")

    def test_default_of_a_real_backend(self):
        """FsDeliveryStore's defaults apply when the project defines none of its settings but the root."""
        with override_settings():
            for name in ("FSYNC", "FILE_MODE", "DIR_MODE", "CHUNK_SIZE"):
                delattr(settings, f"DELIVERY_STORE_{name}")
            store = FsDeliveryStore("/srv/x")
        self.assertEqual(
            (store.root, store.fsync, store.file_mode, store.dir_mode, store.chunk_size),
            ("/srv/x", True, 0o640, 0o750, 1024 * 1024),
        )

    def test_settings_are_read_when_the_store_is_built(self):
        """override_settings applies to a store built inside it, and to the configured store after it."""
        with override_settings(DELIVERY_STORE_BACKEND="deliveries.stores.FsDeliveryStore", DELIVERY_STORE_ROOT="/a"):
            self.assertEqual(FsDeliveryStore().root, "/a")
            with override_settings(DELIVERY_STORE_FSYNC=False):
                self.assertIs(FileMeta.deliverystore.fsync, False)
            self.assertIs(FileMeta.deliverystore.fsync, True)

    def test_value_or_setting(self):
        """The lookup itself: value, else setting, else default; an unnamed setting is the default."""
        with override_settings(TINY_STORE_DEPTH=3):
            cases = [
                ((0, "TINY_STORE_DEPTH", 9), 0),  # 0 and "" are values, only None is "left out"
                ((None, "TINY_STORE_DEPTH", 9), 3),
                ((None, "TINY_STORE_UNDEFINED", 9), 9),
                ((None, None, 9), 9),
            ]
            for args, expected in cases:
                with self.subTest(args=args):
                    self.assertEqual(value_or_setting(*args), expected)


class TestOptionRefusals(SimpleTestCase):
    def test_unknown_option_names_backend_and_option(self):
        """An option not in the table is InvalidStoreError (ImproperlyConfigured) naming both, built directly too."""
        with self.assertRaisesMessage(
            InvalidStoreError, "TinyStore refuses the options ['size']: it takes colour, depth."
        ):
            TinyStore(depth=1, size=3)
        with self.assertRaisesMessage(InvalidStoreError, "FsDeliveryStore refuses the options ['colour', 'roots']"):
            FsDeliveryStore("/x", roots="/y", colour="blue")

    def test_required_option_says_what_to_set(self):
        """A required option left empty names the setting to set."""
        for value in (None, ""):
            with self.subTest(value=value):
                with self.assertRaisesMessage(InvalidStoreError, "TinyStore needs a depth: set TINY_STORE_DEPTH."):
                    TinyStore(depth=value)

    def test_bad_value_names_option_value_and_reason(self):
        """A value the cleaner refuses: backend, option, value and the reason, in one sentence."""
        with self.assertRaisesMessage(
            InvalidStoreError, "TinyStore refuses colour='green': use 'grey', 'blue' or 'red'."
        ):
            TinyStore(colour="green", depth=1)
        with self.assertRaisesMessage(
            InvalidStoreError, "FsDeliveryStore refuses fsync='false': it must be true or false."
        ):
            FsDeliveryStore("/x", fsync="false")

    def test_signature_lists_the_options(self):
        """help() and inspect show every keyword a backend takes; a store without a table keeps its own."""
        self.assertEqual(
            str(inspect.signature(FsDeliveryStore)),
            "(root=None, *, fsync=None, file_mode=None, dir_mode=None, chunk_size=None)",
        )
        self.assertEqual(str(inspect.signature(TinyStore)), "(*, colour=None, depth=None)")

        class OwnInit(DeliveryStoreInterface):
            def __init__(self, directory):
                self.directory = directory

        self.assertEqual(str(inspect.signature(OwnInit)), "(directory)")


class TestCleaners(SimpleTestCase):
    def test_each_cleaner_on_good_and_bad_values(self):
        """Each cleaner keeps or converts good values and refuses bad ones with its reason."""
        cases = [
            (positive_int, [(1, 1), ("64", 64), (2.0, 2)], [0, -1, "big", None], "whole number above 0"),
            (positive_number, [(0.5, 0.5), ("2", 2.0), (3, 3.0)], [0, -1.0, "soon", None, float("nan")], "above 0"),
            (
                boolean,
                [(True, True), (False, False), (1, True), (0, False)],
                ["false", "yes", None, 2],
                "true or false",
            ),
            (
                file_mode,
                [(0o640, 0o640), ("0640", 0o640), ("750", 0o750)],
                ["abc", "9", -1, 0o10000, 1.5, True],
                "mode",
            ),
        ]
        for clean, good, bad, reason in cases:
            for value, expected in good:
                with self.subTest(clean=clean.__name__, value=value):
                    self.assertEqual(clean(value), expected)
            for value in bad:
                with self.subTest(clean=clean.__name__, value=value), self.assertRaisesMessage(ValueError, reason):
                    clean(value)


# ---- the path check ---------------------------------------------------------------------------------

GOOD_PATHS = [
    ("notes.txt", ["notes.txt"]),
    ("0/000/.tmp-5-abc", ["0", "000", ".tmp-5-abc"]),
    ("a..b/c...", ["a..b", "c..."]),
    ("sub/notes.txt", ["sub", "notes.txt"]),
    ("back\\slash", ["back\\slash"]),  # a backslash is a plain character on POSIX
]

BAD_PATHS = [
    ("", "it is empty"),
    (None, "it is empty"),
    ("/etc/passwd", "it is absolute"),
    ("\\windows\\system32", "it is absolute"),
    ("..", "'.' or '..' component"),
    ("../outside/x", "'.' or '..' component"),
    ("a/../../b", "'.' or '..' component"),
    ("a/./b", "'.' or '..' component"),
    ("a//b", "'.' or '..' component"),
    ("trailing/", "'.' or '..' component"),
    ("a\\..\\b", "'.' or '..' component"),  # as some storages read it
    ("nul\x00byte", "it contains a NUL character"),
]


class TestSafeRelativeParts(SimpleTestCase):
    def test_good_names(self):
        """Relative names inside the store are split into their components."""
        for path, parts in GOOD_PATHS:
            with self.subTest(path=path):
                self.assertEqual(safe_relative_parts(path), parts)

    def test_bad_names(self):
        """Names that could lead elsewhere are UnsafePath (a ValueError) naming the path and the reason."""
        for path, reason in BAD_PATHS:
            with self.subTest(path=path), self.assertRaisesMessage(UnsafePath, reason) as caught:
                safe_relative_parts(path)
            self.assertIsInstance(caught.exception, ValueError)
            self.assertIn(f"{path!r} is not a path inside the store", str(caught.exception))

    def test_every_store_refuses_to_remove_a_bad_leftover(self):
        """remove_leftover of the filesystem and Django-storage stores uses the one check."""
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        outside = os.path.join(tmp, "outside")
        open(outside, "w").close()
        stores = [FsDeliveryStore(os.path.join(tmp, "root")), DjangoStorageDeliveryStore(prefix="x")]
        for store in stores:
            for path, reason in BAD_PATHS:
                with self.subTest(store=store.describe(), path=path), self.assertRaisesMessage(UnsafePath, reason):
                    store.remove_leftover(Leftover("stray", path))
        self.assertTrue(os.path.exists(outside))

    @override_settings(DELIVERY_STORE_S3_BUCKET="b")
    def test_prefixes_use_the_one_check(self):
        """Storage and S3 prefixes are checked the same way, and refused as configuration."""
        builders = {"DjangoStorageDeliveryStore": DjangoStorageDeliveryStore, "S3DeliveryStore": S3DeliveryStore}
        for prefix in ("../x", "a/./b", "a\x00b"):
            for name, build in builders.items():
                with self.subTest(store=name, prefix=prefix):
                    with self.assertRaisesMessage(InvalidStoreError, f"{name} refuses prefix={prefix!r}: it "):
                        build(prefix=prefix)


# ---- the chunked writer -----------------------------------------------------------------------------


class RecordingWriter(ChunkedWriter):
    """Keeps what the hooks were asked to do, in order."""

    def __init__(self, key, chunk_size, fail_at=None):
        super().__init__(key, chunk_size)
        self.chunks, self.calls, self.fail_at = {}, [], fail_at

    def _put_chunk(self, index, data):
        self.calls.append(("put", index, len(data)))
        if index == self.fail_at:
            raise OSError(5, "I/O error")
        self.chunks[index] = data

    def _publish(self):
        self.calls.append(("publish", self.chunk_count, self.bytes_written))

    def _discard(self):
        self.calls.append(("discard", self.chunk_count))


class TestChunkedWriter(SimpleTestCase):
    def test_chunks_are_full_but_the_last_whatever_the_writes(self):
        """Any split of the same bytes into writes gives the same chunks, all full but the last, then one publish."""
        data = bytes(range(256)) * 40  # 10,240 bytes
        for sizes in ([len(data)], [1] * 100 + [len(data) - 100], [999, 1, 1000, 3000, 5240], [7] * 1463 + [99]):
            with self.subTest(sizes=sizes[:4]):
                writer = RecordingWriter("5", 1000)
                offset = 0
                for size in sizes:
                    writer.write(data[offset : offset + size])
                    offset += size
                    self.assertLess(len(writer._pending), 1000)  # never more than one chunk waits
                writer.close()
                self.assertEqual(b"".join(writer.chunks[i] for i in sorted(writer.chunks)), data)
                self.assertEqual({len(c) for c in list(writer.chunks.values())[:-1]}, {1000})
                self.assertEqual(writer.calls[-1], ("publish", 11, len(data)))
                self.assertEqual([c[0] for c in writer.calls].count("publish"), 1)

    def test_exact_multiple_and_empty(self):
        """A size that is a multiple of the chunk has no empty last chunk; an empty object has no chunk."""
        writer = RecordingWriter("5", 4)
        writer.write(b"12345678")
        writer.close()
        self.assertEqual(writer.calls, [("put", 0, 4), ("put", 1, 4), ("publish", 2, 8)])
        empty = RecordingWriter("6", 4)
        empty.close()
        self.assertEqual(empty.calls, [("publish", 0, 0)])

    def test_abort_discards_without_publishing(self):
        """An exception inside the with discards what was put; nothing is published."""
        writer = RecordingWriter("5", 4)
        with self.assertRaises(RuntimeError), writer:
            writer.write(b"123456789")
            raise RuntimeError("client went away")
        self.assertEqual(writer.calls, [("put", 0, 4), ("put", 1, 4), ("discard", 2)])

    def test_failed_put_is_discarded_too(self):
        """A chunk whose put fails halfway counts as put, so the abort removes whatever of it landed."""
        writer = RecordingWriter("5", 4, fail_at=1)
        with self.assertRaisesMessage(OSError, "I/O error"), writer:
            writer.write(b"123456789")
        self.assertEqual(writer.calls, [("put", 0, 4), ("put", 1, 4), ("discard", 2)])

    def test_failed_last_put_at_close(self):
        """The last chunk failing at close() aborts: discard, no publish."""
        writer = RecordingWriter("5", 4, fail_at=2)
        writer.write(b"123456789")
        with self.assertRaisesMessage(OSError, "I/O error"):
            writer.close()
        self.assertEqual(writer.calls[-2:], [("put", 2, 1), ("discard", 3)])


# ---- the facts ------------------------------------------------------------------------------------


@override_settings(DELIVERY_STORE_S3_BUCKET="b")
class TestFacts(SimpleTestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="facts-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.afile = os.path.join(self.tmp, "a-file")
        open(self.afile, "w").close()

    def facts(self, store):
        facts = store.health_facts()
        self.assertIsInstance(facts, StoreFacts)
        return (facts.kind, facts.exists, facts.writable)

    def test_default_knows_nothing(self):
        """A store that does not override the hook reports unknowns, never a problem."""

        class Plain(DeliveryStoreInterface):
            def describe(self):
                return "Plain store"

        facts = Plain().health_facts()
        self.assertEqual((facts.exists, facts.writable, facts.problem, facts.location), (None, None, "", "Plain store"))

    def test_filesystem(self):
        """FsDeliveryStore: its root, present or creatable, or why not, with the setting to change."""
        root = os.path.join(self.tmp, "root")
        cases = [
            (self.tmp, ("root", True, True), ""),
            (root, ("root", False, True), ""),  # created on the first write
            (self.afile, ("root", False, False), "its root is not a directory"),
            (os.path.join(self.afile, "below"), ("root", False, False), f"cannot be created: {self.afile} is not a"),
        ]
        for path, expected, problem in cases:
            with self.subTest(path=path):
                store = FsDeliveryStore(path)
                self.assertEqual(self.facts(store), expected)
                facts = store.health_facts()
                self.assertEqual((facts.location, facts.setting), (path, "DELIVERY_STORE_ROOT"))
                if problem:
                    self.assertIn(problem, facts.problem)
                    self.assertIn("Set DELIVERY_STORE_ROOT", facts.problem)
                else:
                    self.assertEqual(facts.problem, "")

    def test_filesystem_not_writable(self):
        """A root (or the directory above a missing one) this process may not write to."""
        # Root may write anywhere, so the kernel's answer is stood in for.
        for path, words in ((self.tmp, "its root is not writable"), (f"{self.tmp}/new", "cannot be created")):
            with self.subTest(path=path), mock.patch("deliveries.stores.base.os.access", return_value=False):
                facts = FsDeliveryStore(path).health_facts()
                self.assertEqual((facts.writable, facts.exists), (False, path == self.tmp))
                self.assertIn(words, facts.problem)
                self.assertIn("by this process", facts.problem)

    def test_dbm(self):
        """DbmDeliveryStore: its file (a database dbm can open), and the directory beside it."""
        existing = os.path.join(self.tmp, "existing.dbm")
        with DbmDeliveryStore(existing).write_open("1") as writer:
            writer.write(b"x")
        cases = [
            (os.path.join(self.tmp, "new.dbm"), ("dbm file", False, True), ""),
            (existing, ("dbm file", True, True), ""),
            (self.afile, ("dbm file", False, False), "its dbm file is not a dbm database"),
            (self.tmp, ("dbm file", False, False), "its dbm file is not a file"),
            (os.path.join(self.afile, "x.dbm"), ("dbm file", False, False), "its dbm file cannot be created"),
        ]
        for path, expected, problem in cases:
            with self.subTest(path=path):
                facts = DbmDeliveryStore(path).health_facts()
                self.assertEqual(self.facts(DbmDeliveryStore(path)), expected)
                self.assertEqual((facts.location, facts.setting), (path, "DELIVERY_STORE_DBM_FILENAME"))
                self.assertEqual(bool(problem), bool(facts.problem))
                self.assertIn(problem, facts.problem)

    def test_database(self):
        """DatabaseDeliveryStore: a configured alias is unknown until asked; a missing one is a problem."""
        self.assertEqual(self.facts(DatabaseDeliveryStore()), ("database", None, None))
        facts = DatabaseDeliveryStore(using="elsewhere").health_facts()
        self.assertEqual((facts.exists, facts.writable), (False, False))
        self.assertIn("its database 'elsewhere' is not in DATABASES", facts.problem)

    def test_django_storage(self):
        """DjangoStorageDeliveryStore: a missing STORAGES alias is a problem; a present one is the storage's business."""
        with override_settings(STORAGES={**settings.STORAGES, "mine": {"BACKEND": "x.Y"}}):
            self.assertEqual(self.facts(DjangoStorageDeliveryStore(alias="mine")), ("storage", None, None))
        facts = DjangoStorageDeliveryStore(alias="nope").health_facts()
        self.assertEqual((facts.exists, facts.writable, facts.setting), (False, False, "DELIVERY_STORE_STORAGE_ALIAS"))
        self.assertIn("STORAGES has no alias 'nope'", facts.problem)

    def test_s3_without_the_network(self):
        """S3DeliveryStore: the bucket it writes to; whether it exists only a request can tell."""
        store = S3DeliveryStore(bucket="hand-ins", prefix="2026", endpoint_url="http://127.0.0.1:9")
        facts = store.health_facts()
        self.assertEqual(
            (facts.kind, facts.location, facts.exists, facts.writable, facts.setting),
            ("bucket", "s3://hand-ins/2026/", None, None, "DELIVERY_STORE_S3_BUCKET"),
        )
        self.assertIsNone(store._client)  # no client made, so no request sent

    def test_memory(self):
        """MemoryDeliveryStore is always there and writable."""
        self.assertEqual(self.facts(MemoryDeliveryStore()), ("memory", True, True))
        self.assertEqual(MemoryDeliveryStore().health_facts().description, "memory of this process")
