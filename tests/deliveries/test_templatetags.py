"""deliveries.templatetags.deliveries_admin: the date hierarchy from first and last dates."""

import datetime

from django.test import SimpleTestCase, TestCase
from django.urls import reverse
from django.utils import timezone

from deliveries.models import FileMeta
from deliveries.templatetags.deliveries_admin import periods_between, periods_with_rows
from tests.support.admin_fixtures import AdminFixtureMixin


class TestPeriodsBetween(SimpleTestCase):
    def test_periods(self):
        """Every year, month or day between two dates, inclusive, across year ends."""
        first, last = datetime.date(2024, 11, 30), datetime.date(2025, 2, 2)
        self.assertEqual([d.year for d in periods_between(first, last, "year")], [2024, 2025])
        self.assertEqual(
            [(d.year, d.month) for d in periods_between(first, last, "month")],
            [(2024, 11), (2024, 12), (2025, 1), (2025, 2)],
        )
        self.assertEqual(len(periods_between(first, last, "day")), 65)


class TestRangeDateHierarchy(AdminFixtureMixin, TestCase):
    def setUp(self):
        super().setUp()
        self.login(self.viewer)
        when = [
            datetime.datetime(2023, 5, 17, 12),
            datetime.datetime(2025, 3, 2, 12),
            datetime.datetime(2025, 3, 9, 12),
        ]
        for filemeta, moment in zip((self.py, self.txt, self.png), when):
            FileMeta.objects.filter(pk=filemeta.pk).update(created=timezone.make_aware(moment))
        FileMeta.objects.exclude(pk__in=[self.py.pk, self.txt.pk, self.png.pk]).delete()

    def hierarchy(self, **params):
        response = self.client.get(reverse("admin:deliveries_filemeta_changelist"), params)
        self.assertEqual(response.status_code, 200)
        return response

    def test_levels(self):
        """Years, months of a year, days of a month and the day: only those that have files."""
        top = self.hierarchy()
        self.assertContains(top, "?created__year=2023")
        self.assertContains(top, "?created__year=2025")
        self.assertNotContains(top, "?created__year=2024")  # between the first and last, but empty
        year = self.hierarchy(created__year=2025)
        self.assertContains(year, "created__month=3")
        self.assertNotContains(year, "created__month=4")
        self.assertContains(year, "All dates")
        month = self.hierarchy(created__year=2025, created__month=3)
        days = [day for day in range(1, 32) if f"created__day={day}&" in month.content.decode().replace('"', "&")]
        self.assertEqual(days, [2, 9])
        day = self.hierarchy(created__year=2025, created__month=3, created__day=9)
        self.assertEqual([fm.filename for fm in day.context["cl"].result_list], ["photo.png"])
        self.assertContains(day, "March 9")

    def test_periods_with_rows_in_one_query(self):
        """Which periods between the first and last have rows is asked in one query, whatever their number."""
        rows = FileMeta.objects.all()
        first, last = datetime.date(2023, 5, 17), datetime.date(2025, 3, 9)
        with self.assertNumQueries(1):
            years = periods_with_rows(rows, "created", first, last, "year")
        self.assertEqual([d.year for d in years], [2023, 2025])
        with self.assertNumQueries(1):
            days = periods_with_rows(rows, "created", datetime.date(2025, 3, 2), datetime.date(2025, 3, 9), "day")
        self.assertEqual(days, [datetime.date(2025, 3, 2), datetime.date(2025, 3, 9)])
        with self.assertNumQueries(1):  # asked even when known, so the query count never varies
            self.assertEqual(len(periods_with_rows(rows, "created", first, first, "year")), 1)

    def test_each_period_asked_by_its_own_range(self):
        """Each EXISTS bounds its period alone: with the chosen year's range beside it, SQLite may walk the year."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            self.hierarchy(created__year=2025)
        [asked] = [q["sql"] for q in queries if q["sql"].startswith("SELECT EXISTS(")]
        for subquery in asked.split("EXISTS(")[1:]:
            self.assertEqual(subquery.split(") AS")[0].count('"created" >='), 1, subquery)

    def test_local_days(self):
        """A file created late in the evening UTC belongs to the next day where the site's time zone is ahead."""
        FileMeta.objects.filter(pk=self.txt.pk).update(
            created=timezone.make_aware(datetime.datetime(2025, 3, 5, 23, 30), datetime.UTC)
        )
        with timezone.override("Europe/Oslo"):
            month = self.hierarchy(created__year=2025, created__month=3)
        self.assertContains(month, "created__day=6&")
        self.assertNotContains(month, "created__day=5&")

    def test_empty_year(self):
        """A year between the first and last may have no files: an empty list, not an error."""
        response = self.hierarchy(created__year=2024)
        self.assertEqual(list(response.context["cl"].result_list), [])

    def test_bad_date(self):
        """A date that does not exist is refused the admin's way, not with a server error."""
        response = self.client.get(reverse("admin:deliveries_filemeta_changelist"), {"created__year": "x"})
        self.assertRedirects(
            response, reverse("admin:deliveries_filemeta_changelist") + "?e=1", fetch_redirect_response=False
        )
