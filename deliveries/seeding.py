"""
Seed a small, realistic demo: subjects, periods, assignments, groups, deliveries and files of the
kinds students hand in, written through the configured DeliveryStore.
"""

import io
import random
import zipfile
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from .models import Assignment, AssignmentGroup, Candidate, Delivery, FileMeta, Period, Subject


@dataclass
class SeedReport:
    subjects: int = 0
    deliveries: int = 0
    files: int = 0
    bytes: int = 0


def demo_is_empty():
    return not Subject.objects.exists()


def _python_source(rng, n):
    body = "\n".join(f"    total += {rng.randint(1, 99)} * i  # step {k}" for k in range(rng.randint(3, 12)))
    return f'"""Exercise {n}."""\n\n\ndef solve(n):\n    total = 0\n    for i in range(n):\n{body}\n    return total\n\n\nif __name__ == "__main__":\n    print(solve({rng.randint(5, 50)}))\n'


def _png(rng):
    from PIL import Image

    image = Image.new("RGB", (64, 48), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _zip(rng, text):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("project/main.py", (2026, 1, 1, 0, 0, 0)), text)
        archive.writestr(zipfile.ZipInfo("project/README.txt", (2026, 1, 1, 0, 0, 0)), f"Build {rng.randint(1, 9)}\n")
    return buffer.getvalue()


def _pdf(rng):
    text = f"Report {rng.randint(1, 999)}"
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (i, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def seed_demo(seed=0):
    """Seed the small demo; the same seed gives the same rows and the same bytes."""
    rng = random.Random(seed)
    report = SeedReport()
    User = get_user_model()
    now = timezone.now().replace(microsecond=0)
    with transaction.atomic():
        students = [User.objects.create_user(f"student{i}", password=None) for i in range(1, 7)]
        examiner = User.objects.create_user("examiner1", password=None, is_staff=False)
        for code, title in (("inf1000", "Introduction to programming"), ("inf2220", "Algorithms and data structures")):
            subject = Subject.objects.create(short_name=code, long_name=title)
            report.subjects += 1
            period = Period.objects.create(
                subject=subject, short_name="h2026", long_name="Autumn 2026",
                start_time=now - timedelta(days=90), end_time=now + timedelta(days=30),
            )
            for a in range(1, 3):
                assignment = Assignment.objects.create(
                    period=period, short_name=f"oblig{a}", long_name=f"Obligatory assignment {a}",
                    publishing_time=now - timedelta(days=80 - 20 * a), first_deadline=now - timedelta(days=60 - 20 * a),
                )
                for g, student in enumerate(students[:3] if a == 1 else students[3:]):
                    group = AssignmentGroup.objects.create(assignment=assignment, name=f"group{g + 1}")
                    Candidate.objects.create(assignment_group=group, user=student, candidate_id=f"C{rng.randint(1000, 9999)}")
                    group.examiners.add(examiner)
                    for d in range(rng.randint(1, 2)):
                        delivery = Delivery.begin(group, student)
                        delivery.time_of_delivery = now - timedelta(days=60 - 20 * a - d, hours=rng.randint(0, 23))
                        delivery.save(update_fields=["time_of_delivery"])
                        source = _python_source(rng, a)
                        files = {
                            "solution.py": source,
                            "README.txt": f"Delivery {d + 1} by {student.username}.\n",
                            "screenshot.png": _png(rng),
                            "report.pdf": _pdf(rng),
                            "project.zip": _zip(rng, source),
                        }
                        for name, content in files.items():
                            fm = delivery.add_file(name, [content])
                            report.files += 1
                            report.bytes += fm.size
                        delivery.finish()
                        report.deliveries += 1
    return report


def count_files():
    return FileMeta.objects.count()
