"""checkstore --deep --repair / --repair-from: damaged copies mended from good ones, intact ones never written."""

import os
import uuid
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.test import TestCase

from deliveries.models import FileMeta, MissingCopy, StoreCheckRun
from deliveries.stores import FsDeliveryStore, MirroredDeliveryStore
from deliveries.testhelpers import make_delivery
from tests.support.damage import KINDS, damage, damage_share, digest, quarantined, read
from tests.support.store_faults import TempDirMixin, run_checkstore, run_checkstore_json
from tests.support.store_mixins import SwappedStoreMixin

FS = "deliveries.stores.FsDeliveryStore"


def contents(n, seed="files"):
    """n different payloads of a few KiB, deterministic."""
    return [(f"{seed}-{i}".encode() * 97)[: 1000 + 37 * i] for i in range(n)]


class RepairMixin(SwappedStoreMixin):
    """``files`` FileMetas written through ``get_store()``; their SHA-256 kept to compare after repairs."""

    files = 40

    def setUp(self):
        super().setUp()
        delivery = make_delivery("repair")
        self.filemetas = [delivery.add_file(f"f{i}.bin", [data]) for i, data in enumerate(contents(self.files))]

    def assert_all_intact(self, store):
        for fm in self.filemetas:
            self.assertEqual(digest(store, fm), fm.checksum, f"file {fm.pk} in {store.describe()}")


