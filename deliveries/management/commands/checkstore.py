"""manage.py checkstore: is every delivered byte still there and intact? (deliveries.health)"""

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from deliveries import health
from deliveries.exit_status import ExitStatus
from deliveries.models import FileMeta
from deliveries.operations.arguments import parse_duration, parse_key_values, parse_since
from deliveries.operations.progress import progress_factory
from deliveries.operations.prompts import can_ask, confirm
from deliveries.stores import load_deliverystore_backend


class Command(BaseCommand):
    help = (
        "Check the DeliveryStore against the FileMeta rows. Exit status: 0 healthy (orphans are reported "
        "but pass unless --fail-on-orphans), 1 problems found, 2 the store could not be checked."
    )
    requires_system_checks = []  # a broken store configuration must reach us, to exit 2 with a message

    def add_arguments(self, parser):
        level = parser.add_mutually_exclusive_group()
        level.add_argument(
            "--probe",
            action="store_const",
            const="probe",
            dest="level",
            help="Only write, read back, compare and delete a probe object.",
        )
        level.add_argument(
            "--deep",
            action="store_const",
            const="deep",
            dest="level",
            help="Also read every byte and recompute its SHA-256.",
        )
        parser.set_defaults(level="light")
        parser.add_argument("--backend", help="Dotted path of the store class to check (default: the configured one).")
        parser.add_argument(
            "--option",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="An option for --backend's store, e.g. root=/srv/store (repeatable).",
        )
        parser.add_argument("--jobs", type=int, default=1, help="Files read and hashed at once by --deep (default 1).")
        parser.add_argument(
            "--shard", help="Check slice I of N (I/N, 1-based): key modulo N decides; for sharing a check."
        )
        parser.add_argument("--since", help="Only check files created since this date or date-time (ISO 8601).")
        parser.add_argument(
            "--min-age",
            default="1h",
            help="Orphans and temporary files younger than this are uploads in flight: not reported, "
            "never deleted (default 1h; e.g. 0, 90s, 30m, 2d).",
        )
        parser.add_argument(
            "--delete-orphans",
            action="store_true",
            help="Remove the orphans and temporary leftovers found (asks first unless --yes).",
        )
        parser.add_argument("--yes", action="store_true", help="Do not ask before --delete-orphans.")
        parser.add_argument("--fail-on-orphans", action="store_true", help="Exit 1 when orphans are found.")
        parser.add_argument("--json", action="store_true", help="Print one JSON document instead of text.")

    def handle(self, *args, **options):
        level = options["level"]
        try:
            parsed = self._parse(options)
        except ValueError as e:
            raise CommandError(str(e), returncode=ExitStatus.COULD_NOT_RUN) from e
        if options["delete_orphans"] and not options["yes"] and not can_ask():
            raise CommandError(
                "--delete-orphans needs --yes when there is no terminal to ask on.", returncode=ExitStatus.COULD_NOT_RUN
            )
        result = health.run_check(
            lambda: self._store(options["backend"], parsed["store_options"]),
            level=level,
            backend=options["backend"] or settings.DELIVERY_STORE_BACKEND,
            run_options=parsed["run_options"],
            jobs=options["jobs"],
            shard=parsed["shard"],
            since=parsed["since"],
            min_age=parsed["min_age"],
            fail_on_orphans=options["fail_on_orphans"],
            update_status=not options["backend"],  # a row's status is about the store FileMeta uses
            progress=progress_factory(self.stdout.isatty() and not options["json"]),
        )
        if result.record_error is not None:
            self.stderr.write(f"Could not record this run in the database: {result.record_error}")
        if result.error is not None:
            if options["json"]:
                self.stdout.write(json.dumps({"ok": False, "error": str(result.error)}, indent=2))
            raise CommandError(str(result.error), returncode=ExitStatus.COULD_NOT_RUN) from result.error
        store, report = result.store, result.report
        if options["json"]:
            # One JSON document: what the deletion did goes into it, not after it.
            document = report.as_dict()
            if options["delete_orphans"]:
                result = health.delete_orphans(store, report, min_age=parsed["min_age"])
                document["deletion"] = {"removed": result.removed, "kept": result.kept, "failed": result.failed}
            self.stdout.write(json.dumps(document, indent=2))
        else:
            self._render(report)
            if options["delete_orphans"]:
                self._delete_orphans(store, report, parsed["min_age"], options["yes"])
        if not report.ok:
            raise CommandError(
                f"The store check found problems: {report.counts_text()}.", returncode=ExitStatus.PROBLEMS
            )

    def _store(self, backend, store_options):
        """The store named on the command line, else the configured one (``FileMeta.deliverystore``)."""
        if backend:
            return load_deliverystore_backend(backend, **store_options)
        return FileMeta.deliverystore

    def _parse(self, options):
        if options["jobs"] < 1:
            raise ValueError("--jobs must be at least 1")
        if options["option"] and not options["backend"]:
            raise ValueError("--option needs --backend (the configured store takes its options from settings)")
        if options["delete_orphans"] and options["level"] == "probe":
            raise ValueError("--delete-orphans needs a light or deep check, not --probe")
        if options["delete_orphans"] and options["json"] and not options["yes"]:
            raise ValueError("--delete-orphans with --json needs --yes (there is no one to ask)")
        return {
            "store_options": parse_key_values(options["option"], "--option"),
            "shard": health.Shard.parse(options["shard"]) if options["shard"] else None,
            "since": parse_since(options["since"]) if options["since"] else None,
            "min_age": parse_duration(options["min_age"]),
            "run_options": {"jobs": options["jobs"], "shard": options["shard"], "since": options["since"]},
        }

    def _render(self, report):
        for line in report.text_lines():
            style = self.style.SUCCESS if line == "OK" else self.style.ERROR if line == "FAILED" else str
            self.stdout.write(style(line))

    def _delete_orphans(self, store, report, min_age, yes):
        candidates = health.deletable_orphans(report)
        if not candidates:
            self.stdout.write("No orphans to delete.")
            return
        if not confirm(f"Delete {len(candidates)} orphans and temporary leftovers from {store.describe()}?", yes=yes):
            self.stdout.write("Nothing deleted.")
            return
        result = health.delete_orphans(store, report, min_age=min_age)
        for name, why in result.kept:
            self.stdout.write(f"kept {name}: {why}")
        for name, error in result.failed:
            self.stderr.write(f"could not delete {name}: {error}")
        self.stdout.write(f"Deleted {len(result.removed)}, kept {len(result.kept)}, failed {len(result.failed)}.")
