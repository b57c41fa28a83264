"""
Background verification (``deliveries.background``) against ``checkstore --deep`` on the same
files: small files in a filesystem store, SQLite, fsync off.

* whole processes: ``manage.py checkstore --deep`` (the baseline) against a verification task
  run by ``manage.py db_worker --batch``, from the moment it is queued to its outcome recorded
  (Django's start-up included in both);
* in process: ``health.run_check`` at level deep against ``verify_files_task.call``.

Speed ratios are the baseline's seconds over each row's (above 1: faster than the baseline).
Size: ``BENCH_TASK_FILES`` (default 100,000); ``BENCH_TASK_ROUNDS`` interleaved rounds (default 3),
after one unmeasured round (the seeding's writes still reaching the disk would slow whichever
ran first), best kept.
"""

import gc
import hashlib
import os
import subprocess
import sys
import time

from bench.harness import django_in_tempdir, print_table

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _seed(store, count):
    """``count`` files of about 100 bytes, each its own bytes, with their real size and SHA-256."""
    from deliveries.models import FileMeta
    from deliveries.testhelpers import make_delivery

    delivery = make_delivery("bench-tasks")
    payloads = [f"file {i} of the background verification bench\n".encode() * 2 for i in range(count)]
    rows = FileMeta.objects.bulk_create(
        (
            FileMeta(delivery=delivery, filename=f"f{i}.txt", size=len(p), checksum=hashlib.sha256(p).hexdigest())
            for i, p in enumerate(payloads)
        ),
        batch_size=5000,
    )
    for filemeta, payload in zip(rows, payloads):
        with store.write_open(filemeta) as writer:
            writer.write(payload)
    ids = [f.pk for f in rows]
    del rows, payloads
    gc.collect()  # the in-process variants must not pay for collecting the seeding's objects
    gc.freeze()
    return ids


def _manage(*args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, stdout=subprocess.DEVNULL, check=True)


def _through_worker(ids):
    """Queue a verification of ``ids`` and run it in ``db_worker --batch``; check its outcome."""
    from django.db import transaction

    from deliveries.background import start_verification
    from deliveries.models import BackgroundJob

    with transaction.atomic():
        job = start_verification(None, ids)
    _manage("db_worker", "--batch", "--no-reload", "--no-startup-delay", "--interval", "0", "-v", "0")
    job.refresh_from_db()
    assert job.state == "finished" and job.ok and job.done == len(ids), (job.state, job.outcome)
    BackgroundJob.objects.filter(pk=job.pk).delete()


def _in_process_task(ids):
    from deliveries.background import verify_files_task
    from deliveries.models import BackgroundJob

    job = BackgroundJob.objects.create(kind="verify", filemetas=ids, total=len(ids))
    verify_files_task.call(job.pk)
    job.refresh_from_db()
    assert job.ok and job.done == len(ids), job.outcome


def _in_process_check(count):
    from deliveries import health
    from deliveries.models import FileMeta

    result = health.run_check(lambda: FileMeta.deliverystore, level="deep", backend="bench", update_status=True)
    assert result.report.ok and result.report.files == count, result.report.summary()


def main():
    django_in_tempdir("bench-tasks-")
    from deliveries.models import FileMeta

    count = int(os.environ.get("BENCH_TASK_FILES", "100000"))
    rounds = int(os.environ.get("BENCH_TASK_ROUNDS", "3"))
    start = time.perf_counter()
    ids = _seed(FileMeta.deliverystore, count)
    seeded = time.perf_counter() - start
    variants = {
        "manage.py checkstore --deep (baseline)": lambda: _manage("checkstore", "--deep", "--json"),
        "verification task in db_worker --batch": lambda: _through_worker(ids),
        "in process: health.run_check deep": lambda: _in_process_check(count),
        "in process: verify_files_task.call": lambda: _in_process_task(ids),
    }
    best = dict.fromkeys(variants, float("inf"))
    for round_ in range(rounds + 1):  # interleaved, so a burst of load elsewhere hits every variant alike
        for name, fn in variants.items():
            clock = time.perf_counter()
            fn()
            if round_:  # round 0 warms up
                best[name] = min(best[name], time.perf_counter() - clock)
    baseline = best["manage.py checkstore --deep (baseline)"]
    in_process = best["in process: health.run_check deep"]
    rows = []
    for name, seconds in best.items():
        reference = in_process if name.startswith("in process") else baseline
        rows.append((name, f"{seconds:.2f}", f"{count / seconds:,.0f}", f"{reference / seconds:.2f}"))
    print_table(
        f"Background verification: {count:,} files of ~100 bytes (seeded in {seeded:.0f} s), best of {rounds}",
        ["what", "seconds", "files/s", "x checkstore --deep"],
        rows,
    )


if __name__ == "__main__":
    main()
