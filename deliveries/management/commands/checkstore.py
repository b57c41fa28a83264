"""manage.py checkstore: is every delivered byte still there and intact? (deliveries.health)"""

import json

from django.conf import settings
from django.core.management.base import BaseCommand

from deliveries import health
from deliveries.exit_status import ExitStatus
from deliveries.models import FileMeta
from deliveries.operations.arguments import (
    MAX_JOBS,
    bounded_count,
    parse_duration,
    parse_jobs,
    parse_since,
    store_from_arguments,
)
from deliveries.operations.exits import EndsWithOneLine, Exit, usage_error
from deliveries.operations.progress import progress_factory
from deliveries.operations.prompts import can_ask, confirm
from deliveries.stores import InvalidStoreError

MAX_OLDEST = 100_000_000  # files a scrub may be asked to verify in one run


class Command(EndsWithOneLine, BaseCommand):
    help = (
        "Check the DeliveryStore against the FileMeta rows; with --repair or --repair-from, mend damaged "
        "copies from good ones; with --oldest or --budget, scrub the least recently verified files. Exit "
        "status: 0 healthy (orphans are reported but pass unless --fail-on-orphans; repaired problems pass), "
        "1 problems found (or left), 2 the store could not be checked or the command line is wrong "
        "(nothing is checked or recorded then)."
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
        parser.add_argument(
            "--backend",
            help="Dotted path of the store class to check (default: the configured one), "
            "e.g. deliveries.stores.FsDeliveryStore.",
        )
        parser.add_argument(
            "--option",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="An option for --backend's store, e.g. root=/srv/store (repeatable).",
        )
        parser.add_argument(
            "--jobs", default=1, help=f"Files read and hashed at once by --deep (default 1, at most {MAX_JOBS})."
        )
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
        parser.add_argument(
            "--repair",
            action="store_true",
            help="Repair damaged copies from the store's other copies (a MirroredDeliveryStore); needs --deep.",
        )
        parser.add_argument(
            "--repair-from",
            metavar="DOTTED.BACKEND",
            help="Repair damaged files from this store (a backup, an old server, a copystore copy); needs --deep.",
        )
        parser.add_argument(
            "--repair-option",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="An option for --repair-from's store, e.g. root=/backup/deliverystore (repeatable).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="With --repair or --repair-from: say what would be repaired; write nothing.",
        )
        parser.add_argument(
            "--oldest",
            metavar="N",
            help="Scrub: verify only the N least recently verified files (never verified first); needs --deep.",
        )
        parser.add_argument(
            "--budget",
            metavar="DURATION",
            help="Scrub: start no file after this long (e.g. 2s, 30m, 1h), least recently verified first; needs --deep.",
        )
        parser.add_argument(
            "--adopt",
            action="store_true",
            help="Mark a store from before store markers as the store of the recorded files, after a light "
            "check finds every one of them there (exit 1, nothing written, if any is missing).",
        )
        parser.add_argument("--json", action="store_true", help="Print one JSON document instead of text.")

    def handle(self, *args, **options):
        level = options["level"]
        try:
            parsed = self._parse(options)
        except ValueError as e:
            raise usage_error(str(e)) from e
        if options["delete_orphans"] and not options["yes"] and not can_ask():
            raise usage_error("--delete-orphans needs --yes when there is no terminal to ask on.")
        progress = progress_factory(self.stdout.isatty() and not options["json"])
        scrub = {"oldest": parsed["oldest"], "budget": parsed["budget"]} if parsed["scrub"] else None
        check_options = {}  # what only a plain check takes: a scrub and --adopt choose their own files
        if not (scrub or options["adopt"]):
            check_options = {
                "since": parsed["since"],
                "min_age": parsed["min_age"],
                "fail_on_orphans": options["fail_on_orphans"],
            }
        # One code path with the admin's "Run a check now" (health.run_check): check or scrub or
        # adopt, then repair, then record.
        result = health.run_check(
            # The configured store is built in there: a failure to build it is an outage, recorded.
            lambda: parsed["store"] if parsed["store"] is not None else FileMeta.deliverystore,
            level=level,
            backend=options["backend"] or settings.DELIVERY_STORE_BACKEND,
            run_options=parsed["run_options"],
            adopt=options["adopt"],
            scrub=scrub,
            repair=lambda store: self._repair_sources(store, options, parsed),
            dry_run=options["dry_run"],
            jobs=parsed["jobs"],
            shard=parsed["shard"],
            update_status=not options["backend"],  # a row's status is about the store FileMeta uses
            progress=progress,
            **check_options,
        )
        if result.record_error is not None:
            self.stderr.write(f"Could not record this run in the database: {result.record_error}")
        if result.error is not None:
            e = result.error
            verdict = health.could_not_check_verdict(e)
            if options["json"]:
                self.stdout.write(json.dumps({"ok": False, "error": str(e), "verdict": verdict}, indent=2))
            else:
                self.stdout.write(self.style.ERROR(verdict))
            raise Exit(str(e), ExitStatus.COULD_NOT_RUN, shown=True) from e
        store, report = result.store, result.report
        if options["adopt"]:
            return self._adopted(store, report, result.marker, options)
        if options["json"]:
            # One JSON document: what the deletion did goes into it, not after it.
            document = report.as_dict()
            if options["delete_orphans"]:
                result = health.delete_orphans(store, report, min_age=parsed["min_age"])
                document["deletion"] = {"removed": result.removed, "kept": result.kept, "failed": result.failed}
            self.stdout.write(json.dumps(document, indent=2))
        else:
            *lines, verdict = report.text_lines()
            for line in lines:
                self.stdout.write(line)
            if options["delete_orphans"]:
                self._delete_orphans(store, report, parsed["min_age"], options["yes"])
            self.stdout.write((self.style.SUCCESS if report.ok else self.style.ERROR)(verdict))
        if not report.ok:
            raise Exit(f"The store check found problems: {report.counts_text()}.", ExitStatus.PROBLEMS, shown=True)

    def _adopted(self, store, report, marker, options):
        """--adopt's outcome: the marker is written only if the light check found every recorded file."""
        if marker is None:
            line = f"not adopted: {report.counts_text()} (the marker was not written): exit status 1"
        else:
            line = f"adopted: {store.describe()} holds store marker {marker['store_id']}: exit status 0"
        if options["json"]:
            self.stdout.write(
                json.dumps({**report.as_dict(), "adopted": marker is not None, "verdict": line}, indent=2)
            )
        else:
            *lines, _ = report.text_lines()
            for text in lines:
                self.stdout.write(text)
            self.stdout.write((self.style.SUCCESS if marker else self.style.ERROR)(line))
        if marker is None:
            raise Exit(line, ExitStatus.PROBLEMS, shown=True)

    def _repair_sources(self, store, options, parsed):
        """{copy name: [StoreCopy]} to repair from, or None without --repair / --repair-from."""
        if not (options["repair"] or options["repair_from"]):
            return None
        if options["repair"] and len(store.copies()) < 2 and not options["repair_from"]:
            raise InvalidStoreError(
                f"{store.describe()} keeps one copy of each file: --repair needs a store with several "
                "(deliveries.stores.MirroredDeliveryStore); use --repair-from to repair from another store."
            )
        others = []
        if parsed["repair_from"] is not None:
            other = parsed["repair_from"]
            if other.describe() in {copy.store.describe() for copy in store.copies()}:
                raise InvalidStoreError(f"--repair-from names the checked store itself ({other.describe()}).")
            try:
                next(iter(other.iter_objects()), None)  # reach it once: a wrong endpoint fails here, not per file
            except OSError as e:
                raise health.CheckUnavailable(f"Cannot reach --repair-from {other.describe()}: {e}") from e
            others.append(other)
        return health.repair_sources(store, options["repair"], others)

    def _parse(self, options):
        """Every argument checked before any work: ValueError naming the flag, and nothing recorded."""
        jobs = parse_jobs(options["jobs"])
        if options["adopt"]:
            given = [
                flag
                for flag, on in (
                    ("--probe", options["level"] == "probe"),
                    ("--deep", options["level"] == "deep"),
                    ("--shard", options["shard"]),
                    ("--since", options["since"]),
                    ("--delete-orphans", options["delete_orphans"]),
                )
                if on
            ]
            if given:
                raise ValueError(f"--adopt checks every file with a light check: leave out {', '.join(given)}")
        repairing = options["repair"] or options["repair_from"]
        scrub = options["oldest"] is not None or options["budget"] is not None
        if repairing and options["level"] != "deep":
            raise ValueError(
                "--repair and --repair-from need --deep: only a deep check proves which copies are damaged"
            )
        if options["repair_option"] and not options["repair_from"]:
            raise ValueError("--repair-option needs --repair-from")
        if options["dry_run"] and not repairing:
            raise ValueError("--dry-run needs --repair or --repair-from")
        if scrub and options["level"] != "deep":
            raise ValueError("--oldest and --budget scrub with --deep: add --deep")
        if scrub and (options["since"] or options["delete_orphans"] or options["backend"]):
            raise ValueError(
                "--oldest and --budget scrub the configured store, whose rows record each verification: "
                "they take no --since, --delete-orphans or --backend"
            )
        oldest = bounded_count(options["oldest"], "--oldest", 1, MAX_OLDEST) if options["oldest"] is not None else None
        if options["option"] and not options["backend"]:
            raise ValueError("--option needs --backend (the configured store takes its options from settings)")
        if options["delete_orphans"] and options["level"] == "probe":
            raise ValueError("--delete-orphans needs a light or deep check, not --probe")
        if options["delete_orphans"] and options["json"] and not options["yes"]:
            raise ValueError("--delete-orphans with --json needs --yes (there is no one to ask)")
        return {
            "jobs": jobs,
            "shard": health.Shard.parse(options["shard"]) if options["shard"] else None,
            "since": parse_since(options["since"]) if options["since"] else None,
            "min_age": parse_duration(options["min_age"]),
            # A store typed on the command line is built now: a typo is a usage error, not an outage.
            "store": store_from_arguments(options["backend"], options["option"]) if options["backend"] else None,
            "scrub": scrub,
            "oldest": oldest,
            "budget": parse_duration(options["budget"], "--budget") if options["budget"] is not None else None,
            # Typed stores are built now: a typo is a usage error, not an outage.
            "repair_from": store_from_arguments(
                options["repair_from"], options["repair_option"], flag="--repair-from", option_flag="--repair-option"
            )
            if options["repair_from"]
            else None,
            "run_options": {
                "jobs": jobs,
                "shard": options["shard"],
                "since": options["since"],
                **({"oldest": oldest, "budget": options["budget"]} if scrub else {}),
                **({"repair": options["repair"], "repair_from": options["repair_from"]} if repairing else {}),
            },
        }

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
