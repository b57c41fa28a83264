"""The hand-in page of a group through the test client: several files, limits, all or nothing, names, access."""

import hashlib
import io
from datetime import timedelta

from django.contrib.admin.models import ADDITION, LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from deliveries.models import AssignmentGroup, Delivery, FileMeta
from deliveries.stores import MemoryDeliveryStore, swap_deliverystore
from tests.support.admin_fixtures import make_assignment, make_group, make_user
from tests.support.store_faults import FailingReader, FailOnNthWriteStore

BOUNDARY = "HandInTestBoundary"


def multipart(parts, boundary=BOUNDARY):
    """A multipart/form-data body of (field, filename, bytes) parts, each filename sent exactly as given."""
    out = io.BytesIO()
    for field, filename, data in parts:
        out.write(f"--{boundary}\r\n".encode())
        out.write(f'Content-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'.encode())
        out.write(b"Content-Type: application/octet-stream\r\n\r\n")
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue()


class HandInMixin:
    """A group with two named students and an examiner; a MemoryDeliveryStore; users of every kind."""

    def setUp(self):
        super().setUp()
        self.store = self.enterContext(swap_deliverystore(FileMeta, MemoryDeliveryStore()))
        self.examiner = make_user("examiner", perms=["add_delivery"])
        self.assignment = make_assignment(deadline=timezone.now() - timedelta(days=1, hours=3, minutes=10))
        self.group = make_group(
            self.assignment,
            "Team Rocket",
            students=[("amira", "Amira", "Khan", "C-101"), ("bo", "Bo", "Li", "C-102")],
            examiners=[self.examiner],
        )
        self.other_group = make_group(self.assignment, "Other", students=[("cyd", "Cyd", "Ng", "C-103")])
        self.superuser = make_user("root", superuser=True)
        self.url = reverse("admin:deliveries_assignmentgroup_deliver", args=[self.group.pk])

    def post_files(self, *files, url=None):
        """POST ``files`` ((name, bytes) pairs) in the field ``files``, as a browser's form would."""
        uploads = [SimpleUploadedFile(name, data) for name, data in files]
        return self.client.post(url or self.url, {"files": uploads})

    def post_raw(self, parts, **extra):
        return self.client.generic(
            "POST", self.url, multipart(parts), content_type=f"multipart/form-data; boundary={BOUNDARY}", **extra
        )

    def post_stream(self, stream, length):
        """POST a multipart body read from ``stream``, announced as ``length`` bytes long."""
        return self.client.generic(
            "POST",
            self.url,
            **{
                "wsgi.input": stream,
                "CONTENT_LENGTH": str(length),
                "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
            },
        )

    def errors(self, response):
        return response.context["refusals"]

    def assert_nothing_kept(self):
        """No delivery, no FileMeta, no bytes, and the group's next number unused."""
        self.assertFalse(Delivery.objects.filter(assignment_group=self.group).exists())
        self.assertFalse(FileMeta.objects.exists())
        self.assertEqual(list(FileMeta.deliverystore.iter_objects()), [])
        self.assertEqual(AssignmentGroup.objects.get(pk=self.group.pk).last_delivery_number, 0)


