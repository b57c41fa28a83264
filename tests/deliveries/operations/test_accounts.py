"""ensuresuperuser: one superuser, created once, with a password printed once or taken from the environment."""

import os
from io import StringIO
from unittest import mock

from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.test import TestCase


class TestEnsureSuperuser(TestCase):
    def run_command(self):
        out = StringIO()
        call_command("ensuresuperuser", stdout=out)
        return out.getvalue()

    def test_random_password_printed_once(self):
        with mock.patch.dict(os.environ, {"DJANGO_SUPERUSER_PASSWORD": "", "DJANGO_SUPERUSER_USERNAME": ""}):
            first = self.run_command()
            second = self.run_command()
        password = first.split("with password: ")[1].split()[0]
        self.assertIsNotNone(authenticate(username="admin", password=password))
        self.assertIn("exists already", second)
        self.assertNotIn(password, second)
        self.assertEqual(get_user_model().objects.filter(is_superuser=True).count(), 1)

    def test_password_from_environment(self):
        with mock.patch.dict(
            os.environ, {"DJANGO_SUPERUSER_PASSWORD": "s3cret-Pass", "DJANGO_SUPERUSER_USERNAME": "boss"}
        ):
            out = self.run_command()
        self.assertNotIn("s3cret-Pass", out)
        self.assertIsNotNone(authenticate(username="boss", password="s3cret-Pass"))

    def test_existing_superuser_untouched(self):
        get_user_model().objects.create_superuser("root", password="keep-me-123")
        out = self.run_command()
        self.assertIn("'root'", out)
        self.assertIsNotNone(authenticate(username="root", password="keep-me-123"))