class TestMirroredRepair(TempDirMixin, RepairMixin, TestCase):
    """A mirrored store (filesystem + filesystem) repairs its own copies."""

    def get_store(self):
        return MirroredDeliveryStore(
            {"backend": FS, "options": {"root": f"{self.tmpdir}/primary", "fsync": False}},
            [{"backend": FS, "options": {"root": f"{self.tmpdir}/replica", "fsync": False}}],
        )

    @property
    def primary(self):
        return self.store.copies()[0].store

    @property
    def replica(self):
        return self.store.copies()[1].store

    def test_every_kind_of_damage_is_repaired(self):
        """Damage in both copies, every kind: --repair mends all of it byte for byte; a second --deep is clean."""
        in_primary = damage_share(self.primary, self.filemetas[::2])
        in_replica = damage_share(self.replica, self.filemetas[1::2])
        self.assertEqual(set(in_primary.values()), set(KINDS))
        status, doc = run_checkstore_json("--deep", "--repair")
        self.assertEqual((status, doc["ok"]), (0, True), doc)
        repaired = {(r["filemeta"], r["copy"]) for r in doc["repairs"] if r["outcome"] == "repaired"}
        expected = {(pk, "primary") for pk in in_primary} | {(pk, "replica 1") for pk in in_replica}
        self.assertEqual(repaired, expected)
        self.assertEqual(doc["summary"]["repairs"], {"repaired": len(expected)})
        self.assert_all_intact(self.primary)
        self.assert_all_intact(self.replica)
        status, doc = run_checkstore_json("--deep")
        self.assertEqual((status, doc["problems"]), (0, []))
        # Every damaged copy that held bytes is kept aside, none for the removed ones.
        kept = len(quarantined(self.primary)) + len(quarantined(self.replica))
        self.assertEqual(kept, sum(kind != "removed" for kind in [*in_primary.values(), *in_replica.values()]))
        self.assertEqual(doc["summary"]["quarantined"], kept)

    def test_intact_files_are_never_written(self):
        """After a repair, every intact file keeps its bytes, its inode and its modification time."""
        damaged = damage_share(self.primary, self.filemetas)

        def stats(store):
            return {
                fm.pk: os.stat(os.path.join(store.root, *_fanout(fm.pk))).st_mtime_ns
                for fm in self.filemetas
                if fm.pk not in damaged
            }

        before = (stats(self.primary), stats(self.replica))
        self.assertEqual(run_checkstore("--deep", "--repair")[0], 0)
        self.assertEqual((stats(self.primary), stats(self.replica)), before)
        self.assertEqual(len(before[0]), self.files - len(damaged))

    def test_damaged_in_both_copies_is_reported_not_copied(self):
        """A file damaged in both copies: 'also damaged there', exit 1, neither copy written, nothing quarantined."""
        fm, other = self.filemetas[3], self.filemetas[4]
        damage(self.primary, fm, "flipped", other)
        damage(self.replica, fm, "truncated", other)
        before = (read(self.primary, fm), read(self.replica, fm))
        status, doc = run_checkstore_json("--deep", "--repair")
        self.assertEqual((status, doc["ok"]), (1, False))
        outcomes = sorted((r["copy"], r["outcome"]) for r in doc["repairs"])
        self.assertEqual(outcomes, [("primary", "also damaged there"), ("replica 1", "also damaged there")])
        self.assertEqual((read(self.primary, fm), read(self.replica, fm)), before)
        self.assertEqual((quarantined(self.primary), quarantined(self.replica)), ({}, {}))
        fm.refresh_from_db()
        self.assertEqual(fm.status, FileMeta.Status.CORRUPT)

    def test_dry_run_writes_nothing(self):
        """--dry-run says 'would repair' and from where, writes nothing, and exits 1 (the damage is still there)."""
        fm = self.filemetas[0]
        damage(self.primary, fm, "removed", None)
        status, out = run_checkstore("--deep", "--repair", "--dry-run")
        self.assertEqual(status, 1)
        self.assertIn(f"WOULD REPAIR: file {fm.pk} (key {fm.pk} in primary, MISSING) from replica 1", out)
        self.assertIn("repairs: 1 would repair", out)
        self.assertFalse(self.primary.exists(fm))

    def test_text_report(self):
        """The text names each repair, its source and where the damaged bytes went, then the counts."""
        fm, other = self.filemetas[1], self.filemetas[2]
        damage(self.primary, fm, "another file's bytes", other)
        status, out = run_checkstore("--deep", "--repair")
        self.assertEqual(status, 0)
        (qkey,) = quarantined(self.primary)
        lines = out.splitlines()
        (row,) = [line for line in lines if line.startswith("HASH_MISMATCH ")]
        self.assertEqual(row.split()[:3], ["HASH_MISMATCH", f"#{fm.pk}", fm.filename])
        self.assertTrue(row.endswith(f"in primary: SHA-256 differs: read {other.checksum}, recorded {fm.checksum}"))
        self.assertIn(
            f"REPAIRED: file {fm.pk} (key {fm.pk} in primary, HASH_MISMATCH) from replica 1; "
            f"the damaged bytes are kept as {qkey}",
            lines,
        )
        self.assertIn("HASH_MISMATCH 1 (1 repaired)", lines[-3])
        self.assertEqual(
            lines[-2:],
            ["repairs: 1 repaired", "healthy, 1 problem repaired (HASH_MISMATCH 1 (1 repaired)): exit status 0"],
        )
        self.assertEqual(read(self.primary, qkey), read(self.replica, other))

    def test_unreadable_copy_is_never_repaired_over(self):
        """A copy whose read fails is UNREADABLE: no repair is attempted, the file keeps its status, exit 1."""
        fm = self.filemetas[5]
        real = FsDeliveryStore._read_open

        def failing(store, key):
            if store is self.primary and key == str(fm.pk):
                raise OSError(5, "Input/output error")
            return real(store, key)

        with mock.patch.object(FsDeliveryStore, "_read_open", failing):
            status, doc = run_checkstore_json("--deep", "--repair")
        self.assertEqual(status, 1)
        self.assertEqual([(p["code"], p["copy"]) for p in doc["problems"]], [("UNREADABLE", "primary")])
        self.assertEqual(doc["repairs"], [])
        self.assertEqual(quarantined(self.primary), {})
        fm.refresh_from_db()
        self.assertEqual(fm.status, FileMeta.Status.INTACT)  # the replica read back whole

    def test_missing_copies_written_by_a_degraded_write(self):
        """A copy left out by a degraded write is written by --repair and its record removed."""
        fm = self.filemetas[0]
        self.replica.remove(fm)
        MissingCopy.objects.create(key=str(fm.pk), copy="replica 1", store="x", reason="replica down")
        status, doc = run_checkstore_json("--deep", "--repair")
        self.assertEqual(status, 0)
        self.assertEqual(read(self.replica, fm), read(self.primary, fm))
        self.assertFalse(MissingCopy.objects.exists())

    def test_threads(self):
        """--jobs 3 repairs as one job does."""
        damaged = damage_share(self.primary, self.filemetas, share=0.25)
        status, doc = run_checkstore_json("--deep", "--repair", "--jobs", "3")
        self.assertEqual(status, 0)
        self.assertEqual(len([r for r in doc["repairs"] if r["outcome"] == "repaired"]), len(damaged))
        self.assert_all_intact(self.primary)

    def test_run_is_recorded(self):
        """The StoreCheckRun records the repairs in its summary and options, and passes once all are mended."""
        damage(self.primary, self.filemetas[0], "truncated", None)
        run_checkstore("--deep", "--repair")
        run = StoreCheckRun.objects.latest("started")
        self.assertEqual((run.ok, run.exit_code, run.summary["repairs"]), (True, 0, {"repaired": 1}))
        self.assertEqual((run.options["repair"], run.options["repair_from"]), (True, None))