class TestHandIn(HandInMixin, TestCase):
    def test_several_files_make_one_delivery(self):
        """Two files in one POST: one finished delivery with both, sizes and SHA-256 computed, delivered by the admin."""
        self.client.force_login(self.superuser)
        files = {"report.pdf": b"%PDF-1.4 report" * 1000, "main.py": b"print('hello')\n"}
        response = self.post_files(*files.items())
        delivery = Delivery.objects.get(assignment_group=self.group)
        self.assertRedirects(
            response, reverse("admin:deliveries_delivery_change", args=[delivery.pk]), fetch_redirect_response=False
        )
        self.assertEqual((delivery.number, delivery.successful, delivery.delivered_by), (1, True, self.superuser))
        stored = {fm.filename: fm for fm in delivery.filemetas.all()}
        self.assertEqual(sorted(stored), sorted(files))
        for name, data in files.items():
            with self.subTest(name=name):
                self.assertEqual(stored[name].size, len(data))
                self.assertEqual(stored[name].checksum, hashlib.sha256(data).hexdigest())
                with stored[name].read_open() as reader:
                    self.assertEqual(reader.read(), data)

    def test_message_and_log_entry(self):
        """The admin is told the delivery's number and lateness; the delivery's history says who handed in what."""
        self.client.force_login(self.superuser)
        response = self.post_files(("a.txt", b"a"), ("b.txt", b"b"), url=None)
        delivery = Delivery.objects.get(assignment_group=self.group)
        page = self.client.get(response["Location"])
        self.assertContains(page, "Handed in 2 files for Team Rocket as delivery #1, late by 1 day 3 h.")
        entry = LogEntry.objects.get(object_id=str(delivery.pk))
        self.assertEqual(entry.action_flag, ADDITION)
        self.assertEqual(entry.user, self.superuser)
        self.assertEqual(entry.get_change_message(), "Handed in by root for the group: files a.txt, b.txt.")

    def test_numbers_follow_on(self):
        """A second hand-in is the group's next delivery."""
        self.client.force_login(self.superuser)
        self.post_files(("a.txt", b"1"))
        self.post_files(("a.txt", b"2"))
        self.assertEqual(
            list(
                Delivery.objects.filter(assignment_group=self.group).order_by("number").values_list("number", flat=True)
            ),
            [1, 2],
        )

    @override_settings(FILE_UPLOAD_MAX_MEMORY_SIZE=1000)
    def test_large_files_are_spooled_and_streamed(self):
        """Files over FILE_UPLOAD_MAX_MEMORY_SIZE go through a temporary file, and arrive whole."""
        self.client.force_login(self.superuser)
        data = bytes(range(256)) * 4000  # ~1 MB, several 64 KiB upload chunks
        self.post_files(("big.bin", data), ("small.txt", b"x"))
        big = FileMeta.objects.get(filename="big.bin")
        self.assertEqual((big.size, big.checksum), (len(data), hashlib.sha256(data).hexdigest()))

    def test_get_shows_deadline_and_lateness(self):
        """The page shows the deadline, that a hand-in now is late and by how much, and the form."""
        self.client.force_login(self.superuser)
        response = self.client.get(self.url)
        self.assertContains(response, "late by 1 day 3 h")
        self.assertContains(response, 'name="files"')
        self.assertContains(response, "multiple")
        self.assertContains(response, 'enctype="multipart/form-data"')
        self.assertContains(response, "Amira Khan (amira) [C-101], Bo Li (bo) [C-102]")
        self.assertContains(response, "delivery #1")
        self.assertContains(response, "deliveries/handin.js")

    def test_get_on_time_and_extension(self):
        """With an extension in the future, a hand-in now is on time, and the page says the deadline is the group's."""
        self.group.deadline = timezone.now() + timedelta(days=2, hours=1)
        self.group.save()
        self.client.force_login(self.superuser)
        response = self.client.get(self.url)
        self.assertContains(response, "on time (2 days left)")
        self.assertContains(response, "an extension for this group")
        self.assertNotContains(response, "late by")

    def test_button_on_group_page(self):
        """The group's page links to the hand-in page for those who may hand in, and not for others."""
        change = reverse("admin:deliveries_assignmentgroup_change", args=[self.group.pk])
        self.client.force_login(self.superuser)
        self.assertContains(self.client.get(change), f'href="{self.url}"')
        viewer = make_user("viewer", perms=["view_assignmentgroup"])
        self.client.force_login(viewer)
        page = self.client.get(change)
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, f'href="{self.url}"')


