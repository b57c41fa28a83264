"""
Seed data through the project's generic factory (``factory/``): the logic of ``manage.py seedfactory``.

* ``seed_demo(size, seed)``: a realistic demo: subjects, periods, assignments with deadlines
  (the last of each period an anonymous exam, its students known by candidate ids), groups with
  candidates, examiners (staff who may log in; some examine several groups, some groups have
  two) and now and then an extension, deliveries spread over each assignment's weeks, most on
  time and some late, a few groups that hand in nothing, and the files students hand in
  (source code, text, PDFs, images, zips) written through the DeliveryStore with their real
  size and SHA-256. Rows go in with the factory's bulk mode, level by level,
  each row's planned values handed to the factory through a model generator; the bytes come
  from a small pool of generated contents (``demo_contents``), so a large demo is bounded by
  writing files, not by making them.
* ``seed_model(label, count, values)`` (``deliveries.seeding.any_model``): any installed model.

Every value is drawn from the factory's seeded random and dates from a fixed calendar (the
2026 academic year), never from the clock: the same seed gives the same rows and bytes on
every run (the examiners' password too, when it is given; a generated one differs per run). A failure leaves nothing: the rows are in one transaction, and bytes already
written are removed when it rolls back.
"""

import logging
import secrets
import string
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from factory import Factory

from ..models import Assignment, AssignmentGroup, Candidate, Delivery, FileMeta, Period, Subject
from ..operations.progress import no_progress
from ..stores import DeliveryStoreFileNotFound
from .contents import KINDS, Content, ContentPool, python_source

logger = logging.getLogger(__name__)

__all__ = [
    "SIZES",
    "DemoSize",
    "SeedError",
    "SeedReport",
    "bulk_make",
    "demo_counts",
    "demo_is_empty",
    "flush_demo",
    "seed_demo",
]

DEMO_EMAIL_DOMAIN = "demo.example.org"  # marks the demo's users, so --flush removes only those
DEMO_PASSWORD = "!demo-user-no-login"  # an unusable password hash: demo students cannot log in
TERMS = (  # (short name, long name, start, end): the fixed calendar every demo date comes from
    ("h2026", "Autumn 2026", datetime(2026, 8, 17, tzinfo=UTC), datetime(2026, 12, 18, tzinfo=UTC)),
    ("v2026", "Spring 2026", datetime(2026, 1, 12, tzinfo=UTC), datetime(2026, 6, 19, tzinfo=UTC)),
)
SUBJECTS = (
    ("inf1000", "Introduction to programming"),
    ("in2010", "Algorithms and data structures"),
    ("in2090", "Databases and data modelling"),
    ("in3030", "Efficient parallel programming"),
    ("inf1010", "Object-oriented programming"),
    ("mat1100", "Calculus"),
    ("stk1100", "Probability and statistics"),
    ("in3230", "Computer networks"),
    ("in4080", "Natural language processing"),
    ("fys1120", "Electromagnetism"),
    ("in1140", "Introduction to language technology"),
    ("in5170", "Models of concurrency"),
)
FIRST_NAMES = (
    "Ada Alan Amira Anders Astrid Bjorn Chen Dina Emil Eva Farah Henrik Ida Ingrid Jonas Kari Lars Leah Liam "
    "Maja Mohammed Nora Ola Oskar Priya Ragnhild Sara Sofie Thea Tobias Vilde Yusuf"
).split()
LAST_NAMES = (
    "Andersen Berg Dahl Eriksen Haugen Hansen Johansen Kaur Khan Larsen Lie Moen Nguyen Nilsen Olsen Pedersen "
    "Solberg Strand Tran Vik Wang"
).split()
# Identical files across groups (copied_files): how many solutions are shared, and the names
# each holder gives its copy (none of them among KINDS' names, so no delivery holds two).
COPIED_SOLUTIONS = 3
COPIED_NAMES = ("final_solution.py", "my_solution.py", "solution_v2.py")


