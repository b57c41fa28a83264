"""
What the benchmarks share: Django set up (the project on a throwaway database, or the factory's
test models alone), timing, the printed table with when and on which commit it was measured, and
the factory benches' baselines. Imports nothing but the standard library at module level, so
the factory_boy child (another venv) can import it too.
"""

import datetime
import json
import os
import subprocess
import sys
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


def measured_on():
    """Say when and on which commit a figure was measured, so a table in docs/ can be regenerated."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

    def git(*args):
        try:
            return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    commit = git("rev-parse", "--short=10", "HEAD") or "unknown"
    dirty = " with uncommitted changes" if git("status", "--porcelain", "--untracked-files=no") else ""
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"measured {when} on commit {commit}{dirty}, {os.cpu_count()} cores"


def print_table(title, headers, rows):
    """Print rows (sequences of cells) under headers, columns aligned."""
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    print(f"\n{title}\n{measured_on()}")
    for n, row in enumerate(cells):
        print(
            "  ".join(
                cell.ljust(width) if i == 0 else cell.rjust(width) for i, (cell, width) in enumerate(zip(row, widths))
            ).rstrip()
        )
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


def setup_factory_models():
    """Configure Django for the factory benches alone (in-memory SQLite, tests.factoryapp) and create the tables."""
    import django
    from django.conf import settings

    settings.configure(
        DEBUG=False,
        USE_TZ=True,
        SECRET_KEY="bench",
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "tests.factoryapp"],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    )
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def run_cases(cases, rounds):
    """
    {name: (rows/s over all rounds, best round's rows/s)} for cases {name: (work, rows)}.

    Each round runs every case once (``work(rows)``), so a slow spell on a shared machine falls
    on all of them alike; the first figure is total rows over total time. Every run is in a
    transaction rolled back afterwards.
    """
    import time

    from django.db import transaction

    spent = {name: [] for name in cases}
    for _ in range(rounds):
        for name, (work, rows) in cases.items():
            with transaction.atomic():
                start = time.perf_counter()
                work(rows)
                spent[name].append(time.perf_counter() - start)
                transaction.set_rollback(True)
    return {name: (rounds * cases[name][1] / sum(times), cases[name][1] / min(times)) for name, times in spent.items()}


def book_values(i):
    import datetime
    from decimal import Decimal

    return {
        "title": f"title-{i}",
        "pages": i,
        "price": Decimal("1.00") + i,
        "published": datetime.date(2000, 1, 1),
        "is_active": False,
    }


def plain_create(rows):
    """The baseline: objects.create for a new Author and its Book, row by row."""
    from tests.factoryapp.models import Author, Book

    for i in range(rows):
        Book.objects.create(author=Author.objects.create(name=f"name-{i}"), **book_values(i))


def run_child(module, *args):
    """
    Run ``python -m <module> <args>`` from the project's root (a bench that measures a fresh
    process, or keeps a big database out of the parent); return the JSON of its last line.
    """
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run(
        [sys.executable, "-m", module, *map(str, args)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": root},
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"bench child {module} {' '.join(map(str, args))} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])
