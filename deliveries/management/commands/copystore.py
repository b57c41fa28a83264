"""manage.py copystore: copy every delivered file into another store (deliveries.operations.copying)."""

from django.core.management.base import BaseCommand

from deliveries.exit_status import ExitStatus
from deliveries.models import FileMeta
from deliveries.operations.arguments import MAX_JOBS, parse_jobs, store_from_arguments
from deliveries.operations.copying import copy_store
from deliveries.operations.exits import EndsWithOneLine, Exit, usage_error
from deliveries.operations.progress import progress_factory
from deliveries.stores import InvalidStoreError


class Command(EndsWithOneLine, BaseCommand):
    help = (
        "Copy the bytes of every file from the configured DeliveryStore into another one, streamed and in "
        "parallel, verifying size and SHA-256 on arrival. Files the target already holds intact are skipped, so "
        "an interrupted copy resumes. The source is never modified; the target gets its store marker once every "
        "file is there. Exit status: 0 all copied, 1 some files failed, 2 the copy could not run."
    )
    requires_system_checks = []  # a broken store setting must reach us, to exit 2 with a message

    def add_arguments(self, parser):
        parser.add_argument(
            "--to",
            required=True,
            metavar="DOTTED.BACKEND",
            help="Dotted path of the target store class, e.g. deliveries.stores.S3DeliveryStore.",
        )
        parser.add_argument(
            "--option",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="An option for the target store, e.g. bucket=deliveries (repeatable); "
            "options left out take their defaults from settings.",
        )
        parser.add_argument("--jobs", default=4, help=f"Files copied in parallel (default 4, at most {MAX_JOBS}).")
        parser.add_argument("--dry-run", action="store_true", help="Report what would be copied; write nothing.")

    def handle(self, *args, **options):
        try:
            jobs = parse_jobs(options["jobs"])
            target = store_from_arguments(options["to"], options["option"], flag="--to")
        except ValueError as e:
            raise usage_error(str(e)) from e
        try:
            source = FileMeta.deliverystore
        except InvalidStoreError as e:
            raise Exit(f"The copy could not run: {e}", ExitStatus.COULD_NOT_RUN) from e
        if target.describe() == source.describe():
            raise usage_error(f"--to: the target is the configured store itself ({source.describe()}).")
        facts = target.health_facts()
        if facts.problem:  # a root that is a file, a dbm file that is no database: one line, not a FAILED per file
            raise Exit(f"The copy could not run: {target.describe()}: {facts.problem}", ExitStatus.COULD_NOT_RUN)
        dry_run = " (dry run)" if options["dry_run"] else ""
        self.stdout.write(f"Copying from {source.describe()} to {target.describe()}{dry_run}")
        try:
            next(iter(target.iter_objects()), None)  # reach the target once: a wrong endpoint fails here
            report = copy_store(
                source,
                target,
                jobs=jobs,
                dry_run=options["dry_run"],
                progress=progress_factory(self.stdout.isatty()),
            )
            if report.ok and not report.dry_run and target.read_marker() is None:
                # Every file is there: the target is now a store of these files (checkstore needs its marker).
                target.write_marker()
        except (OSError, InvalidStoreError) as e:
            raise Exit(f"The copy could not run: {e}", ExitStatus.COULD_NOT_RUN) from e
        for failure in report.failures:
            self.stderr.write(f"FAILED  #{failure.filemeta_id} {failure.filename}: {failure.reason}")
        verb = "Would copy" if report.dry_run else "Copied"
        status = ExitStatus.OK if report.ok else ExitStatus.PROBLEMS
        summary = (
            f"{verb} {report.copied} files ({report.copied_bytes} bytes), skipped {report.skipped} already "
            f"intact in the target, {len(report.failures)} failed: exit status {int(status)}."
        )
        if not report.ok:
            self.stdout.write(self.style.ERROR(summary))
            raise Exit(summary, status, shown=True)
        self.stdout.write(self.style.SUCCESS(summary))
