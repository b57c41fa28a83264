"""
A real task worker (``manage.py db_worker``) in a child process, against the test database.

The child runs the project's own settings with the database the test uses (a SQLite file or
PostgreSQL's test database; tests/support/worker_settings.py), so a TransactionTestCase's
committed rows are what it sees; ``store_root`` makes its FileMeta.deliverystore an
FsDeliveryStore there.
"""

import json
import os
import subprocess
import sys

from django.db import connection

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TIMEOUT = 120


def database_settings():
    """The connection settings of the database this process uses now (the test database during a test)."""
    keys = ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT", "OPTIONS")
    return {key: connection.settings_dict[key] for key in keys if key in connection.settings_dict}


def worker_env(store_root):
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.support.worker_settings",
        "WORKER_DATABASE": json.dumps(database_settings()),
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
