"""
The admin at scale, two measurements:

1. The file list on SQLite with 1,000,000 rows against the same pages with 100 rows (the
   baseline), and the delivery list beside it (a fifth as many rows): latency (best of
   BENCH_REPEAT) and query count per page, with the students, lateness and name search of
   issue 16. Aim (issues 4 and 16): under 150 ms per page, and the same number of queries as
   with 100 rows.
2. Peak memory (RSS above idle) while downloading a 1 GiB file through the download view, and
   through the delivery zip, against idle and against Django's own FileResponse over the same
   file. Aim: under 32 MiB above idle. The peak (VmHWM) is reset before each way
   (/proc/self/clear_refs), in a child process that holds nothing else.

Environment: BENCH_ADMIN_ROWS (default 1000000), BENCH_ADMIN_DOWNLOAD_MIB (default 1024),
BENCH_REPEAT (default 5), BENCH_DIR (where the temporary databases and files go).
"""

import datetime
import json
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time

from bench.harness import print_table, run_child

ROWS = int(os.environ.get("BENCH_ADMIN_ROWS", "1000000"))
BASELINE_ROWS = 100
DOWNLOAD_MIB = int(os.environ.get("BENCH_ADMIN_DOWNLOAD_MIB", "1024"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))
MiB = 1024 * 1024
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Each list has rows at both sizes, so both run the same queries (an empty list skips one).
PAGES = [
    ("files: first page", "filemeta/"),
    ("files: page 50 (last at 100 rows)", "filemeta/?p={deep_page}"),
    ("files: status filter", "filemeta/?status__exact=unverified"),
    ("files: type filter", "filemeta/?type=image"),
    ("files: lateness filter", "filemeta/?lateness=late"),
    ("files: assignment filter", "filemeta/?delivery__assignment_group__assignment__id__exact=1"),
    ("files: year drill-down", "filemeta/?created__year=2025"),
    ("files: checksum search", "filemeta/?q=" + f"{42:064x}"),
    ("files: candidate search", "filemeta/?q=cand-42"),
    ("files: student's full name", "filemeta/?q=Amira+Khan"),
    ("files: filename search, 1 match", "filemeta/?q=file0000042"),
    ("deliveries: first page", "delivery/"),
    ("deliveries: lateness filter", "delivery/?lateness=on_time"),
    ("deliveries: student's full name", "delivery/?q=Amira+Khan"),
]


def _child(mode, *args):
    """Run this module as a child process in ``mode``; return its JSON answer."""
    return run_child("bench.bench_admin", mode, *args)


def _setup(db_path, store_root):
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ["DELIVERY_STORE_BACKEND"] = "deliveries.stores.FsDeliveryStore"
    os.environ["DELIVERY_STORE_ROOT"] = store_root
    os.environ["DELIVERY_STORE_FSYNC"] = "off"
    os.environ["DJANGO_SETTINGS_MODULE"] = "project.settings"
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _bulk_insert(db_path, rows):
    """Insert the hierarchy and ``rows`` FileMeta rows with raw executemany: seconds, not minutes."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from deliveries.models import Assignment, AssignmentGroup, Candidate, Delivery, Period, Subject

    # Shaped like a big installation: 10 periods x 10 assignments, 50 groups each, 5 files a delivery.
    now = timezone.now()
    subject = Subject.objects.create(short_name="bench", long_name="Bench")
    periods = [
        Period.objects.create(
            subject=subject,
            short_name=f"p{i}",
            long_name="P",
            start_time=now,
            end_time=now + timezone.timedelta(days=1),
        )
        for i in range(10)
    ]
    # The deadline falls half way through the files' three years: half of them are late.
    deadline = now - timezone.timedelta(days=int(1.5 * 365))
    assignments = Assignment.objects.bulk_create(
        Assignment(period=periods[i // 10], short_name=f"a{i}", long_name="A", first_deadline=deadline)
        for i in range(100)
    )
    user = get_user_model().objects.create_superuser("bench", password="bench-pass-1")
    groups = AssignmentGroup.objects.bulk_create(
        AssignmentGroup(assignment=assignments[i % 100], name=f"g{i}") for i in range(5000)
    )
    start = time.time() - 3 * 365 * 86400
    step = 3 * 365 * 86400 / max(rows, 1)
    deliveries = Delivery.objects.bulk_create(
        Delivery(
            assignment_group=groups[i % 5000],
            number=i // 5000 + 1,
            delivered_by=user,
            successful=True,
            time_of_delivery=datetime.datetime.fromtimestamp(start + 5 * i * step, datetime.UTC),
        )
        for i in range(max(rows // 5, 1))
    )
    student = get_user_model().objects.create_user("student-42", first_name="Amira", last_name="Khan")
    Candidate.objects.create(
        assignment_group=deliveries[min(8, len(deliveries) - 1)].assignment_group, user=student, candidate_id="cand-42"
    )
    rng = random.Random(4)
    types = ["text/x-python", "text/plain", "image/png", "application/pdf", "application/zip"]
    statuses = ["intact"] * 90 + ["unverified"] * 8 + ["missing", "corrupt"]

    def generate():
        for i in range(rows):
            created = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(start + i * step))
            yield (
                deliveries[i // 5].pk,
                f"file{i:07d}.py",
                rng.randrange(100, 10**7),
                f"{i:064x}",
                types[i % 5],
                created,
                statuses[rng.randrange(100)],
            )

    db = sqlite3.connect(db_path)
    with db:
        db.executemany(
            "INSERT INTO deliveries_filemeta (delivery_id, filename, size, checksum, content_type, created, status) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            generate(),
        )
    db.execute("ANALYZE")
    db.close()
    return user


def child_changelist(rows):
    """Child: build a DB of ``rows`` files, then time every page in PAGES; print JSON."""
    tmp = tempfile.mkdtemp(prefix="bench-admin-", dir=os.environ.get("BENCH_DIR"))
    try:
        db_path = os.path.join(tmp, "db.sqlite3")
        _setup(db_path, os.path.join(tmp, "store"))
        started = time.perf_counter()
        user = _bulk_insert(db_path, rows)
        insert_seconds = time.perf_counter() - started
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        client = Client()
        client.force_login(user)
        results = {}
        for label, query in PAGES:
            url = "/admin/deliveries/" + query.format(deep_page=min(50, -(-rows // 100)))
            client.get(url)  # warm caches (templates, SQLite pages)
            best = float("inf")
            for _ in range(REPEAT):
                with CaptureQueriesContext(connection) as queries:
                    t0 = time.perf_counter()
                    response = client.get(url)
                    best = min(best, time.perf_counter() - t0)
                if response.status_code != 200:
                    raise RuntimeError(f"{url} answered {response.status_code}")
            results[label] = {"ms": best * 1000, "queries": len(queries)}
        print(json.dumps({"rows": rows, "insert_s": insert_seconds, "pages": results}))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _rss_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak():
    """Make VmHWM (peak RSS) start again from the current RSS (Linux: clear_refs 5)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


