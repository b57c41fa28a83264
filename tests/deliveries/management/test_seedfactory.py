"""manage.py seedfactory: the demo, any model, and the arguments it refuses."""

import re
from io import StringIO
from unittest import mock

from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import TestCase

from deliveries.models import FileMeta, Subject
from tests.support.store_mixins import SwappedStoreMixin


def seedfactory(*args):
    out = StringIO()
    call_command("seedfactory", *args, stdout=out)
    return out.getvalue()


class TestSeedfactory(SwappedStoreMixin, TestCase):
    def assert_refused(self, args, message, returncode=2):
        with self.assertRaisesMessage(CommandError, message) as caught:
            seedfactory(*args)
        self.assertEqual(caught.exception.returncode, returncode)

    def test_if_empty(self):
        """--if-empty seeds the small demo on an empty database and does nothing after."""
        out = seedfactory("--if-empty")
        self.assertRegex(
            out, r"^Seeded the small demo \(seed 0\): 15 users, 2 subjects, .* files \(.* MiB\) in .* s\.\n"
        )
        files = FileMeta.objects.count()
        self.assertEqual(seedfactory("--if-empty"), "The database holds a demo already; not seeding (--if-empty).\n")
        self.assertEqual(FileMeta.objects.count(), files)

    def test_examiner_login_printed(self):
        """The examiners' login is printed: a generated password once, or a pointer to the one given."""
        out = seedfactory("--seed", "5")
        match = re.search(
            r"e\.g\. ('[\w.]+'), .* with password: (\S+)\n\(generated for this demo and printed once", out
        )
        self.assertIsNotNone(match, out)
        username, password = match.group(1).strip("'"), match.group(2)
        self.assertTrue(get_user_model().objects.get(username=username).check_password(password))
        self.assertIn("The 3 demo examiners see only their own groups.", out)
        out = seedfactory("--append", "--examiner-password", "chosen-demo-pass")
        self.assertIn("with the --examiner-password given.\n", out)
        self.assertNotIn("chosen-demo-pass", out)

    def test_double_seed_append_flush(self):
        """A second seed is refused (exit 2); --append adds; --flush --yes replaces; --flush without a terminal asks for --yes."""
        seedfactory("--seed", "4")
        self.assert_refused(
            [], "The database holds a demo already (2 subjects). Pass --append to add another batch, or --flush"
        )
        seedfactory("--append")
        self.assertEqual(Subject.objects.count(), 4)
        with mock.patch("sys.stdin.isatty", return_value=False):
            self.assert_refused(["--flush"], "--flush would delete 4 subjects")
        self.assertEqual(Subject.objects.count(), 4)
        with self.captureOnCommitCallbacks(execute=True):
            out = seedfactory("--flush", "--yes")
        self.assertIn("Flushed 4 subjects", out)
        self.assertEqual(Subject.objects.count(), 2)
        self.assertEqual(len(list(self.store.iter_objects())), FileMeta.objects.count())

    def test_flush_asks(self):
        """On a terminal --flush asks; anything but yes keeps everything and exits 1."""
        seedfactory()
        with mock.patch("sys.stdin.isatty", return_value=True), mock.patch("builtins.input", return_value="no") as ask:
            self.assert_refused(["--flush"], "Nothing flushed, nothing seeded.", returncode=1)
        self.assertIn("Delete 2 subjects", ask.call_args.args[0])
        self.assertEqual(Subject.objects.count(), 2)

    def test_any_model(self):
        """seedfactory app.Model --count N field=value [--bulk], values after options too."""
        out = seedfactory("deliveries.Subject", "--count", "3", "long_name=Physics", "--bulk")
        self.assertRegex(out, r"^Seeded 3 deliveries.Subject \(pk \d+, \d+, \d+\)\.\n$")
        self.assertEqual(set(Subject.objects.values_list("long_name", flat=True)), {"Physics"})

    def test_bad_arguments(self):
        """Unknown model, field or value, or demo flags with a model: exit 2, nothing written."""
        for args, message in (
            (["deliveries.Nope"], "Unknown model 'deliveries.Nope'"),
            (["deliveries.Subject", "colour=red"], "deliveries.Subject has no field 'colour'"),
            (["deliveries.Period", "start_time=never"], "Bad value 'never' for deliveries.Period.start_time"),
            (["deliveries.Subject", "long_name"], "field=value 'long_name' must look like key=value"),
            (["deliveries.Subject", "--append"], "--append applies to the demo, not to a single model."),
            (["--flush", "--append", "--yes"], "--flush replaces the demo and --append adds to it: choose one."),
            (["deliveries.Subject", "--count", "0"], "--count must be a whole number from 1 to 1,000,000, not 0"),
            (["deliveries.Subject", "--count", "9" * 30], "--count must be a whole number from 1 to 1,000,000, not 99"),
            (["deliveries.Subject", "--count", "1e20"], "--count must be a whole number from 1 to 1,000,000, not 1e20"),
            (["--seed", "9" * 5000], "--seed must be a whole number from 0 to 9,223,372,036,854,775,807"),
            (["--seed", "-1"], "--seed must be a whole number from 0 to"),
        ):
            with self.subTest(args=args):
                self.assert_refused(args, message)
        with self.assertRaises(CommandError):
            seedfactory("--size", "huge")
        self.assertEqual((Subject.objects.count(), FileMeta.objects.count()), (0, 0))