@dataclass(frozen=True)
class DemoSize:
    subjects: int
    periods: int  # per subject
    assignments: int  # per period
    groups: int  # per assignment
    students: int
    examiners: int
    members: tuple  # (min, max) candidates per group
    deliveries: tuple  # (min, max) per group
    files: tuple  # (min, max) per delivery
    variants: int  # contents made per kind
    silent: float = 0.0  # share of groups that hand in nothing


#: How groups behave: the share with an extension, and with a last delivery after their deadline.
EXTENDED = 0.1
LATE = 0.15
SECOND_EXAMINER = 0.2
LATE_BY = ((timedelta(minutes=1), 59), (timedelta(hours=1), 23), (timedelta(days=1), 3))  # (unit, at most)

SIZES = {
    "small": DemoSize(2, 1, 2, 4, 12, 3, (1, 2), (1, 2), (2, 4), 3, silent=0.15),
    "medium": DemoSize(4, 2, 4, 40, 300, 12, (1, 3), (1, 3), (2, 5), 12, silent=0.05),
    # 10 x 2 x 5 x 100 = 10,000 groups x 2 deliveries x at least 5 files: >= 100,000 files.
    "large": DemoSize(10, 2, 5, 100, 2000, 40, (1, 3), (2, 2), (5, 6), 32),
}


class SeedError(Exception):
    """Seeding was refused or failed; the message says why and what to do. Nothing was written."""


@dataclass
class SeedReport:
    counts: dict = field(default_factory=dict)  # model label -> rows made
    files: int = 0
    bytes: int = 0
    seconds: float = 0.0
    examiners: list = field(default_factory=list)  # usernames of the examiners, who may log in
    examiner_password: str = ""  # their password: given, or generated for this run (print it once)

    def line(self):
        parts = ", ".join(f"{n:,} {label}" for label, n in self.counts.items())
        return f"{parts}; {self.files:,} files ({self.bytes / 1024 / 1024:,.1f} MiB) in {self.seconds:.1f} s"


def demo_is_empty():
    """True when there is no demo (no Subject) yet: what ``seedfactory --if-empty`` asks."""
    return not Subject.objects.exists()


def demo_counts():
    """What ``flush_demo`` would remove."""
    return {
        "subjects": Subject.objects.count(),
        "files": FileMeta.objects.count(),
        "demo users": get_user_model().objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}").count(),
    }


def flush_demo():
    """Delete every subject (and all below it, bytes included) and the demo's users."""
    with transaction.atomic():
        Subject.objects.all().delete()
        get_user_model().objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}").delete()


# ---- making rows through the factory ----------------------------------------------------------


def bulk_make(factory, model, rows):
    """
    Insert one ``model`` row per dict in ``rows`` with the factory's bulk mode: the factory fills
    every field a dict leaves out, exactly as it would for ``make``. Returns the saved instances.
    """
    rows = list(rows)
    if not rows:
        return []
    pending = iter(rows)

    def generate(factory, **attrs):
        return factory.prepare_fields(model, **attrs, **next(pending))

    previous = factory.model_generators.get(model)
    factory.model_generators[model] = generate
    try:
        return factory.make(len(rows), model, _bulk=True)
    finally:
        if previous is None:
            del factory.model_generators[model]
        else:
            factory.model_generators[model] = previous


