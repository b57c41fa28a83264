"""
checkstore speed, as ratios against baselines measured in the same run on the same bytes:

* ``--deep --jobs 2`` (read + SHA-256 of every byte) against ``openssl dgst -sha256`` and
  ``sha256sum``, each run as two parallel processes over the same files from the page cache;
  in process (the check itself) and as the whole ``manage.py`` command (Django's start-up and
  the run's record included);
* the light check of 100,000 files against the bare listing of the store (``find -printf``),
  with its peak Python memory.

Sizes: ``BENCH_DEEP_MIB`` (default 2048, in 64 files) and ``BENCH_LIGHT_FILES`` (default 100,000).
"""

import hashlib
import os
import subprocess
import sys
import time
import tracemalloc
from datetime import timedelta

from bench.harness import django_in_tempdir, print_table

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

DEEP_FILES = 64
REPEATS = 3


def _best(variants, repeats=REPEATS):
    """
    {name: best wall time} of each ``variants[name]()``. Rounds interleave the variants, so a
    burst of load from elsewhere on the machine hits them all alike rather than one.
    """
    best = dict.fromkeys(variants, float("inf"))
    for _ in range(repeats):
        for name, fn in variants.items():
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def _two_processes(argv, paths):
    """Run ``argv + half of paths`` as two processes at once; raise if either fails."""
    halves = [paths[0::2], paths[1::2]]
    procs = [subprocess.Popen([*argv, *half], stdout=subprocess.DEVNULL) for half in halves]
    for proc in procs:
        if proc.wait() != 0:
            raise RuntimeError(f"{argv[0]} failed with status {proc.returncode}")


def _make_delivery(prefix):
    from deliveries.testhelpers import make_delivery

    return make_delivery(prefix)


def _seed_big_files(store, total_mib):
    """``DEEP_FILES`` files of ``total_mib`` MiB in all, with rows carrying their real SHA-256."""
    from deliveries.models import FileMeta

    size = total_mib * 1024 * 1024 // DEEP_FILES
    base = os.urandom(size)
    delivery = _make_delivery("bench-deep")
    rows = FileMeta.objects.bulk_create(
        FileMeta(delivery=delivery, filename=f"big{i}.bin", size=size, checksum="") for i in range(DEEP_FILES)
    )
    for i, fm in enumerate(rows):
        data = i.to_bytes(8, "big") + base[8:]  # distinct bytes per file, no time spent on randomness
        with store.write_open(fm) as writer:
            writer.write(data)
        fm.checksum = hashlib.sha256(data).hexdigest()
    FileMeta.objects.bulk_update(rows, ["checksum"])
    root = store.health_facts().location  # the configured FsDeliveryStore's directory
    return [os.path.join(root, *_relpath(fm.pk)) for fm in rows]


def _relpath(pk):
    from deliveries.stores.filesystem import _fanout

    return (*_fanout(str(pk)), str(pk))


def bench_deep(store, total_mib):
    from deliveries import health

    paths = _seed_big_files(store, total_mib)
    nbytes = sum(os.path.getsize(p) for p in paths)
    mib = nbytes / 1024 / 1024

    def deep(jobs):
        report = health.check_store(store, level="deep", jobs=jobs)
        assert report.ok and report.bytes_read == nbytes, report.as_dict()

    best = _best(
        {
            "checkstore --deep --jobs 1": lambda: deep(1),
            "checkstore --deep --jobs 2": lambda: deep(2),
            "manage.py checkstore --deep --jobs 2 (whole command)": lambda: subprocess.run(
                [sys.executable, "manage.py", "checkstore", "--deep", "--jobs", "2", "--json"],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                check=True,
            ),
            "openssl dgst -sha256, 2 processes": lambda: _two_processes(["openssl", "dgst", "-sha256"], paths),
            "sha256sum, 2 processes": lambda: _two_processes(["sha256sum"], paths),
        }
    )
    openssl, sha256sum = best["openssl dgst -sha256, 2 processes"], best["sha256sum, 2 processes"]
    rows = list(best.items())
    out = [
        (name, f"{seconds:.3f}", f"{mib / seconds:,.0f}", f"{openssl / seconds:.2f}", f"{sha256sum / seconds:.2f}")
        for name, seconds in rows
    ]
    print_table(
        f"Deep check: {mib:,.0f} MiB in {len(paths)} files, page cache warm, best of {REPEATS}",
        ["what", "seconds", "MiB/s", "x openssl (2 proc)", "x sha256sum (2 proc)"],
        out,
    )
    for path in paths:  # make room for the light benchmark's files
        os.unlink(path)
    from deliveries.models import FileMeta

    FileMeta.objects.all().delete()


def _seed_many_small(store, count):
    from deliveries.models import FileMeta

    delivery = _make_delivery("bench-light")
    payload = b"x" * 100
    checksum = hashlib.sha256(payload).hexdigest()
    start = time.perf_counter()
    rows = FileMeta.objects.bulk_create(
        (FileMeta(delivery=delivery, filename=f"f{i}.txt", size=len(payload), checksum=checksum) for i in range(count)),
        batch_size=5000,
    )
    for fm in rows:
        with store.write_open(fm) as writer:
            writer.write(payload)
    return time.perf_counter() - start


def bench_light(store, count):
    from deliveries import health

    seed_seconds = _seed_many_small(store, count)

    def light():
        report = health.check_store(store, min_age=timedelta(0))
        assert report.ok and report.files == count, report.summary()
        return report

    find = ["find", store.health_facts().location, "-type", "f", "-printf", "%s %p\n"]
    best = _best({"light": light, "find": lambda: subprocess.run(find, stdout=subprocess.DEVNULL, check=True)})
    seconds, listing = best["light"], best["find"]
    tracemalloc.start()
    light()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print_table(
        f"Light check: {count:,} files (seeded in {seed_seconds:.1f} s), best of {REPEATS}",
        ["what", "seconds", "files/s", "x find -printf", "peak Python MiB"],
        [
            (
                "checkstore (light)",
                f"{seconds:.2f}",
                f"{count / seconds:,.0f}",
                f"{listing / seconds:.2f}",
                f"{peak / 1024 / 1024:.1f}",
            ),
            ("find -type f -printf (listing only)", f"{listing:.2f}", f"{count / listing:,.0f}", "1.00", "-"),
        ],
    )


def main():
    django_in_tempdir("bench-checkstore-")
    from deliveries.models import FileMeta

    store = FileMeta.deliverystore
    bench_deep(store, int(os.environ.get("BENCH_DEEP_MIB", "2048")))
    bench_light(store, int(os.environ.get("BENCH_LIGHT_FILES", "100000")))


if __name__ == "__main__":
    main()
