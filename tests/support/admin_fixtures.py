"""Shared set-up for the admin tests: a memory store, users of every kind, and sample files."""

import io

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from deliveries.models import Assignment, AssignmentGroup, Candidate, Delivery, FileMeta
from deliveries.stores import MemoryDeliveryStore, swap_deliverystore
from deliveries.testhelpers import make_delivery

PASSWORD = "test-password-1"

PYTHON_SOURCE = 'def greet(name):\n    """Say hello."""\n    return f"Hello, {name} <b>&amp;</b>"\n'


def png_bytes(size=(40, 30), color=(200, 30, 30)):
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def make_user(username, *, staff=True, superuser=False, active=True, perms=()):
    """A user who logs in with PASSWORD; ``perms`` are codenames of deliveries permissions."""
    user = get_user_model().objects.create_user(
        username, password=PASSWORD, is_staff=staff, is_superuser=superuser, is_active=active
    )
    if perms:
        user.user_permissions.set(Permission.objects.filter(content_type__app_label="deliveries", codename__in=perms))
    return user


def make_student(group, username, first_name, last_name, candidate_id=""):
    """A student (not staff) with a full name and an email, made a candidate of ``group``."""
    user = get_user_model().objects.create_user(
        username,
        email=f"{username}@example.org",
        first_name=first_name,
        last_name=last_name,
        password=PASSWORD,
    )
    Candidate.objects.create(assignment_group=group, user=user, candidate_id=candidate_id)
    return user


def make_examiner(username, *groups, perms=()):
    """A staff user (with ``perms``, none by default) who examines ``groups``."""
    user = make_user(username, perms=perms)
    for group in groups:
        group.examiners.add(user)
    return user


def make_samples(prefix="adm"):
    """
    Two deliveries of one group: ``first`` with hello.py, notes.txt, photo.png and data.bin,
    ``second`` with a changed hello.py, the same notes.txt and a new extra.md. Returns a dict of
    the deliveries and the first's FileMetas by short name.
    """
    first = make_delivery(prefix)
    samples = {
        "first": first,
        "py": first.add_file("hello.py", [PYTHON_SOURCE]),
        "txt": first.add_file("notes.txt", ["first line\nsecond line\n"]),
        "png": first.add_file("photo.png", [png_bytes()]),
        "bin": first.add_file("data.bin", [bytes(range(256)) * 20]),
    }
    first.finish()
    second = Delivery.begin(first.assignment_group, first.delivered_by)
    second.add_file("hello.py", [PYTHON_SOURCE.replace("Hello", "Goodbye")])
    second.add_file("notes.txt", ["first line\nsecond line\n"])
    second.add_file("extra.md", ["# New\n"])
    second.finish()
    samples["second"] = second
    return samples


def make_exam_samples(prefix="exam"):
    """
    An anonymous assignment whose group (named "g") has one student, Amira Khan (amira.khan,
    EXAM-4711), who handed in twice (``first``: hello.py and photo.png; ``second``: a changed
    hello.py); and an ordinary assignment of the same period whose group ("h") has Bo Berg
    (bo.berg, EXAM-0815), with one delivery (``ordinary``: hello.py). Returns a dict of them all.
    """
    first = make_delivery(prefix)
    group = first.assignment_group
    Assignment.objects.filter(pk=group.assignment_id).update(anonymous=True)
    group.refresh_from_db()
    amira = make_student(group, "amira.khan", "Amira", "Khan", candidate_id="EXAM-4711")
    Delivery.objects.filter(pk=first.pk).update(delivered_by=amira)
    first.refresh_from_db()
    samples = {
        "group": group,
        "assignment": group.assignment,
        "amira": amira,
        "first": first,
        "py": first.add_file("hello.py", [PYTHON_SOURCE]),
        "png": first.add_file("photo.png", [png_bytes()]),
    }
    first.finish()
    second = Delivery.begin(group, amira)
    second.add_file("hello.py", [PYTHON_SOURCE.replace("Hello", "Goodbye")])
    second.finish()
    ordinary = Assignment.objects.create(period=group.assignment.period, short_name="oblig", long_name="Oblig")
    ordinary_group = AssignmentGroup.objects.create(assignment=ordinary, name="h")
    bo = make_student(ordinary_group, "bo.berg", "Bo", "Berg", candidate_id="EXAM-0815")
    ordinary_delivery = Delivery.begin(ordinary_group, bo)
    samples["ordinary_file"] = ordinary_delivery.add_file("hello.py", [PYTHON_SOURCE])
    ordinary_delivery.finish()
    samples.update(second=second, ordinary_group=ordinary_group, bo=bo, ordinary=ordinary_delivery)
    return samples


def body(response):
    """The body of any response, streamed or not."""
    return b"".join(response.streaming_content) if response.streaming else response.content


class AdminFixtureMixin:
    """
    A fresh store per test (``make_store()``: a MemoryDeliveryStore), and: ``superuser``,
    ``viewer`` (staff, view permission on files and deliveries), ``nobody`` (staff without
    permissions), and make_samples()'s deliveries and files as attributes (``first``,
    ``second``, ``py``, ``txt``, ``png``, ``bin``).
    """

    def make_store(self):
        """The store installed as FileMeta.deliverystore for each test (a fresh MemoryDeliveryStore)."""
        return MemoryDeliveryStore()

    def setUp(self):
        super().setUp()
        self.store = self.enterContext(swap_deliverystore(FileMeta, self.make_store()))
        self.superuser = make_user("root", superuser=True)
        self.viewer = make_user("viewer", perms=["view_filemeta", "view_delivery"])
        self.nobody = make_user("nobody")
        for name, value in make_samples().items():
            setattr(self, name, value)

    def login(self, user):
        self.client.force_login(user)

    def damage_samples(self):
        """Lose notes.txt's bytes and overwrite data.bin's: one file missing, one corrupt."""
        self.store.remove(self.txt)
        with self.store.write_open(self.bin) as writer:
            writer.write(b"tampered")

    def content(self, response):
        """The body of any response, streamed or not."""
        return body(response)