class _DemoPlan:
    """Draws the demo, level by level, from the factory's random; knows nothing of the database."""

    def __init__(self, factory, size, batch):
        self.factory, self.rng, self.size, self.batch = factory, factory.random, size, batch
        self.suffix = "" if batch == 1 else f"-b{batch}"
        self._usernames = set()

    def users(self, count, *, staff=False, password=DEMO_PASSWORD):
        """User rows with names; ``staff`` for examiners, with ``password`` (an encoded hash)."""
        rows, seen = [], self._usernames
        for _ in range(count):
            first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
            username = f"{first}.{last}".lower()
            while username in seen:
                username = f"{first}.{last}{self.rng.randint(2, 999)}".lower()
            seen.add(username)
            username += self.suffix.replace("-", ".")
            rows.append(
                {
                    "username": username,
                    "first_name": first,
                    "last_name": last,
                    "password": password,
                    "email": f"{username}@{DEMO_EMAIL_DOMAIN}",
                    "date_joined": TERMS[1][2] - timedelta(days=30),
                    "is_staff": staff,
                    "is_active": True,
                }
            )
        return rows

    def subjects(self):
        return [
            {"short_name": code + self.suffix, "long_name": title} for code, title in SUBJECTS[: self.size.subjects]
        ]

    def periods(self, subjects):
        return [
            {"subject": subject, "short_name": short, "long_name": long, "start_time": start, "end_time": end}
            for subject in subjects
            for short, long, start, end in TERMS[: self.size.periods]
        ]

    def assignments(self, periods):
        rows = []
        for period in periods:
            weeks = (period.end_time - period.start_time).days // 7
            step = max(weeks // (self.size.assignments + 1), 1)
            for a in range(1, self.size.assignments + 1):
                published = period.start_time + timedelta(weeks=step * (a - 1), hours=self.rng.randint(8, 14))
                deadline = published + timedelta(weeks=step, hours=self.rng.randint(0, 12))
                exam = a == self.size.assignments  # the last of the period: an anonymous exam
                rows.append(
                    {
                        "period": period,
                        "short_name": "exam" if exam else f"oblig{a}",
                        "long_name": "Final exam (anonymous)" if exam else f"Obligatory assignment {a}",
                        "publishing_time": published,
                        "first_deadline": deadline,
                        "anonymous": exam,
                    }
                )
        return rows

    def some(self, count, share):
        """``share`` of ``count`` indices, drawn at random; at least one when ``share`` is not zero."""
        wanted = min(count, max(1, round(share * count))) if share else 0
        return set(self.rng.sample(range(count), wanted))

    def groups(self, assignments, students):
        """Group rows (some with an extension, some that hand in nothing), and per group its students."""
        rows, members = [], []
        cohort_size = min(len(students), self.size.groups * self.size.members[1])
        total = len(assignments) * self.size.groups
        extended, silent = self.some(total, EXTENDED), self.some(total, self.size.silent)
        for assignment in assignments:
            cohort = self.rng.sample(students, cohort_size)
            taken = 0
            for g in range(1, self.size.groups + 1):
                n = self.rng.randint(*self.size.members)
                group_students = cohort[taken : taken + n] or [cohort[(g - 1) % len(cohort)]]
                taken += n
                index = len(rows)
                extension = None
                if index in extended:
                    extension = assignment.first_deadline + timedelta(days=self.rng.randint(1, 7))
                rows.append(
                    {
                        "assignment": assignment,
                        "name": f"group {g}",
                        "deadline": extension,
                        "last_delivery_number": 0 if index in silent else self.rng.randint(*self.size.deliveries),
                    }
                )
                members.append(group_students)
        return rows, members

    def candidates(self, groups, members):
        """Candidate rows; on an anonymous assignment each gets a candidate id, unique in it."""
        rows, numbers = [], {}
        for group, students in zip(groups, members):
            assignment = group.assignment
            if assignment.anonymous and assignment.pk not in numbers:
                most = self.size.groups * self.size.members[1]  # candidates one assignment can have
                numbers[assignment.pk] = iter(self.rng.sample(range(10000, 100000), most))
            for student in students:
                candidate_id = f"C{next(numbers[assignment.pk])}" if assignment.anonymous else ""
                rows.append({"assignment_group": group, "user": student, "candidate_id": candidate_id})
        return rows

    def examiner_links(self, groups, examiners):
        """One examiner per group, some two: every examiner examines several groups."""
        rows = []
        doubled = self.some(len(groups), SECOND_EXAMINER)
        for index, group in enumerate(groups):
            chosen = self.rng.sample(examiners, 2 if index in doubled else 1)
            rows.extend({"assignmentgroup": group, "user": examiner} for examiner in chosen)
        return rows

    def deliveries(self, groups, members):
        """
        Each group's deliveries, spread over the assignment's weeks before the group's deadline
        (its extension or the assignment's); in about one group of seven the last one comes late,
        by minutes, hours or days.
        """
        rows = []
        delivering = [index for index, group in enumerate(groups) if group.last_delivery_number]
        late = {delivering[i] for i in self.some(len(delivering), LATE)}
        for index, (group, students) in enumerate(zip(groups, members)):
            assignment = group.assignment
            deadline = group.deadline or assignment.first_deadline
            span = (deadline - assignment.publishing_time).total_seconds()
            count = group.last_delivery_number
            times = sorted(
                assignment.publishing_time + timedelta(seconds=int(self.rng.uniform(0.2, 0.98) * span))
                for _ in range(count)
            )
            if count and index in late:
                unit, most = self.rng.choice(LATE_BY)
                times[-1] = deadline + timedelta(seconds=int(unit.total_seconds() * self.rng.uniform(1, most)))
            for number, moment in enumerate(times, 1):
                rows.append(
                    {
                        "assignment_group": group,
                        "number": number,
                        "delivered_by": self.rng.choice(students),
                        "time_of_delivery": moment,
                        "successful": True,
                    }
                )
        return rows

    def files(self, deliveries, pool):
        """FileMeta rows and, in the same order, the Content each one's bytes will be."""
        rows, contents = [], []
        kinds = sorted(KINDS)
        for delivery in deliveries:
            for kind in self.rng.sample(kinds, self.rng.randint(*self.size.files)):
                content = pool.pick(kind)
                rows.append(_file_row(delivery, self.rng.choice(KINDS[kind][1]), content))
                contents.append(content)
        return rows, contents

    def copied_files(self, deliveries):
        """
        A few files handed in byte for byte by more than one group (identical files, see
        ``deliveries.identical``): in each of the first COPIED_SOLUTIONS assignments, the last
        deliveries of its first two groups hold the same solution, under their own names; the
        first one also turns up in the next assignment's first group. Drawn last, so the rest of
        the demo stays as it was.
        """
        last = {}  # group -> its last delivery, groups in the order they were made
        for delivery in deliveries:
            last[delivery.assignment_group] = delivery
        by_assignment = {}
        for group, delivery in last.items():
            by_assignment.setdefault(group.assignment, []).append(delivery)
        assignments = [found for found in by_assignment.values() if len(found) >= 2]
        rows, contents = [], []
        for i, found in enumerate(assignments[:COPIED_SOLUTIONS]):
            content = Content.of(f"# Assignment solution, version {i + 1}\n".encode() + python_source(self.rng))
            holders = found[:2] + ([assignments[i + 1][0]] if i == 0 and len(assignments) > 1 else [])
            for delivery, filename in zip(holders, COPIED_NAMES):
                rows.append(_file_row(delivery, filename, content))
                contents.append(content)
        return rows, contents


def _file_row(delivery, filename, content):
    """The FileMeta row of ``content`` handed in as ``filename`` in ``delivery``."""
    return {
        "delivery": delivery,
        "filename": filename,
        "size": content.size,
        "checksum": content.checksum,
        "content_type": content.content_type(filename),
        "created": delivery.time_of_delivery,
    }


def _next_batch():
    """1 for the first demo; with --append, the first batch whose subject names are free."""
    if demo_is_empty():
        return 1
    batch = 2
    while Subject.objects.filter(short_name=f"{SUBJECTS[0][0]}-b{batch}").exists():
        batch += 1
    return batch


def seed_demo(size="small", seed=0, *, append=False, progress=no_progress, examiner_password=None):
    """
    Seed the demo of ``size`` (small, medium or large) from ``seed``; return a SeedReport.
    Refuses (SeedError) when a demo exists, unless ``append`` (then it adds a batch with its own
    names). ``progress(total=, unit=, desc=)`` shows the files being written.

    The examiners are staff users who log in with ``examiner_password``, or, when none is given,
    with a password generated for this run: the report carries it, to be shown once. Only the
    demo's examiners get it; the students cannot log in.
    """
    if size not in SIZES:
        raise SeedError(f"Unknown demo size {size!r}; choose one of {', '.join(SIZES)}.")
    if not append and not demo_is_empty():
        raise SeedError(
            f"The database holds a demo already ({Subject.objects.count()} subjects). Pass --append to add "
            "another batch, or --flush to replace it."
        )
    clock = time.perf_counter()
    store = FileMeta.deliverystore
    factory = Factory(seed=seed)
    report = SeedReport()
    written = []
    try:
        with transaction.atomic():
            plan = _DemoPlan(factory, SIZES[size], _next_batch())
            report.examiner_password = examiner_password or secrets.token_urlsafe(9)
            contents = _make_rows(factory, plan, report)
            _write_bytes(store, contents, report, written, progress)
    except BaseException:
        remove_written(store, written)
        raise
    report.seconds = time.perf_counter() - clock
    return report


def _make_rows(factory, plan, report):
    """Insert every level of the demo; return [(FileMeta, Content)] for the bytes to write."""
    User = get_user_model()
    students = bulk_make(factory, User, plan.users(plan.size.students))
    # One hash for every examiner, its salt drawn from the seed: the same password gives the same rows.
    salt = "".join(plan.rng.choice(string.ascii_letters + string.digits) for _ in range(22))
    password = make_password(report.examiner_password, salt=salt)
    examiners = bulk_make(factory, User, plan.users(plan.size.examiners, staff=True, password=password))
    report.examiners = [examiner.username for examiner in examiners]
    subjects = bulk_make(factory, Subject, plan.subjects())
    periods = bulk_make(factory, Period, plan.periods(subjects))
    assignments = bulk_make(factory, Assignment, plan.assignments(periods))
    group_rows, members = plan.groups(assignments, students)
    groups = bulk_make(factory, AssignmentGroup, group_rows)
    candidates = bulk_make(factory, Candidate, plan.candidates(groups, members))
    examiner_rows = bulk_make(factory, AssignmentGroup.examiners.through, plan.examiner_links(groups, examiners))
    deliveries = bulk_make(factory, Delivery, plan.deliveries(groups, members))
    pool = ContentPool(plan.rng, plan.size.variants)
    file_rows, contents = plan.files(deliveries, pool)
    copied_rows, copied_contents = plan.copied_files(deliveries)
    file_rows, contents = file_rows + copied_rows, contents + copied_contents
    filemetas = bulk_make(factory, FileMeta, file_rows)
    made = (
        ("users", len(students) + len(examiners)),
        ("subjects", len(subjects)),
        ("periods", len(periods)),
        ("assignments", len(assignments)),
        ("groups", len(groups)),
        ("candidates", len(candidates)),
        ("examiner links", len(examiner_rows)),
        ("deliveries", len(deliveries)),
    )
    report.counts.update(made)
    return list(zip(filemetas, contents))


def _write_bytes(store, items, report, written, progress):
    bar = progress(total=len(items), unit="files", desc="writing files")
    try:
        for filemeta, content in items:
            with store.write_open(filemeta) as writer:
                writer.write(content.data)
            written.append(filemeta.pk)
            report.files += 1
            report.bytes += content.size
            bar.update(1)
    finally:
        bar.close()


def remove_written(store, keys):
    """After a rollback: the rows are gone, so their bytes must go too (no orphans left behind)."""
    for key in keys:
        try:
            store.remove(str(key))
        except DeliveryStoreFileNotFound:
            pass
        except Exception:
            logger.exception(
                "Could not remove seeded bytes %s after a failed seed; checkstore will report an orphan.", key
            )
