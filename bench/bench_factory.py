"""
Rows per second of factory/ against plain Django, model_bakery and factory_boy, in one run.

The rows: ``Book`` (title, pages, price, published, is_active: 5 fields) with a new ``Author`` per
row (one FK), from tests.factoryapp, in an in-memory SQLite database. The cases run in
``--runs`` rounds of ``--rows`` (or ``--bulk-rows``) rows, each round running every case once,
inside a transaction rolled back afterwards, so a slow spell on a shared machine falls on all of
them alike. Reported: rows/s over all rounds and in the best round, each with its ratio to the
same figure of the named baseline measured in the same run:

- row by row (baseline: ``Author.objects.create`` + ``Book.objects.create`` per row):
  ``factory.make_one`` (validated with full_clean), the same with ``_validate=False``,
  model_bakery's ``baker.make``, and factory_boy's ``BookFactory()`` (its own venv in
  var/bench-factoryboy, since its import name is ``factory`` too; its ratio is against a plain
  loop measured in that process);
- bulk (baseline: a hand-written ``bulk_create`` of the authors, then of the books):
  ``factory.make(n, Book, _bulk=True)`` and model_bakery's ``_bulk_create=True``;
- no database (baseline: ``Book(**values)``): ``factory.prepare_one`` and ``baker.prepare``.

Aims (issue 3): make_one >= 0.8x the plain loop; bulk >= 0.6x bulk_create; prepare_one >= 30,000 rows/s.
Aims (issue 13): make_one >= 0.9x the plain loop; two states or a Derived value cost at most 5% over
make_one (their ratio is against make_one).

    python -m bench factory      # through `make bench`'s runner
    python -m bench.bench_factory [--rows 200] [--bulk-rows 1000] [--runs 40] [--no-factory-boy] [--json]

``main()`` runs the measurement in a child process with its own settings, so it can share a
process with other benchmarks.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from bench.harness import book_values, plain_create, print_table, run_cases, setup_factory_models

ROOT = Path(__file__).resolve().parent.parent
FACTORY_BOY_VENV = ROOT / "var" / "bench-factoryboy"
FACTORY_BOY_PINS = ["factory_boy==3.3.3", "Django==6.1.3"]


def measure(rows, bulk_rows, runs):
    """{case: (rows/s, best round's rows/s, baseline case)} for everything measured in this process."""
    from model_bakery import baker

    from factory import Derived, Factory
    from tests.factoryapp.models import Author, Book

    factory = Factory(states={Book: {"long": {"pages": 900}, "active": {"is_active": True}}})
    derived_title = Derived(lambda book: f"{book.author.name}'s book")

    def bulk_create(n):
        authors = Author.objects.bulk_create([Author(name=f"name-{i}") for i in range(n)])
        Book.objects.bulk_create([Book(author=author, **book_values(i)) for i, author in enumerate(authors)])

    row, bulk, none = "plain objects.create loop", "hand-written bulk_create", "Book(**values)"
    cases = {
        row: (plain_create, rows, row),
        "factory make_one": (lambda n: [factory.make_one(Book) for _ in range(n)], rows, row),
        "factory make_one, _validate=False": (
            lambda n: [factory.make_one(Book, _validate=False) for _ in range(n)],
            rows,
            row,
        ),
        "factory make_one, two _states": (
            lambda n: [factory.make_one(Book, _states=["long", "active"]) for _ in range(n)],
            rows,
            "factory make_one",
        ),
        "factory make_one, a Derived title": (
            lambda n: [factory.make_one(Book, title=derived_title) for _ in range(n)],
            rows,
            "factory make_one",
        ),
        "model_bakery baker.make": (lambda n: [baker.make(Book) for _ in range(n)], rows, row),
        bulk: (bulk_create, bulk_rows, bulk),
        "factory make(n, _bulk=True)": (lambda n: factory.make(n, Book, _bulk=True), bulk_rows, bulk),
        "model_bakery make(_quantity, _bulk_create)": (
            lambda n: baker.make(Book, _quantity=n, _bulk_create=True),
            bulk_rows,
            bulk,
        ),
        none: (lambda n: [Book(**book_values(i)) for i in range(n)], bulk_rows, none),
        "factory prepare_one": (lambda n: [factory.prepare_one(Book) for _ in range(n)], bulk_rows, none),
        "model_bakery baker.prepare": (lambda n: [baker.prepare(Book) for _ in range(n)], bulk_rows, none),
    }
    found = run_cases({name: (work, n) for name, (work, n, _base) in cases.items()}, runs)
    return {name: (*found[name], base) for name, (_work, _n, base) in cases.items()}


def factory_boy_python():
    """The python of var/bench-factoryboy, created with factory_boy and Django on first use."""
    python = FACTORY_BOY_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(FACTORY_BOY_VENV)], check=True)
    probe = subprocess.run([str(python), "-m", "pip", "freeze"], capture_output=True, text=True)
    if not set(FACTORY_BOY_PINS) <= set(probe.stdout.split()):
        installed = subprocess.run(
            [str(python), "-m", "pip", "install", "-q", *FACTORY_BOY_PINS], capture_output=True, text=True
        )
        if installed.returncode:
            raise SystemExit(
                f"Could not install {' '.join(FACTORY_BOY_PINS)} into {FACTORY_BOY_VENV}:\n{installed.stderr}"
            )
    return python


