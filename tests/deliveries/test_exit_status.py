"""deliveries.exit_status: one set of numbers for the commands, the run records and the Store health page."""

import contextlib
from unittest import mock

from django.contrib.auth import get_user_model
from django.test import SimpleTestCase, TestCase
from django.urls import reverse

from deliveries.exit_status import ExitStatus
from deliveries.models import StoreCheckRun
from tests.support.store_faults import run_checkstore
from tests.support.store_mixins import SwappedStoreMixin


class TestNumbers(SimpleTestCase):
    def test_numbers(self):
        """The numbers scripts and monitoring depend on, as Django's own commands use them."""
        self.assertEqual([(s.name, int(s)) for s in ExitStatus], [("OK", 0), ("PROBLEMS", 1), ("COULD_NOT_RUN", 2)])


class TestOneMeaning(SwappedStoreMixin, TestCase):
    def test_command_record_and_page_agree(self):
        """What checkstore exits with is what its run records, and what the Store health page calls it."""
        self.client.force_login(get_user_model().objects.create_superuser("admin", "a@example.com", "pw"))
        page = reverse("admin:deliveries_storecheckrun_changelist")
        with self.store.write_open("777") as writer:
            writer.write(b"an orphan")
        unlistable = mock.patch.object(type(self.store), "iter_objects", side_effect=ConnectionRefusedError("refused"))
        for label, args, patch, status, outcome in (
            ("healthy", [], None, ExitStatus.OK, "ok"),
            ("orphans fail", ["--fail-on-orphans"], None, ExitStatus.PROBLEMS, "failed"),
            ("cannot list", [], unlistable, ExitStatus.COULD_NOT_RUN, "unavailable"),
        ):
            with self.subTest(label):
                with patch or contextlib.nullcontext():
                    self.assertEqual(run_checkstore(*args)[0], status)
                self.assertEqual(StoreCheckRun.objects.latest("started", "pk").exit_code, status)
                self.assertContains(
                    self.client.get(page), f'Latest run: <span class="storehealth-{outcome}">{outcome}</span>'
                )
