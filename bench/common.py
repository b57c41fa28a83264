"""
A throwaway Django for a benchmark: a fresh SQLite database and a filesystem store root in one
temporary directory, migrated, removed at exit. Call ``django_in_tempdir()`` before importing models.
"""

import atexit
import os
import shutil
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def django_in_tempdir(prefix="bench-"):
    """Configure and set up Django on a temporary database and store; return the temp dir."""
    tmp = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "project.settings",
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            "DELIVERY_STORE_BACKEND": "deliveries.stores.FsDeliveryStore",
            "DELIVERY_STORE_ROOT": f"{tmp}/store",
            "DELIVERY_STORE_FSYNC": "off",
            "DELIVERIES_LOG_LEVEL": "WARNING",
        }
    )
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return tmp


def table(headers, rows):
    """Render rows (lists of cells) as an aligned text table."""
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
