"""Helpers shared by the benchmarks: Django setup, timing, and the table."""

import os
import time


def setup_django(settings_module="tests.settings"):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    import django

    django.setup()


def best_of(repeat, fn):
    """Run ``fn`` ``repeat`` times; return the shortest wall time in seconds (least disturbed run)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def print_table(title, headers, rows):
    """Print rows (sequences of cells) under headers, columns aligned."""
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    print(f"\n{title}")
    for n, row in enumerate(cells):
        print("  ".join(cell.ljust(width) if i == 0 else cell.rjust(width) for i, (cell, width) in enumerate(zip(row, widths))))
        if n == 0:
            print("  ".join("-" * width for width in widths))


def django_in_tempdir(prefix="bench-"):
    """
    Set Django up on a throwaway SQLite database and filesystem store (fsync off) in one temporary
    directory, migrated and removed at exit; return the directory. Call before importing models.
    """
    import atexit
    import shutil
    import tempfile

    tmp = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    os.environ.update(
        {
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            "DELIVERY_STORE_BACKEND": "deliveries.stores.FsDeliveryStore",
            "DELIVERY_STORE_ROOT": f"{tmp}/store",
            "DELIVERY_STORE_FSYNC": "off",
            "DELIVERIES_LOG_LEVEL": "WARNING",
        }
    )
    setup_django("project.settings")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return tmp
