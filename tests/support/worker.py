"""
A real task worker (``manage.py db_worker``) in a child process, against the test database.

The child runs the project's own settings with DATABASE_URL pointing at the database the test
uses (a SQLite file or PostgreSQL's test database), so a TransactionTestCase's committed rows are
what it sees; ``store_root`` makes its FileMeta.deliverystore an FsDeliveryStore there.
"""

import os
import subprocess
import sys
from urllib.parse import quote

from django.db import connection

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TIMEOUT = 120


def database_url():
    """The URL of the database this process uses now (the test database during a test)."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    if connection.vendor == "postgresql":
        host = quote(s["HOST"] or "", safe="")  # a socket directory is a path: quoted whole
        auth = f"{quote(s['USER'] or '', safe='')}:{quote(s['PASSWORD'] or '', safe='')}@" if s["USER"] else ""
        port = f":{s['PORT']}" if s["PORT"] else ""
        return f"postgres://{auth}{host}{port}/{s['NAME']}"
    raise AssertionError(f"no worker for a {connection.vendor} test database")


def worker_env(store_root):
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "project.settings",
        "DATABASE_URL": database_url(),
        "DELIVERY_STORE_BACKEND": "deliveries.stores.FsDeliveryStore",
        "DELIVERY_STORE_ROOT": str(store_root),
        "DELIVERY_STORE_FSYNC": "off",
    }


def run_worker_batch(store_root):
    """Run ``db_worker --batch`` (every queued task, then exit); return the finished process."""
    command = [sys.executable, os.path.join(ROOT, "manage.py"), "db_worker", "--batch", "--no-reload"]
    command += ["--no-startup-delay", "--interval", "0.1"]
    result = subprocess.run(
        command, env=worker_env(store_root), cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT
    )
    if result.returncode:
        raise AssertionError(f"db_worker exited {result.returncode}:\n{result.stdout}{result.stderr}")
    return result