def measure_factory_boy(rows, runs):
    """{case: (rows/s, best round's rows/s, baseline)} from the factory_boy child process."""
    child = Path(__file__).with_name("_factoryboy_child.py")
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    out = subprocess.run(
        [str(factory_boy_python()), str(child), str(ROOT), str(rows), str(runs)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=child.parent,
    )
    found = json.loads(out.stdout)
    baseline = "plain loop (factory_boy's process)"
    return {baseline: (*found["plain"], baseline), "factory_boy BookFactory()": (*found["factory_boy"], baseline)}


def table_rows(results):
    """The rows of the printed table: rows/s over all rounds and in the best, each with its ratio to its baseline."""
    rows = []
    for case, (rate, best, baseline) in results.items():
        ratio, best_ratio = rate / results[baseline][0], best / results[baseline][1]
        shown = "-" if baseline == case else baseline
        rows.append([case, f"{rate:,.0f}", f"{best:,.0f}", f"{ratio:.2f}x", f"{best_ratio:.2f}x", shown])
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description="Rows per second of factory/ against its baselines.")
    parser.add_argument("--rows", type=int, default=200, help="rows per round, row-by-row cases (default 200)")
    parser.add_argument(
        "--bulk-rows", type=int, default=1000, help="rows per round, bulk and no-database cases (default 1000)"
    )
    parser.add_argument("--runs", type=int, default=40, help="rounds (default 40)")
    parser.add_argument("--no-factory-boy", action="store_true", help="skip factory_boy (needs PyPI the first time)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument("--here", action="store_true", help=argparse.SUPPRESS)
    argv = list(argv or [])
    args = parser.parse_args(argv)
    if not args.here:
        # The benchmark owns its settings (in-memory SQLite): it runs in a process of its own, so
        # it neither depends on nor changes the settings of `python -m bench`'s process.
        env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
        return subprocess.call([sys.executable, "-m", "bench.bench_factory", "--here", *argv], cwd=ROOT, env=env)
    setup_factory_models()
    results = measure(args.rows, args.bulk_rows, args.runs)
    if not args.no_factory_boy:
        results.update(measure_factory_boy(args.rows, args.runs))
    if args.json:
        print(
            json.dumps(
                {
                    case: {
                        "rows_per_second": round(rate),
                        "best": round(best),
                        "baseline": base,
                        "ratio": round(rate / results[base][0], 3),
                        "best_ratio": round(best / results[base][1], 3),
                    }
                    for case, (rate, best, base) in results.items()
                }
            )
        )
    else:
        print_table(
            f"factory/ benchmark: Book (5 fields) + a new Author per row, SQLite in memory, {args.runs} interleaved rounds",
            ["case", "rows/s", "best", "ratio", "(best)", "baseline"],
            table_rows(results),
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