@override_settings(DELIVERY_UPLOAD_MAX_FILE_SIZE=100, DELIVERY_UPLOAD_MAX_FILES=3, DELIVERY_UPLOAD_MAX_TOTAL_SIZE=250)
class TestLimits(HandInMixin, TestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.superuser)

    def test_within_limits(self):
        """Positive control: three files of 80 bytes (240 in all) are handed in."""
        response = self.post_files(("a", b"a" * 80), ("b", b"b" * 80), ("c", b"c" * 80))
        self.assertEqual(response.status_code, 302)
        self.assertEqual(FileMeta.objects.count(), 3)

    def test_each_limit_names_the_file(self):
        """A file over a limit is named with its reason, and nothing of the hand-in is kept."""
        cases = {
            "largest file": (
                [("ok.txt", b"x" * 10), ("big.bin", b"x" * 101)],
                ["big.bin: the file is larger than 100\xa0bytes, the largest allowed."],
            ),
            "number of files": (
                [("1", b"1"), ("2", b"2"), ("3", b"3"), ("4", b"4"), ("5", b"5")],
                [
                    "4: too many files: at most 3 can be handed in at once.",
                    "5: too many files: at most 3 can be handed in at once.",
                ],
            ),
            "total size": (
                [("a", b"a" * 100), ("b", b"b" * 100), ("c", b"c" * 60)],
                [
                    "c: together with the files before it, this is more than 250\xa0bytes, "
                    "the most one hand-in may hold."
                ],
            ),
            "same name twice": (
                [("notes.txt", b"1"), ("notes.txt", b"2")],
                ["notes.txt: another file of this hand-in has the same name."],
            ),
        }
        for label, (files, expected) in cases.items():
            with self.subTest(label):
                response = self.post_files(*files)
                self.assertEqual(response.status_code, 400)
                self.assertEqual(self.errors(response), expected)
                self.assertContains(response, "Nothing was handed in", status_code=400)
                self.assert_nothing_kept()

    def test_no_file(self):
        """A POST without files asks for one."""
        response = self.client.post(self.url, {})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.errors(response), ["Choose at least one file to hand in."])
        self.assert_nothing_kept()

    @override_settings(DATA_UPLOAD_MAX_NUMBER_FILES=4)
    def test_more_files_than_django_reads(self):
        """Past Django's own cap on files per request: one clear message, not a bare 400."""
        response = self.post_files(*[(f"{n}.txt", b"x") for n in range(6)])
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.errors(response), ["Too many files: at most 3 can be handed in at once."])
        self.assert_nothing_kept()


class TestAllOrNothing(HandInMixin, TestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.superuser)

    def test_store_fails_on_second_file(self):
        """The store fails on the second file: no delivery, no FileMeta, the first file's bytes removed, number unused."""
        store = self.enterContext(swap_deliverystore(FileMeta, FailOnNthWriteStore(fail_on=2)))
        response = self.post_files(("first.txt", b"first"), ("second.txt", b"second"), ("third.txt", b"third"))
        self.assertEqual(response.status_code, 503)
        self.assertEqual(self.errors(response), ["second.txt: the store could not save it (No space left on device)."])
        self.assertEqual(store.writers, 2)  # the third was never tried
        self.assert_nothing_kept()
        # Gap-free: the next hand-in that works is delivery #1.
        self.post_files(("again.txt", b"again"))
        self.assertEqual(Delivery.objects.get(assignment_group=self.group).number, 1)

    def test_client_sends_bad_filenames(self):
        """Names a browser never sends are refused with filenames.py's reasons, not quietly rewritten."""
        long_name = "x" * 300 + ".txt"
        response = self.post_raw(
            [
                ("files", "good.txt", b"fine"),
                ("files", "../../etc/passwd", b"root"),
                ("files", "C:evil.txt", b"evil"),
                ("files", "tab\there.txt", b"tab"),
                ("files", long_name, b"long"),
            ]
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            self.errors(response),
            [
                "../../etc/passwd: The filename contains a path separator ('/' or '\\'); give the file's name only.",
                "C:evil.txt: The filename is an absolute path; give the file's name only.",
                "tab\\x09here.txt: The filename contains a control or invisible formatting character.",
                f"{'x' * 79}…: The filename is 304 characters long; at most 255 are allowed.",
            ],
        )
        self.assert_nothing_kept()

    def test_file_in_another_field(self):
        """A file sent in another form field is refused, not silently dropped from the hand-in."""
        response = self.post_raw([("files", "a.txt", b"a"), ("attachment", "b.txt", b"b")])
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            self.errors(response),
            ["b.txt: it was sent in the form field 'attachment'; files are handed in in 'files'."],
        )
        self.assert_nothing_kept()

    def test_client_disconnects(self):
        """The connection breaks in the second file: a clear page, and nothing kept (the first file neither)."""
        body = multipart([("files", "first.txt", b"1" * 5000), ("files", "second.txt", b"2" * 5000)])
        response = self.post_stream(FailingReader(body, len(body) - 2000), len(body))
        self.assertEqual(response.status_code, 400)
        self.assertIn("the upload did not arrive whole", self.errors(response)[0].lower())
        self.assert_nothing_kept()

    def test_body_ends_early(self):
        """A body cut short without an error (the server saw the end of the stream) is refused, not handed in half."""
        body = multipart([("files", "first.txt", b"1" * 5000), ("files", "second.txt", b"2" * 5000)])
        response = self.post_stream(io.BytesIO(body[:-2000]), len(body))
        self.assertEqual(response.status_code, 400)
        self.assertIn("the upload did not arrive whole", self.errors(response)[0].lower())
        self.assert_nothing_kept()

    def test_csrf_token_required(self):
        """The page checks the CSRF token itself (it is exempt from the middleware's check): without one, 403."""
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.superuser)
        response = client.post(self.url, {"files": [SimpleUploadedFile("a.txt", b"a")]})
        self.assertEqual(response.status_code, 403)
        self.assert_nothing_kept()
        # Positive control: with the token from the page, it is accepted.
        token = client.get(self.url).context["csrf_token"]
        response = client.post(self.url, {"files": [SimpleUploadedFile("a.txt", b"a")], "csrfmiddlewaretoken": token})
        self.assertEqual(response.status_code, 302)


