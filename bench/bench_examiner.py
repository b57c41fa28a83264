"""
An examiner's lists at scale: the file, delivery and group lists narrowed to the groups they
examine (deliveries.access), on SQLite with 1,000,000 files (bench_admin's installation: 5,000
groups, 200 files each) against the same pages with 100 files (the baseline), and against the
superuser's unnarrowed pages of the same installation. Three examiners: of 5 groups (1,000
files), 50 groups and 500 groups (a tenth of everything, where an examiner is more of an
administrator and should hold the global permissions instead). Latency is the best of BENCH_REPEAT; queries per page
must be the same at both sizes. Aim: under 150 ms per page, as for the superuser.

Environment: BENCH_ADMIN_ROWS (default 1000000), BENCH_REPEAT (default 5), BENCH_DIR.
"""

import json
import os
import shutil
import sys
import tempfile
import time

from bench.bench_admin import BASELINE_ROWS, REPEAT, ROWS, _bulk_insert, _setup
from bench.harness import print_table, run_child

PAGES = [
    ("file list", "/admin/deliveries/filemeta/"),
    ("file list, status filter", "/admin/deliveries/filemeta/?status__exact=intact"),
    ("file list, search .py", "/admin/deliveries/filemeta/?q=.py"),
    ("delivery list", "/admin/deliveries/delivery/"),
    ("group list", "/admin/deliveries/assignmentgroup/"),
]
# Who looks, and how many groups (bench_admin's groups 0, step, 2*step...) they examine.
VIEWERS = [
    ("superuser", None),
    ("examiner of 5 groups", 5),
    ("examiner of 50 groups", 50),
    ("examiner of 500 groups", 500),
]


def child(rows):
    """Child: build the installation with ``rows`` files, time every page for every viewer; print JSON."""
    tmp = tempfile.mkdtemp(prefix="bench-examiner-", dir=os.environ.get("BENCH_DIR"))
    try:
        db_path = os.path.join(tmp, "db.sqlite3")
        _setup(db_path, os.path.join(tmp, "store"))
        superuser = _bulk_insert(db_path, rows)
        from django.contrib.auth import get_user_model
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from deliveries.models import AssignmentGroup

        # Delivery i is in group i % 5000: with 100 files only groups 0-19 have any, so the
        # examined groups start at 0 and step through the first deliveries' groups.
        group_ids = list(AssignmentGroup.objects.order_by("pk").values_list("pk", flat=True))
        results = {}
        for who, count in VIEWERS:
            user = superuser
            if count is not None:
                user = get_user_model().objects.create_user(who.replace(" ", "-"), is_staff=True)
                step = len(group_ids) // count
                user.examiner_groups.set(group_ids[::step][:count])
            client = Client()
            client.force_login(user)
            for label, url in PAGES:
                client.get(url)  # warm caches (templates, SQLite pages)
                best = float("inf")
                for _ in range(REPEAT):
                    with CaptureQueriesContext(connection) as queries:
                        started = time.perf_counter()
                        response = client.get(url)
                        best = min(best, time.perf_counter() - started)
                    if response.status_code != 200 or b'id="result_list"' not in response.content:
                        raise RuntimeError(f"{who}: {url} answered {response.status_code} or had no rows")
                results[f"{who}|{label}"] = {"ms": best * 1000, "queries": len(queries)}
        print(json.dumps(results))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _child(rows):
    return run_child("bench.bench_examiner", "child", rows)


def main():
    small, large = _child(BASELINE_ROWS), _child(ROWS)
    rows = []
    for who, _ in VIEWERS:
        for label, _ in PAGES:
            key = f"{who}|{label}"
            s, big, root = small[key], large[key], large[f"superuser|{label}"]
            rows.append(
                [
                    f"{who}: {label}",
                    f"{s['ms']:.1f}",
                    f"{big['ms']:.1f}",
                    f"{big['ms'] / root['ms']:.2f}x",
                    s["queries"],
                    big["queries"],
                    "yes" if s["queries"] == big["queries"] else "NO",
                ]
            )
    print_table(
        f"An examiner's lists, SQLite: {ROWS:,} files vs {BASELINE_ROWS} (best of {REPEAT}). "
        "Baselines: the same page with 100 files, and the superuser's page. Aim: < 150 ms, same queries.",
        [
            "viewer: page",
            f"ms @{BASELINE_ROWS}",
            f"ms @{ROWS:,}",
            "vs superuser",
            f"queries @{BASELINE_ROWS}",
            f"queries @{ROWS:,}",
            "same",
        ],
        rows,
    )


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "child":
        child(int(sys.argv[2]))
    else:
        main()