def _fanout(pk):
    from deliveries.stores.filesystem import _fanout as fanout

    return (*fanout(str(pk)), str(pk))


class TestRepairFrom(TempDirMixin, RepairMixin, TestCase):
    """A plain filesystem store repaired from a copy made by copystore."""

    def get_store(self):
        return FsDeliveryStore(root=f"{self.tmpdir}/store", fsync=False)

    def copy_aside(self):
        out = StringIO()
        call_command("copystore", "--to", FS, "--option", f"root={self.tmpdir}/backup", stdout=out, stderr=StringIO())
        return FsDeliveryStore(root=f"{self.tmpdir}/backup", fsync=False)

    def test_repair_from_a_copystore_copy(self):
        """Damage 5% in every way; --repair-from the copy restores all of it; a second --deep is clean."""
        backup = self.copy_aside()
        damaged = damage_share(self.store, self.filemetas)
        status, doc = run_checkstore_json(
            "--deep", "--repair-from", FS, "--repair-option", f"root={self.tmpdir}/backup"
        )
        self.assertEqual(status, 0, doc)
        self.assertEqual({r["filemeta"] for r in doc["repairs"] if r["outcome"] == "repaired"}, set(damaged))
        self.assertEqual({r["source"] for r in doc["repairs"]}, {backup.describe()})
        self.assertEqual({r["copy"] for r in doc["repairs"]}, {""})  # a plain store's one copy has no name
        self.assert_all_intact(self.store)
        status, doc = run_checkstore_json("--deep")
        self.assertEqual((status, doc["problems"]), (0, []))
        statuses = set(FileMeta.objects.values_list("status", flat=True))
        self.assertEqual(statuses, {FileMeta.Status.INTACT})

    def test_not_in_the_other_store(self):
        """A file the other store lacks: 'not in the other store', exit 1, the damage stays."""
        backup = self.copy_aside()
        fm = self.filemetas[2]
        backup.remove(fm)
        damage(self.store, fm, "flipped", None)
        status, doc = run_checkstore_json(
            "--deep", "--repair-from", FS, "--repair-option", f"root={self.tmpdir}/backup"
        )
        self.assertEqual(
            (status, [(r["filemeta"], r["outcome"]) for r in doc["repairs"]]), (1, [(fm.pk, "not in the other store")])
        )
        self.assertIn("missing", doc["repairs"][0]["detail"])

    def test_unreadable_source_is_not_damage(self):
        """A source that fails to read: 'could not be read there', never 'also damaged there'; nothing written."""
        backup = self.copy_aside()
        fm = self.filemetas[2]
        damage(self.store, fm, "truncated", None)
        before = read(self.store, fm)
        real = FsDeliveryStore._read_open

        def failing(store, key):
            if store.root == backup.root:
                raise OSError(110, "Connection timed out")
            return real(store, key)

        with mock.patch.object(FsDeliveryStore, "_read_open", failing):
            status, doc = run_checkstore_json("--deep", "--repair-from", FS, "--repair-option", f"root={backup.root}")
        self.assertEqual((status, doc["repairs"][0]["outcome"]), (1, "could not be read there"))
        self.assertEqual(read(self.store, fm), before)

    def test_refusals(self):
        """Bad combinations exit 2 with a message and touch nothing."""
        cases = [
            (["--repair"], "--repair and --repair-from need --deep"),
            (["--deep", "--repair"], "keeps one copy of each file: --repair needs a store with several"),
            (["--deep", "--repair-option", "root=/x"], "--repair-option needs --repair-from"),
            (["--deep", "--dry-run"], "--dry-run needs --repair or --repair-from"),
            (["--deep", "--repair-from", "nope.Store"], "does not import"),
            (
                ["--deep", "--repair-from", FS, "--repair-option", f"root={self.tmpdir}/store"],
                "names the checked store itself",
            ),
        ]
        for args, message in cases:
            with self.subTest(args=args), self.assertRaisesMessage(CommandError, message) as caught:
                call_command("checkstore", *args, stdout=StringIO(), stderr=StringIO())
            self.assertEqual(caught.exception.returncode, 2)
        self.assertFalse(StoreCheckRun.objects.filter(ok=True).exists())