class TestAccess(HandInMixin, TestCase):
    """Who may open and use the hand-in page: GET and POST alike."""

    def attempt(self, user):
        """(GET status, POST status) for ``user`` (None: not logged in)."""
        client = Client()
        if user is not None:
            client.force_login(user)
        return (
            client.get(self.url).status_code,
            client.post(self.url, {"files": [SimpleUploadedFile("a.txt", b"a")]}).status_code,
        )

    def test_matrix(self):
        """Superuser, global permission holder and the group's examiner with add_delivery may; others get 403 or 404."""
        cases = {
            "superuser": (self.superuser, (200, 302)),
            "staff with global permissions": (
                make_user("office", perms=["add_delivery", "view_assignmentgroup", "view_delivery"]),
                (200, 302),
            ),
            "examiner of the group": (self.examiner, (200, 302)),
            "examiner of the group without add_delivery": (self._examiner("lazy", [], self.group), (403, 403)),
            "examiner of another group": (self._examiner("elsewhere", ["add_delivery"], self.other_group), (404, 404)),
            "staff without permission": (make_user("nobody"), (403, 403)),
            "add_delivery alone, seeing no group": (make_user("adder", perms=["add_delivery"]), (404, 404)),
        }
        for label, (user, expected) in cases.items():
            with self.subTest(label):
                self.assertEqual(self.attempt(user), expected)
        self.assertEqual(Delivery.objects.filter(assignment_group=self.group).count(), 3)
        self.assertFalse(Delivery.objects.filter(assignment_group=self.other_group).exists())

    def test_anonymous_to_login(self):
        """Anonymous users are sent to the login page, and their POST keeps nothing."""
        response = Client().post(self.url, {"files": [SimpleUploadedFile("a.txt", b"a")]})
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("admin:login")))
        self.assert_nothing_kept()

    def test_unknown_group_404(self):
        """A group that does not exist is a 404, also for a superuser."""
        self.client.force_login(self.superuser)
        url = reverse("admin:deliveries_assignmentgroup_deliver", args=[999999])
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_other_methods(self):
        """Only GET and POST."""
        self.client.force_login(self.superuser)
        self.assertEqual(self.client.put(self.url).status_code, 405)

    def _examiner(self, username, perms, group):
        user = make_user(username, perms=perms)
        group.examiners.add(user)
        return user
