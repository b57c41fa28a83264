"""The admin looks like a product: its name, groups named once, long names cut, dates that have rows, warnings above previews."""

import datetime
import re
from pathlib import Path

from django.contrib.staticfiles import finders
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from deliveries.models import AssignmentGroup, Delivery, FileMeta
from deliveries.serving import zipstream
from tests.support.admin_fixtures import AdminFixtureMixin
from tests.support.handins import make_course
from tests.support.store_mixins import SwappedStoreMixin

LISTS = ["subject", "period", "assignment", "assignmentgroup", "delivery", "filemeta"]


class TestNames(SwappedStoreMixin, TestCase):
    def setUp(self):
        super().setUp()
        self.course = make_course()
        self.client.force_login(self.course.users["ingrid"].__class__.objects.create_superuser("root"))

    def test_product_name(self):
        """Every page names the product, in its header and its tab, never "Django administration"."""
        for name in ["index", *[f"deliveries_{model}_changelist" for model in LISTS]]:
            with self.subTest(page=name):
                response = self.client.get(reverse(f"admin:{name}"))
                self.assertContains(
                    response, '<div id="site-name"><a href="/admin/">Deliverystore</a></div>', html=True
                )
                self.assertRegex(response.content.decode(), r"<title>[^<]*\| Deliverystore</title>")
                self.assertNotContains(response, "Django administration")
                self.assertNotContains(response, 'id="nav-sidebar"')  # the lists need the width

    def test_never_group_group(self):
        """Groups named "group 1" (as the demo names them) are never shown as "group group 1", nor unnamed ones as a bare id."""
        unnamed = AssignmentGroup.objects.create(assignment=self.course.oblig)
        Delivery.begin(unnamed).finish()
        pages = [reverse(f"admin:deliveries_{model}_changelist") for model in LISTS]
        pages += [
            reverse("admin:deliveries_assignmentgroup_change", args=[unnamed.pk]),
            reverse("admin:deliveries_assignmentgroup_change", args=[self.course.groups["amira"].pk]),
            reverse("admin:deliveries_delivery_change", args=[self.course.deliveries["amira", 2].pk]),
            reverse("admin:deliveries_filemeta_change", args=[FileMeta.objects.first().pk]),
            reverse("admin:deliveries_assignment_change", args=[self.course.oblig.pk]),
        ]
        for url in pages:
            with self.subTest(url=url):
                content = self.client.get(url).content.decode()
                self.assertNotRegex(content, r"(?i)group[ -]group")
        groups = self.client.get(reverse("admin:deliveries_assignmentgroup_changelist")).content.decode()
        self.assertIn(f"group #{unnamed.pk}", groups)
        self.assertEqual(
            zipstream.folder_name(self.course.deliveries["amira", 1]), "cinf1000.v2026.oblig1-group amira-delivery-1"
        )

    def test_long_names_cut_with_title(self):
        """Long names sit in one-line ellipsis spans that carry the whole text in their title."""
        long_filename = "a_really_long_filename_for_the_final_report_version_3_final_FINAL.pdf"
        delivery = Delivery.begin(self.course.groups["ola"], self.course.users["ola"])
        delivery.add_file(long_filename, [b"%PDF-1.4"])
        delivery.finish()
        self.course.users["ola"].first_name = "Maximiliana Alexandra"
        self.course.users["ola"].save()
        response = self.client.get(reverse("admin:deliveries_filemeta_changelist"))
        self.assertContains(
            response, f'<span class="ellipsis" title="{long_filename}">{long_filename}</span>', html=True
        )
        self.assertContains(response, 'title="Maximiliana Alexandra Hansen (ola.hansen)"')
        # The one-line rule lives in the site's stylesheet (a static file, for the CSP), linked from every page.
        self.assertContains(response, '<link rel="stylesheet" href="/static/deliveries/site.css">')
        stylesheet = Path(finders.find("deliveries/site.css")).read_text()
        self.assertIn("white-space: nowrap", stylesheet)
        self.assertIn("text-overflow: ellipsis", stylesheet)


class TestDeliveryDates(SwappedStoreMixin, TestCase):
    def test_only_dates_with_rows(self):
        """The delivery list's date hierarchy offers the months that have deliveries, none between them."""
        course = make_course()
        Delivery.objects.filter(pk=course.deliveries["exam", 1].pk).update(
            time_of_delivery=timezone.make_aware(datetime.datetime(2026, 6, 10, 9, 0))
        )
        self.client.force_login(course.users["ingrid"].__class__.objects.create_superuser("root"))
        response = self.client.get(reverse("admin:deliveries_delivery_changelist"))
        months = re.findall(r"time_of_delivery__month=(\d+)", response.content.decode())
        self.assertEqual(sorted(set(months), key=int), ["3", "6"])


class TestIntegrityWarning(AdminFixtureMixin, TestCase):
    def setUp(self):
        super().setUp()
        self.login(self.viewer)

    def page(self, filemeta):
        response = self.client.get(reverse("admin:deliveries_filemeta_change", args=[filemeta.pk]))
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_warning_above_preview(self):
        """A corrupt or missing file's page warns, above its preview, what the last verification found."""
        self.damage_samples()
        for filemeta, word in ((self.txt, "missing"), (self.bin, "corrupt")):
            with self.subTest(status=word):
                self.client.post(reverse("admin:deliveries_filemeta_verify", args=[filemeta.pk]))
                content = self.page(filemeta)
                warning = content.find('id="integrity-warning"')
                self.assertGreater(warning, 0)
                self.assertLess(warning, content.find('id="bytes-preview"'))
                self.assertIn(f"found this file <strong>{word}</strong>", content)

    def test_no_warning_when_intact_or_unverified(self):
        """An intact or never verified file's page carries no warning."""
        self.assertNotIn("integrity-warning", self.page(self.py))
        self.client.post(reverse("admin:deliveries_filemeta_verify", args=[self.py.pk]))
        self.assertNotIn("integrity-warning", self.page(self.py))
