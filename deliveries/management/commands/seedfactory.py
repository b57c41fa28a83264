"""manage.py seedfactory: seed a realistic demo."""

from django.core.management.base import BaseCommand

from deliveries.seeding import demo_is_empty, seed_demo


class Command(BaseCommand):
    help = "Seed a small, realistic demo of subjects, deliveries and files through the configured DeliveryStore."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Seed only when the database holds no demo yet.")
        parser.add_argument("--seed", type=int, default=0, help="Random seed: the same seed gives the same data.")

    def handle(self, *args, **options):
        if options["if_empty"] and not demo_is_empty():
            self.stdout.write("The database holds data already; not seeding.")
            return
        report = seed_demo(seed=options["seed"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {report.subjects} subjects, {report.deliveries} deliveries and {report.files} files "
                f"({report.bytes} bytes)."
            )
        )