def make_assignment(prefix="hand", *, deadline=None, anonymous=False):
    """A Subject > Period > Assignment chain; returns the assignment."""
    from django.utils import timezone

    from deliveries.models import Assignment, Period, Subject

    now = timezone.now()
    subject = Subject.objects.create(short_name=f"{prefix}-subject", long_name="Hand-in tests")
    period = Period.objects.create(
        subject=subject, short_name="p", long_name="P", start_time=now, end_time=now + timezone.timedelta(days=90)
    )
    return Assignment.objects.create(
        period=period, short_name="oblig1", long_name="Oblig 1", first_deadline=deadline, anonymous=anonymous
    )


def make_group(assignment, name="", students=(), examiners=(), deadline=None):
    """
    A group of ``assignment`` whose ``students`` are (username, first name, last name, candidate id)
    tuples (users made as needed) and whose ``examiners`` are users.
    """
    from deliveries.models import AssignmentGroup, Candidate

    group = AssignmentGroup.objects.create(assignment=assignment, name=name, deadline=deadline)
    for username, first, last, candidate_id in students:
        user, _ = get_user_model().objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last, "email": f"{username}@example.org"}
        )
        Candidate.objects.create(assignment_group=group, user=user, candidate_id=candidate_id)
    group.examiners.set(examiners)
    return group


def deliver(group, files, *, at, finish=True, user=None):
    """A delivery of ``group`` made at ``at`` with ``files`` ({name: bytes}); finished unless ``finish`` is False."""
    delivery = Delivery.begin(group, user)
    for name, data in files.items():
        delivery.add_file(name, [data])
    if finish:
        delivery.finish()
    Delivery.objects.filter(pk=delivery.pk).update(time_of_delivery=at)
    delivery.refresh_from_db()
    return delivery


class HandedInAssignment:
    """
    An assignment whose deadline was ``deadline`` and whose groups handed in as graders meet them:

    * ``rocket`` ("Team Rocket": Amira Khan C-101, Bo Li C-102, examined by ``examiner``): delivery
      #1 on time (main.py, notes.txt), #2 late by 1 day 3 h (main.py, Report.pdf, report.pdf,
      CON.txt), and #3 begun but never finished;
    * ``unnamed`` (no name: "group #<pk>"; Cyd Ng C-103): delivery #1 on time (hello.txt, =cmd.txt);
    * ``idle`` ("Idle": Dee Moe C-104): nothing delivered;
    * ``twin_a`` and ``twin_b`` (both "Twins", no students): one delivery each (a.txt).

    ``examiner`` and ``other_examiner`` (of ``unnamed``) are staff without permissions.
    """

    def __init__(self, *, anonymous=False):
        from datetime import timedelta

        from django.utils import timezone

        self.deadline = timezone.now().replace(microsecond=0) - timedelta(days=7)
        self.assignment = make_assignment("zip", deadline=self.deadline, anonymous=anonymous)
        self.examiner = make_user("rocket-examiner")
        self.other_examiner = make_user("unnamed-examiner")
        self.rocket = make_group(
            self.assignment,
            "Team Rocket",
            students=[("amira", "Amira", "Khan", "C-101"), ("bo", "Bo", "Li", "C-102")],
            examiners=[self.examiner],
        )
        self.unnamed = make_group(
            self.assignment, students=[("cyd", "Cyd", "Ng", "C-103")], examiners=[self.other_examiner]
        )
        self.idle = make_group(self.assignment, "Idle", students=[("dee", "Dee", "Moe", "C-104")])
        self.twin_a = make_group(self.assignment, "Twins")
        self.twin_b = make_group(self.assignment, "Twins")
        early = self.deadline - timedelta(hours=2)
        self.files = {
            "rocket-1": {"main.py": b"print(1)\n", "notes.txt": b"first try\n"},
            "rocket-2": {
                "main.py": b"print(2)\n" * 100,
                "Report.pdf": b"%PDF-1.4 upper",
                "report.pdf": b"%PDF-1.4 lower",
                "CON.txt": b"a device name on Windows",
            },
            "unnamed-1": {"hello.txt": b"hello\n", "=cmd.txt": b"formula"},
        }
        self.rocket_1 = deliver(self.rocket, self.files["rocket-1"], at=early)
        self.rocket_2 = deliver(self.rocket, self.files["rocket-2"], at=self.deadline + timedelta(days=1, hours=3))
        self.rocket_3 = deliver(self.rocket, {"draft.txt": b"unfinished"}, at=self.deadline, finish=False)
        self.unnamed_1 = deliver(self.unnamed, self.files["unnamed-1"], at=early)
        self.twin_a_1 = deliver(self.twin_a, {"a.txt": b"twin a"}, at=early)
        self.twin_b_1 = deliver(self.twin_b, {"a.txt": b"twin b"}, at=early)