MODES = ("FileResponse", "download view", "delivery zip")


def child_download(mib):
    """Child: store a ``mib`` MiB file, download it each way in MODES; print idle and peak RSS as JSON."""
    tmp = tempfile.mkdtemp(prefix="bench-admin-dl-", dir=os.environ.get("BENCH_DIR"))
    try:
        _setup(os.path.join(tmp, "db.sqlite3"), os.path.join(tmp, "store"))
        import gc

        from django.contrib.auth import get_user_model
        from django.http import FileResponse
        from django.test import Client

        from deliveries.models import FileMeta
        from deliveries.testhelpers import make_delivery

        delivery = make_delivery("bench")
        block = os.urandom(MiB)
        filemeta = delivery.add_file("big.bin", (block for _ in range(mib)))
        del block
        client = Client()
        client.force_login(get_user_model().objects.create_superuser("bench", password="bench-pass-1"))
        urls = {
            "download view": f"/admin/deliveries/filemeta/{filemeta.pk}/download/",
            "delivery zip": f"/admin/deliveries/delivery/{delivery.pk}/download/",
        }
        for url in urls.values():  # warm up: templates, imports, session; a few bytes only
            next(iter(client.get(url).streaming_content))
        results = {}
        for mode in MODES:
            gc.collect()
            _reset_peak()
            idle = _rss_kib("VmRSS")
            received = 0
            t0 = time.perf_counter()
            if mode == "FileResponse":
                response = FileResponse(
                    FileMeta.deliverystore.read_open(filemeta), as_attachment=True, filename="big.bin"
                )
                response.block_size = MiB
            else:
                response = client.get(urls[mode])
                assert response.status_code == 200, response.status_code
            for chunk in response.streaming_content:
                received += len(chunk)
            seconds = time.perf_counter() - t0
            response.close()
            results[mode] = {"idle_kib": idle, "peak_kib": _rss_kib("VmHWM"), "bytes": received, "seconds": seconds}
        print(json.dumps(results))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    small = _child("changelist", BASELINE_ROWS)
    large = _child("changelist", ROWS)
    rows = []
    for label, _ in PAGES:
        s, big = small["pages"][label], large["pages"][label]
        rows.append(
            [
                label,
                f"{s['ms']:.1f}",
                f"{big['ms']:.1f}",
                f"{big['ms'] / s['ms']:.2f}x",
                s["queries"],
                big["queries"],
                "yes" if s["queries"] == big["queries"] else "NO",
            ]
        )
    print_table(
        f"File and delivery lists, SQLite: {ROWS:,} files vs {BASELINE_ROWS} (best of {REPEAT}; "
        f"{ROWS:,} rows inserted in {large['insert_s']:.1f} s). Aim: < 150 ms, same queries.",
        [
            "page",
            f"ms @{BASELINE_ROWS}",
            f"ms @{ROWS:,}",
            "ratio",
            f"queries @{BASELINE_ROWS}",
            f"queries @{ROWS:,}",
            "same",
        ],
        rows,
    )

    rows = []
    downloads = _child("download", DOWNLOAD_MIB)
    for mode in MODES:
        result = downloads[mode]
        # The kernel updates VmHWM in batches: a peak within a few hundred KiB of idle may read
        # slightly below it. Shown as 0.0 then.
        above = max(result["peak_kib"] - result["idle_kib"], 0) / 1024
        rows.append(
            [
                mode,
                f"{result['idle_kib'] / 1024:.1f}",
                f"{result['peak_kib'] / 1024:.1f}",
                f"{above:.1f}",
                f"{result['bytes'] / MiB:,.0f}",
                f"{result['bytes'] / MiB / result['seconds']:.0f}",
            ]
        )
    print_table(
        f"Peak RSS downloading a {DOWNLOAD_MIB:,} MiB file (FsDeliveryStore, 1 MiB chunks). "
        "Baselines: idle, and Django's FileResponse over the same file. Aim: < 32 MiB above idle.",
        ["how", "idle MiB", "peak MiB", "above idle MiB", "MiB sent", "MiB/s"],
        rows,
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "changelist":
        child_changelist(int(sys.argv[2]))
    elif len(sys.argv) > 1 and sys.argv[1] == "download":
        child_download(int(sys.argv[2]))
    else:
        main()
