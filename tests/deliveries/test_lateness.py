"""deliveries.lateness and the lateness queries: how late, in words and in the database."""

import datetime

from django.test import SimpleTestCase, TestCase

from deliveries.lateness import describe, describe_lateness, humanize_duration, late_by
from deliveries.models import AssignmentGroup, Delivery, lateness_condition
from tests.support.handins import DEADLINE, make_course
from tests.support.store_mixins import SwappedStoreMixin

SECOND = datetime.timedelta(seconds=1)
MINUTE = datetime.timedelta(minutes=1)
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


class TestWords(SimpleTestCase):
    def test_humanize_duration(self):
        """Two largest units, the smaller left out when zero, never rounded up; under a second said so."""
        cases = [
            (datetime.timedelta(microseconds=1), "less than 1 s"),
            (datetime.timedelta(milliseconds=999), "less than 1 s"),
            (SECOND, "1 s"),
            (59 * SECOND, "59 s"),
            (MINUTE, "1 min"),
            (MINUTE + SECOND, "1 min 1 s"),
            (HOUR - SECOND, "59 min 59 s"),
            (HOUR, "1 h"),
            (3 * HOUR + 20 * MINUTE + 5 * SECOND, "3 h 20 min"),
            (DAY, "1 day"),
            (DAY + 3 * HOUR + 4 * MINUTE, "1 day 3 h"),
            (DAY + 5 * MINUTE, "1 day"),
            (2 * DAY, "2 days"),
            (400 * DAY + 23 * HOUR, "400 days 23 h"),
        ]
        for duration, words in cases:
            with self.subTest(duration=duration):
                self.assertEqual(humanize_duration(duration), words)

    def test_humanize_refuses_nothing(self):
        """A zero or negative duration is no lateness: refused with a message."""
        for duration in (datetime.timedelta(0), -SECOND):
            with self.subTest(duration=duration), self.assertRaisesMessage(ValueError, "must be positive"):
                humanize_duration(duration)

    def test_describe_edges(self):
        """Exactly at the deadline is on time; a second after is late by 1 s; no deadline says so."""
        cases = [
            (DEADLINE - DAY, DEADLINE, "on time"),
            (DEADLINE, DEADLINE, "on time"),
            (DEADLINE + datetime.timedelta(microseconds=1), DEADLINE, "late by less than 1 s"),
            (DEADLINE + SECOND, DEADLINE, "late by 1 s"),
            (DEADLINE + DAY + 3 * HOUR, DEADLINE, "late by 1 day 3 h"),
            (DEADLINE + DAY, None, "no deadline"),
        ]
        for time, deadline, words in cases:
            with self.subTest(time=time, deadline=deadline):
                self.assertEqual(describe(time, deadline), words)
        self.assertIsNone(late_by(DEADLINE, DEADLINE))
        self.assertEqual(late_by(DEADLINE + SECOND, DEADLINE), SECOND)
        self.assertIsNone(late_by(DEADLINE + DAY, None))


class TestLatenessQueries(SwappedStoreMixin, TestCase):
    def setUp(self):
        super().setUp()
        self.course = make_course()

    def pks(self, queryset):
        return set(queryset.values_list("pk", flat=True))

    def test_deliveries(self):
        """A group's extension replaces the assignment's deadline; the words match the database's split."""
        d = self.course.deliveries
        late, on_time = {d["amira", 2].pk, d["exam", 1].pk}, {d["amira", 1].pk, d["nora", 1].pk}
        self.assertEqual(self.pks(Delivery.objects.late()), late)
        self.assertEqual(self.pks(Delivery.objects.filter(lateness_condition("late"))), late)
        self.assertEqual(self.pks(Delivery.objects.filter(lateness_condition("on_time"))), on_time)
        self.assertEqual(self.pks(Delivery.objects.on_time()), on_time)
        self.assertEqual(self.pks(Delivery.objects.filter(lateness_condition("no_deadline"))), set())
        words = {delivery.pk: describe_lateness(delivery) for delivery in Delivery.objects.with_lateness()}
        self.assertEqual(
            words,
            {
                d["amira", 1].pk: "on time",
                d["amira", 2].pk: "late by 1 day 3 h",
                d["nora", 1].pk: "on time",  # a day after the assignment's deadline, within its extension
                d["exam", 1].pk: "late by 5 min",
            },
        )

    def test_no_deadline(self):
        """Without any deadline a delivery is neither on time nor late in the filters, and not late in words."""
        self.course.oblig.first_deadline = None
        self.course.oblig.save()
        nora_extension = self.course.deliveries["nora", 1]
        no_deadline = self.pks(Delivery.objects.filter(lateness_condition("no_deadline")))
        self.assertEqual(no_deadline, {self.course.deliveries["amira", 1].pk, self.course.deliveries["amira", 2].pk})
        self.assertEqual(
            describe_lateness(Delivery.objects.get(pk=self.course.deliveries["amira", 2].pk)), "no deadline"
        )
        self.assertEqual(describe_lateness(Delivery.objects.get(pk=nora_extension.pk)), "on time")

    def test_through_files(self):
        """The same rule from the files' side, through their delivery."""
        from deliveries.models import FileMeta

        late_files = FileMeta.objects.filter(lateness_condition("late", "delivery"))
        self.assertEqual(sorted(late_files.values_list("filename", flat=True)), ["answers.pdf", "fix.py"])

    def test_unknown_kind(self):
        """An unknown kind is refused with the kinds there are."""
        with self.assertRaisesMessage(ValueError, "Unknown lateness 'soon'; choose one of on_time, late, no_deadline."):
            lateness_condition("soon")
        with self.assertRaisesMessage(ValueError, "Unknown hand-in 'soon'; choose one of on_time, late, nothing."):
            AssignmentGroup.objects.handed_in("soon")

    def test_groups_by_last_delivery(self):
        """A group counts by its last successful delivery: on time, late, or nothing delivered."""
        groups = self.course.groups
        oblig = AssignmentGroup.objects.filter(assignment=self.course.oblig)
        self.assertEqual(self.pks(oblig.handed_in("late")), {groups["amira"].pk})
        self.assertEqual(self.pks(oblig.handed_in("on_time")), {groups["nora"].pk})
        self.assertEqual(self.pks(oblig.handed_in("nothing")), {groups["ola"].pk})
        with self.assertNumQueries(1):
            self.assertEqual(oblig.hand_in_counts(), {"on_time": 1, "late": 1, "nothing": 1})
        # An unfinished delivery is not a hand-in: Amira's group is judged by its first, on-time one.
        Delivery.objects.filter(pk=self.course.deliveries["amira", 2].pk).update(successful=False)
        self.assertEqual(oblig.hand_in_counts(), {"on_time": 2, "late": 0, "nothing": 1})
