"""manage.py copystore: copy every delivered file into another store (deliveries.operations.copying)."""

from django.core.management.base import BaseCommand, CommandError

from deliveries.exit_status import ExitStatus
from deliveries.models import FileMeta
from deliveries.operations.arguments import parse_key_values
from deliveries.operations.copying import copy_store
from deliveries.operations.progress import progress_factory
from deliveries.stores import InvalidStoreError, load_deliverystore_backend


class Command(BaseCommand):
    help = (
        "Copy the bytes of every file from the configured DeliveryStore into another one, streamed and in "
        "parallel, verifying size and SHA-256 on arrival. Files the target already holds intact are skipped, so "
        "an interrupted copy resumes. The source is never modified. Exit status: 0 all copied, 1 some files "
        "failed, 2 the copy could not run."
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
        parser.add_argument("--jobs", type=int, default=4, help="Files copied in parallel (default 4).")
        parser.add_argument("--dry-run", action="store_true", help="Report what would be copied; write nothing.")

    def handle(self, *args, **options):
        if options["jobs"] < 1:
            raise CommandError("--jobs must be at least 1.", returncode=ExitStatus.COULD_NOT_RUN)
        try:
            target_options = parse_key_values(options["option"], "--option")
            target = load_deliverystore_backend(options["to"], **target_options)
        except (ValueError, InvalidStoreError) as e:
            raise CommandError(str(e), returncode=ExitStatus.COULD_NOT_RUN) from e
        source = FileMeta.deliverystore
        if target.describe() == source.describe():
            raise CommandError(
                f"The target is the configured store itself ({source.describe()}).", returncode=ExitStatus.COULD_NOT_RUN
            )
        dry_run = " (dry run)" if options["dry_run"] else ""
        self.stdout.write(f"Copying from {source.describe()} to {target.describe()}{dry_run}")
        try:
            next(iter(target.iter_objects()), None)  # reach the target once: a wrong endpoint fails here
            report = copy_store(
                source,
                target,
                jobs=options["jobs"],
                dry_run=options["dry_run"],
                progress=progress_factory(self.stdout.isatty()),
            )
        except (OSError, InvalidStoreError) as e:
            raise CommandError(f"The copy could not run: {e}", returncode=ExitStatus.COULD_NOT_RUN) from e
        for failure in report.failures:
            self.stderr.write(f"FAILED  #{failure.filemeta_id} {failure.filename}: {failure.reason}")
        verb = "Would copy" if report.dry_run else "Copied"
        summary = (
            f"{verb} {report.copied} files ({report.copied_bytes} bytes), skipped {report.skipped} already "
            f"intact in the target, {len(report.failures)} failed."
        )
        if not report.ok:
            raise CommandError(summary, returncode=ExitStatus.PROBLEMS)
        self.stdout.write(self.style.SUCCESS(summary))
