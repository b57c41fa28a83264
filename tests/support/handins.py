"""
A small course for the hand-in tests: two assignments of one period, one of them an anonymous
exam, with named students and examiners, an extension, and deliveries on time, late and none.

    course = make_course()
    course.oblig              # deadline DEADLINE, not anonymous
    course.exam               # anonymous, deadline DEADLINE + 30 days
    course.groups["amira"]    # oblig, Amira Khan + Lars Berg; delivered on time (#1) then late by 1 day 3 h (#2)
    course.groups["nora"]     # oblig, Nora Olsen; extension +2 days, delivered 1 day after the
                              # assignment's deadline: on time
    course.groups["ola"]      # oblig, Ola Hansen; nothing delivered
    course.groups["exam"]     # exam, Amira Khan as candidate C-4711; delivered late by 5 min
    course.users["amira"] ... # Amira Khan (amira.khan, amira.khan@uni.example), ...
    course.users["ingrid"]    # Ingrid Dahl, staff, examines amira, nora and exam
"""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.utils import timezone

from deliveries.models import Assignment, AssignmentGroup, Candidate, Delivery, Period, Subject

DEADLINE = timezone.make_aware(datetime.datetime(2026, 3, 2, 12, 0), datetime.UTC)

PEOPLE = {
    "amira": ("Amira", "Khan"),
    "lars": ("Lars", "Berg"),
    "nora": ("Nora", "Olsen"),
    "ola": ("Ola", "Hansen"),
    "ingrid": ("Ingrid", "Dahl"),
    "emil": ("Emil", "Strand"),
}


@dataclass
class Course:
    oblig: Assignment = None
    exam: Assignment = None
    users: dict = field(default_factory=dict)
    groups: dict = field(default_factory=dict)
    deliveries: dict = field(default_factory=dict)  # (group key, number) -> Delivery


def deliver(group, user, when, files=(("report.txt", b"a report"),)):
    """A finished delivery of ``files`` by ``user`` at ``when``."""
    delivery = Delivery.begin(group, user)
    for name, data in files:
        delivery.add_file(name, [data])
    delivery.finish()
    Delivery.objects.filter(pk=delivery.pk).update(time_of_delivery=when)
    delivery.refresh_from_db()
    return delivery


def make_course(prefix="c"):
    """The course above; usernames are first.last (``prefix`` names the subject)."""
    User = get_user_model()
    course = Course()
    for key, (first, last) in PEOPLE.items():
        username = f"{first}.{last}".lower()
        course.users[key] = User.objects.create_user(
            username,
            email=f"{username}@uni.example",
            first_name=first,
            last_name=last,
            is_staff=key in ("ingrid", "emil"),
        )
    subject = Subject.objects.create(short_name=f"{prefix}inf1000", long_name="Introduction to programming")
    period = Period.objects.create(
        subject=subject,
        short_name="v2026",
        long_name="Spring 2026",
        start_time=DEADLINE - datetime.timedelta(days=60),
        end_time=DEADLINE + datetime.timedelta(days=90),
    )
    course.oblig = Assignment.objects.create(
        period=period, short_name="oblig1", long_name="Obligatory 1", first_deadline=DEADLINE
    )
    course.exam = Assignment.objects.create(
        period=period,
        short_name="exam",
        long_name="Final exam",
        first_deadline=DEADLINE + datetime.timedelta(days=30),
        anonymous=True,
    )
    groups = {
        "amira": (course.oblig, ["amira", "lars"], None),
        "nora": (course.oblig, ["nora"], DEADLINE + datetime.timedelta(days=2)),
        "ola": (course.oblig, ["ola"], None),
        "exam": (course.exam, ["amira"], None),
    }
    for key, (assignment, students, extension) in groups.items():
        group = AssignmentGroup.objects.create(assignment=assignment, name=f"group {key}", deadline=extension)
        for student in students:
            Candidate.objects.create(
                assignment_group=group,
                user=course.users[student],
                candidate_id="C-4711" if assignment.anonymous else "",
            )
        course.groups[key] = group
    for key in ("amira", "nora", "exam"):
        course.groups[key].examiners.add(course.users["ingrid"])
    course.groups["ola"].examiners.add(course.users["emil"])
    hour, day = datetime.timedelta(hours=1), datetime.timedelta(days=1)
    course.deliveries["amira", 1] = deliver(course.groups["amira"], course.users["amira"], DEADLINE - hour)
    course.deliveries["amira", 2] = deliver(
        course.groups["amira"], course.users["lars"], DEADLINE + day + 3 * hour, (("fix.py", b"print(1)\n"),)
    )
    course.deliveries["nora", 1] = deliver(course.groups["nora"], course.users["nora"], DEADLINE + day)
    course.deliveries["exam", 1] = deliver(
        course.groups["exam"],
        course.users["amira"],
        course.exam.first_deadline + datetime.timedelta(minutes=5),
        (("answers.pdf", b"%PDF-1.4 answers"),),
    )
    return course
