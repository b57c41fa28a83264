"""
``seedfactory --size large`` (>= 100,000 FileMeta with their bytes in the filesystem store)
against the floor of its two halves, measured in the same run: inserting the same number of
rows with a bare ``bulk_create``, and writing the same files with plain ``open``/``write``/
``rename`` into a fanned-out tree. Size: ``BENCH_SEED_SIZE`` (default large).
"""

import os
import time

from bench.harness import django_in_tempdir, print_table


def _plain_files(root, sizes_and_data):
    """The floor for the bytes: the same files, written without the store (temp file + rename)."""
    start = time.perf_counter()
    for i, data in enumerate(sizes_and_data):
        directory = os.path.join(root, str(i // 1_000_000), f"{(i // 1000) % 1000:03d}")
        os.makedirs(directory, exist_ok=True)
        tmp = os.path.join(directory, f".tmp-{i}")
        with open(tmp, "wb") as f:
            f.write(data)
        os.rename(tmp, os.path.join(directory, str(i)))
    return time.perf_counter() - start


def _plain_rows(filemetas):
    """The floor for the rows: the same FileMeta rows through a bare bulk_create."""
    from django.db import transaction

    from deliveries.models import FileMeta

    copies = [
        FileMeta(
            delivery_id=fm.delivery_id,
            filename=f"copy-{fm.filename}",
            size=fm.size,
            checksum=fm.checksum,
            content_type=fm.content_type,
            created=fm.created,
        )
        for fm in filemetas
    ]
    start = time.perf_counter()
    with transaction.atomic():
        FileMeta.objects.bulk_create(copies)
        elapsed = time.perf_counter() - start
        transaction.set_rollback(True)
    return elapsed


def main():
    tmp = django_in_tempdir("bench-seedfactory-")
    from deliveries.models import FileMeta
    from deliveries.seeding import demo as seeding

    size = os.environ.get("BENCH_SEED_SIZE", "large")
    report = seeding.seed_demo(size, seed=0)
    filemetas = list(FileMeta.objects.all())
    store = FileMeta.deliverystore
    by_checksum = {}  # the pool's few hundred contents, read back once each
    for fm in filemetas:
        if fm.checksum not in by_checksum:
            with store.read_open(fm) as reader:
                by_checksum[fm.checksum] = reader.read()
    data = (by_checksum[fm.checksum] for fm in filemetas)
    files_floor = _plain_files(os.path.join(tmp, "plain"), data)
    rows_floor = _plain_rows(filemetas)
    floor = files_floor + rows_floor
    print_table(
        f"seedfactory --size {size}: {report.files:,} files, {report.bytes / 2**20:,.0f} MiB, fs store (fsync off)",
        ["what", "seconds", "files/s", "x floor"],
        [
            (
                "seedfactory (rows through the factory + bytes through the store)",
                f"{report.seconds:.1f}",
                f"{report.files / report.seconds:,.0f}",
                f"{floor / report.seconds:.2f}",
            ),
            ("floor: bare bulk_create of the FileMeta rows", f"{rows_floor:.1f}", "", ""),
            (
                "floor: plain open/write/rename of the same files",
                f"{files_floor:.1f}",
                f"{report.files / files_floor:,.0f}",
                "",
            ),
            ("floor: both", f"{floor:.1f}", f"{report.files / floor:,.0f}", "1.00"),
        ],
    )


if __name__ == "__main__":
    main()
