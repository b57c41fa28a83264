"""manage.py ensuresuperuser: create a superuser only if there is none, and say how to log in."""

from django.core.management.base import BaseCommand

from deliveries.operations.accounts import ensure_superuser


class Command(BaseCommand):
    help = (
        "Create a superuser if none exists (username DJANGO_SUPERUSER_USERNAME, default 'admin'; password "
        "DJANGO_SUPERUSER_PASSWORD, or a random one printed once). Does nothing when one exists."
    )

    def handle(self, *args, **options):
        result = ensure_superuser()
        if result.created:
            self.stdout.write(self.style.SUCCESS(f"Created superuser {result.username!r}."))
            if result.generated_password:
                self.stdout.write(
                    f"Log in at /admin/ as {result.username!r} with password: {result.generated_password}\n"
                    "(printed once: note it, or change it with 'manage.py changepassword')."
                )
            else:
                self.stdout.write(f"Log in at /admin/ as {result.username!r} with DJANGO_SUPERUSER_PASSWORD.")
        else:
            self.stdout.write(
                f"A superuser exists already ({result.username!r}); log in with its password, or reset it with "
                f"'manage.py changepassword {result.username}'."
            )
