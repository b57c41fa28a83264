"""What bench_factory and its factory_boy child share: settings (in-memory SQLite), timing, baselines."""

import django
from django.conf import settings


def setup_django():
    """Configure Django once for this process and create the tables (in memory)."""
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
    return {
        name: (rounds * cases[name][1] / sum(times), cases[name][1] / min(times))
        for name, times in spent.items()
    }


def book_values(i):
    import datetime
    from decimal import Decimal

    return {"title": f"title-{i}", "pages": i, "price": Decimal("1.00") + i, "published": datetime.date(2000, 1, 1), "is_active": False}


def plain_create(rows):
    """The baseline: objects.create for a new Author and its Book, row by row."""
    from tests.factoryapp.models import Author, Book

    for i in range(rows):
        Book.objects.create(author=Author.objects.create(name=f"name-{i}"), **book_values(i))