@pytest.mark.usefixtures("seaweedfs_class")
class TestMirroredWithS3Replica(TempDirMixin, RepairMixin, TestCase):
    """The issue's fault test: a filesystem primary and an S3 replica (SeaweedFS), 5% of the primary damaged."""

    files = 120

    def get_store(self):
        server = self.seaweedfs
        s3 = {
            "bucket": server.bucket,
            "prefix": f"mirror-{uuid.uuid4().hex}",
            "endpoint_url": server.endpoint_url,
            "region": "us-east-1",
            "access_key_id": server.access_key,
            "secret_access_key": server.secret_key,
        }
        return MirroredDeliveryStore(
            {"backend": FS, "options": {"root": f"{self.tmpdir}/primary", "fsync": False}},
            [{"backend": "deliveries.stores.S3DeliveryStore", "options": s3}],
        )

    def test_repair_restores_every_damaged_file(self):
        """checkstore --deep --repair restores 100% byte-identical; a second --deep is clean; an S3 copy also damaged is reported."""
        primary, replica = (copy.store for copy in self.store.copies())
        damaged = damage_share(primary, self.filemetas)
        self.assertEqual(len(damaged), 6)
        both = self.filemetas[-1]
        damage(primary, both, "flipped", None)
        damage(replica, both, "another file's bytes", self.filemetas[0])
        status, doc = run_checkstore_json("--deep", "--repair", "--jobs", "2")
        self.assertEqual(status, 1)
        outcomes = {(r["filemeta"], r["copy"]): r["outcome"] for r in doc["repairs"]}
        self.assertEqual({pk: outcomes[(pk, "primary")] for pk in damaged}, dict.fromkeys(damaged, "repaired"))
        self.assertEqual(outcomes[(both.pk, "primary")], "also damaged there")
        self.assertEqual(outcomes[(both.pk, "replica 1")], "also damaged there")
        for fm in self.filemetas[:-1]:
            self.assertEqual(read(primary, fm), read(replica, fm))
            self.assertEqual(digest(primary, fm), fm.checksum)
        # Mend the last one by hand (as an operator would from a backup), then all is clean.
        with primary.write_open(both) as writer:
            writer.write(contents(self.files)[-1])
        status, doc = run_checkstore_json("--deep", "--repair")
        self.assertEqual(status, 0)
        status, doc = run_checkstore_json("--deep")
        self.assertEqual((status, doc["problems"]), (0, []))
