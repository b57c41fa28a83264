"""manage.py seedfactory: seed a realistic demo, or any model, through the factory (deliveries.seeding)."""

from django.core.management.base import BaseCommand

from deliveries.exit_status import ExitStatus
from deliveries.operations.arguments import MAX_SEED, MAX_SEED_COUNT, bounded_count, parse_key_values
from deliveries.operations.exits import EndsWithOneLine, Exit, usage_error
from deliveries.operations.progress import progress_factory
from deliveries.operations.prompts import NoTerminal, confirm
from deliveries.seeding import any_model, demo


class Command(EndsWithOneLine, BaseCommand):
    help = (
        "Seed a realistic demo (subjects, periods, assignments, groups, deliveries and their files, written "
        "through the configured DeliveryStore), or, given app_label.Model, rows of any installed model."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.parse_args = parser.parse_intermixed_args  # field=value may follow the options too
        return parser

    def add_arguments(self, parser):
        parser.add_argument(
            "model", nargs="?", help="app_label.Model to seed instead of the demo, e.g. deliveries.Subject."
        )
        parser.add_argument(
            "values",
            nargs="*",
            metavar="field=value",
            help="Values for every row of MODEL (fk=pk, m2m=pk,pk, fk__field=value).",
        )
        parser.add_argument(
            "--count", default=1, help=f"Rows of MODEL to make (default 1, at most {MAX_SEED_COUNT:,})."
        )
        parser.add_argument("--bulk", action="store_true", help="Insert MODEL's rows with the factory's bulk mode.")
        parser.add_argument(
            "--size",
            choices=sorted(demo.SIZES),
            default="small",
            help="Demo size: small (~65 files), medium (~8,700), large (>= 100,000). Default small.",
        )
        parser.add_argument("--seed", default=0, help="Random seed: the same seed gives the same data (default 0).")
        parser.add_argument(
            "--if-empty", action="store_true", help="Seed the demo only when there is none; else do nothing."
        )
        parser.add_argument("--append", action="store_true", help="Add another demo batch beside the existing one.")
        parser.add_argument(
            "--flush",
            action="store_true",
            help="Delete every subject (and all below it) and the demo users first; asks unless --yes.",
        )
        parser.add_argument("--yes", action="store_true", help="Do not ask before --flush.")
        parser.add_argument(
            "--examiner-password",
            metavar="PASSWORD",
            help="The password the demo's examiners (staff users) log in with; default: one generated and printed once.",
        )

    def handle(self, *args, **options):
        try:
            options["count"] = bounded_count(options["count"], "--count", 1, MAX_SEED_COUNT)
            options["seed"] = bounded_count(options["seed"], "--seed", 0, MAX_SEED)
        except ValueError as e:
            raise usage_error(str(e)) from e
        try:
            if options["model"]:
                self._seed_model(options)
            else:
                self._seed_demo(options)
        except demo.SeedError as e:
            raise Exit(str(e), ExitStatus.COULD_NOT_RUN) from e

    def _seed_model(self, options):
        for flag in ("if_empty", "append", "flush"):
            if options[flag]:
                raise demo.SeedError(f"--{flag.replace('_', '-')} applies to the demo, not to a single model.")
        try:
            values = parse_key_values(options["values"], "field=value", typed=False)  # each field converts its own
        except ValueError as e:
            raise demo.SeedError(str(e)) from e
        made = any_model.seed_model(
            options["model"], options["count"], values, bulk=options["bulk"], seed=options["seed"]
        )
        label = made[0]._meta.label if made else options["model"]
        pks = ", ".join(str(obj.pk) for obj in made[:10]) + (", ..." if len(made) > 10 else "")
        self.stdout.write(self.style.SUCCESS(f"Seeded {len(made)} {label} (pk {pks})."))

    def _seed_demo(self, options):
        if options["values"]:
            raise demo.SeedError(f"Field values {options['values']} need a model: seedfactory app.Model field=value.")
        if options["if_empty"] and not demo.demo_is_empty():
            self.stdout.write("The database holds a demo already; not seeding (--if-empty).")
            return
        if options["flush"] and options["append"]:
            raise demo.SeedError("--flush replaces the demo and --append adds to it: choose one.")
        if options["flush"]:
            self._flush(options["yes"])
        report = demo.seed_demo(
            options["size"],
            options["seed"],
            append=options["append"],
            progress=progress_factory(self.stdout.isatty()),
            examiner_password=options["examiner_password"],
        )
        self.stdout.write(
            self.style.SUCCESS(f"Seeded the {options['size']} demo (seed {options['seed']}): {report.line()}.")
        )
        self._print_examiner_login(report, given=bool(options["examiner_password"]))

    def _print_examiner_login(self, report, given):
        if not report.examiners:
            return
        shown = ", ".join(repr(name) for name in report.examiners[:3])
        password = "the --examiner-password given." if given else f"password: {report.examiner_password}"
        self.stdout.write(
            f"The {len(report.examiners)} demo examiners see only their own groups. Log in at /admin/ as one of "
            f"them (e.g. {shown}) with {password}"
            + ("" if given else "\n(generated for this demo and printed once; 'manage.py changepassword' resets one).")
        )

    def _flush(self, yes):
        counts = demo.demo_counts()
        what = ", ".join(f"{n:,} {name}" for name, n in counts.items())
        try:
            agreed = confirm(f"Delete {what}?", yes=yes)
        except NoTerminal as e:
            raise demo.SeedError(
                f"--flush would delete {what}; pass --yes to confirm when there is no terminal."
            ) from e
        if not agreed:
            raise Exit("Nothing flushed, nothing seeded.", ExitStatus.PROBLEMS)
        demo.flush_demo()
        self.stdout.write(f"Flushed {what}.")
