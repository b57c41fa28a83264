"""deliveries.admin_pages.views through the test client: permissions, headers, pages and their failures."""

import io
import zipfile
from datetime import timedelta

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client, TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from deliveries.models import Delivery, FileMeta
from deliveries.stores import InvalidStoreError
from tests.support.admin_fixtures import PYTHON_SOURCE, AdminFixtureMixin, make_user, png_bytes
from tests.support.store_faults import ReadFailingStore


class TestPermissions(AdminFixtureMixin, TestCase):
    def byte_urls(self):
        return [
            reverse("admin:deliveries_filemeta_download", args=[self.py.pk]),
            reverse("admin:deliveries_filemeta_preview", args=[self.py.pk]),
            reverse("admin:deliveries_filemeta_preview_image", args=[self.png.pk]),
            reverse("admin:deliveries_filemeta_change", args=[self.py.pk]),
            reverse("admin:deliveries_delivery_download", args=[self.first.pk]),
            reverse("admin:deliveries_delivery_compare", args=[self.second.pk]),
        ]

    def test_anonymous_to_login(self):
        """Anonymous users are sent to the login page, with the URL to come back to."""
        for url in self.byte_urls():
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 302)
                self.assertTrue(response["Location"].startswith(reverse("admin:login")))

    def test_not_staff_or_inactive_to_login(self):
        """Users who are not active staff are sent to login, whatever permissions they hold."""
        for user in (
            make_user("student", staff=False, perms=["view_filemeta", "view_delivery"]),
            make_user("former", active=False, perms=["view_filemeta", "view_delivery"]),
        ):
            self.client.force_login(user)
            for url in self.byte_urls():
                with self.subTest(user=user.username, url=url):
                    self.assertEqual(self.client.get(url).status_code, 302)

    def test_staff_without_permission_403(self):
        """Staff without the view permission on files get 403 on every byte URL."""
        self.login(self.nobody)
        for url in self.byte_urls():
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 403)

    def test_delivery_permission_alone_is_not_enough(self):
        """Viewing deliveries does not give their bytes: the zip and compare need the file permission."""
        self.login(make_user("deliveries-only", perms=["view_delivery"]))
        for url in self.byte_urls()[-2:]:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 403)

    def test_verify_action_needs_file_permission(self):
        """The deliveries' "verify selected" reads files' bytes: it is offered only with the file permission."""
        self.login(make_user("deliveries-only", perms=["view_delivery"]))
        url = reverse("admin:deliveries_delivery_changelist")
        self.assertNotContains(self.client.get(url), "verify_selected")
        self.client.post(url, {"action": "verify_selected", "_selected_action": [self.first.pk], "index": 0})
        self.assertFalse(FileMeta.objects.exclude(status=FileMeta.Status.UNVERIFIED).exists())
        self.login(self.viewer)
        self.assertContains(self.client.get(url), "verify_selected")

    def test_viewer_allowed(self):
        """Staff with the view permission see every byte URL."""
        self.login(self.viewer)
        for url in self.byte_urls():
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 200)

    def test_unknown_object_404(self):
        """An id that does not exist is a 404, not a 500."""
        self.login(self.superuser)
        for name in ("filemeta_download", "filemeta_preview", "filemeta_preview_image", "delivery_download"):
            with self.subTest(name=name):
                self.assertEqual(self.client.get(reverse(f"admin:deliveries_{name}", args=[999999])).status_code, 404)


class TestDownloadView(AdminFixtureMixin, TestCase):
    def setUp(self):
        super().setUp()
        self.login(self.viewer)
        self.url = reverse("admin:deliveries_filemeta_download", args=[self.py.pk])

    def test_headers_and_bytes(self):
        """Streamed attachment, RFC 6266 name, nosniff, CSP sandbox, private cache, strong ETag."""
        self.assertEqual(self.url, f"/admin/deliveries/filemeta/{self.py.pk}/download/")
        response = self.client.get(self.url)
        self.assertTrue(response.streaming)
        self.assertEqual(self.content(response), PYTHON_SOURCE.encode())
        self.assertEqual(response["Content-Disposition"], 'attachment; filename="hello.py"')
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertTrue(response["Content-Security-Policy"].startswith("sandbox"))
        self.assertIn("private", response["Cache-Control"])
        self.assertEqual(response["ETag"], f'"sha256-{self.py.checksum}"')
        head = self.client.head(self.url)
        self.assertEqual((head.status_code, head["Content-Length"]), (200, str(self.py.size)))
        self.assertEqual(self.client.post(self.url).status_code, 405)

    def test_conditional_and_ranges(self):
        """304 on a matching ETag, 206 for a range, 416 past the end."""
        etag = f'"sha256-{self.py.checksum}"'
        self.assertEqual(self.client.get(self.url, headers={"If-None-Match": etag}).status_code, 304)
        partial = self.client.get(self.url, headers={"Range": "bytes=4-8"})
        self.assertEqual(partial.status_code, 206)
        self.assertEqual(self.content(partial), PYTHON_SOURCE.encode()[4:9])
        self.assertEqual(partial["Content-Range"], f"bytes 4-8/{self.py.size}")
        gone = self.client.get(self.url, headers={"Range": f"bytes={self.py.size}-"})
        self.assertEqual(gone.status_code, 416)
        self.assertEqual(gone["Content-Range"], f"bytes */{self.py.size}")

    def test_missing_bytes_page(self):
        """Missing bytes give a clear 404 page naming the file, not a server error."""
        self.store.remove(self.py)
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 404)
        self.assertContains(response, "The store has no bytes for this file", status_code=404)
        self.assertContains(response, "hello.py", status_code=404)

    def test_corrupt_bytes_page(self):
        """Known-corrupt bytes give a 409 page first; ?anyway=1 downloads what the store holds."""
        FileMeta.objects.filter(pk=self.py.pk).update(status=FileMeta.Status.CORRUPT)
        response = self.client.get(self.url)
        self.assertContains(response, "found these bytes corrupt", status_code=409)
        self.assertEqual(self.content(self.client.get(self.url + "?anyway=1")), PYTHON_SOURCE.encode())
        # Bytes of another length than recorded: "anyway" sends all the store holds, with its length, no ETag.
        with self.store.write_open(self.py) as writer:
            writer.write(b"longer than it was " * 100)
        response = self.client.get(self.url + "?anyway=1")
        self.assertEqual(self.content(response), b"longer than it was " * 100)
        self.assertEqual(response["Content-Length"], "1900")
        self.assertFalse(response.has_header("ETag"))

    def test_unreadable_store_page(self):
        """A store that fails to read gives a 503 page, logged, not a 500."""

        def broken(*args, **kwargs):
            raise PermissionError(13, "Permission denied")

        self.store._read_open = broken
        with self.assertLogs("deliveries.admin_pages.views", "ERROR"):
            response = self.client.get(self.url)
        self.assertContains(response, "The store could not be read: Permission denied", status_code=503)

    @override_settings(DELIVERY_STORE_PRESIGNED_DOWNLOADS=True, DELIVERY_STORE_PRESIGNED_MIN_SIZE=0)
    def test_presigned_option_with_a_store_that_cannot_sign(self):
        """Presigned downloads on, but the store has no presigned_url: the bytes stream as before."""
        response = self.client.get(self.url)
        self.assertEqual((response.status_code, self.content(response)), (200, PYTHON_SOURCE.encode()))

    @override_settings(DELIVERY_STORE_PRESIGNED_DOWNLOADS=True, DELIVERY_STORE_PRESIGNED_MIN_SIZE=0)
    def test_presigning_fails_page(self):
        """A store that cannot sign the URL gives a 503 page, logged, not a 500."""

        def presigned_url(*args, **kwargs):
            raise InvalidStoreError("S3DeliveryStore s3://b/: cannot sign a download URL: no credentials")

        self.store.presigned_url = presigned_url
        with self.assertLogs("deliveries.admin_pages.views", "ERROR"):
            response = self.client.get(self.url)
        self.assertContains(response, "cannot sign a download URL: no credentials", status_code=503)


class TestPreviewViews(AdminFixtureMixin, TestCase):
    def setUp(self):
        super().setUp()
        self.login(self.viewer)

    def preview(self, filemeta, **params):
        return self.client.get(reverse("admin:deliveries_filemeta_preview", args=[filemeta.pk]), params)

    def test_text_highlighted(self):
        """Source is highlighted and escaped on the preview page and on the file's page."""
        for url in (
            reverse("admin:deliveries_filemeta_preview", args=[self.py.pk]),
            reverse("admin:deliveries_filemeta_change", args=[self.py.pk]),
        ):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertContains(response, '<span class="k">def</span>')
                self.assertContains(response, "&lt;b&gt;&amp;amp;&lt;/b&gt;")
                self.assertNotContains(response, "<b>&amp;</b>")

    def test_image(self):
        """Images show an <img> of the sandboxed thumbnail URL."""
        response = self.preview(self.png)
        image_url = reverse("admin:deliveries_filemeta_preview_image", args=[self.png.pk])
        self.assertEqual(image_url, f"/admin/deliveries/filemeta/{self.png.pk}/preview/image/")
        self.assertContains(response, f'<img src="{image_url}"')
        image = self.client.get(image_url)
        self.assertEqual(image["Content-Type"], "image/png")
        self.assertEqual(image["X-Content-Type-Options"], "nosniff")
        self.assertTrue(image["Content-Security-Policy"].startswith("sandbox"))
        self.assertTrue(image.content.startswith(b"\x89PNG"))

    def test_image_refused(self):
        """The thumbnail URL of a non-image answers 415 with a page saying why."""
        response = self.client.get(reverse("admin:deliveries_filemeta_preview_image", args=[self.py.pk]))
        self.assertContains(response, "Only PNG, JPEG, GIF and WebP", status_code=415)

    def test_hex_pages(self):
        """Binary files show a hex dump; offsets page through it."""
        response = self.preview(self.bin)
        self.assertContains(response, "00000000")
        self.assertContains(response, "00 01 02 03")
        self.assertContains(response, "offset=4096")
        second = self.preview(self.bin, mode="hex", offset=4096)
        self.assertContains(second, "00001000")
        self.assertNotContains(second, "offset=8192")

    def test_archive_members(self):
        """A zip's page lists its members, escaped."""
        import zipfile

        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("src/<script>.py", "print(1)\n")
        project = self.first.add_file("project.zip", [out.getvalue()])
        response = self.preview(project)
        self.assertContains(response, "A zip archive of 1 member.")
        self.assertContains(response, "src/&lt;script&gt;.py")

    def test_html_never_rendered(self):
        """An HTML file's markup reaches the page escaped only."""
        evil = self.first.add_file("evil.html", ['<script>alert("x")</script>'])
        response = self.preview(evil)
        self.assertNotContains(response, '<script>alert("x")')
        self.assertContains(response, "&lt;")

    def test_missing(self):
        """Missing bytes show a note in place of the preview."""
        self.store.remove(self.txt)
        self.assertContains(self.preview(self.txt), "The store has no bytes for this file")
        change = self.client.get(reverse("admin:deliveries_filemeta_change", args=[self.txt.pk]))
        self.assertContains(change, "The store has no bytes for this file")


class TestVerifyView(AdminFixtureMixin, TestCase):
    def test_verify_now(self):
        """POST verifies, records the status and reports it; the button is on the file's page."""
        self.login(self.viewer)
        url = reverse("admin:deliveries_filemeta_verify", args=[self.py.pk])
        self.assertContains(self.client.get(reverse("admin:deliveries_filemeta_change", args=[self.py.pk])), url)
        response = self.client.post(url, follow=True)
        self.assertContains(response, "Verified hello.py: intact")
        self.py.refresh_from_db()
        self.assertEqual(self.py.status, FileMeta.Status.INTACT)
        self.assertIsNotNone(self.py.verified_at)

    def test_verify_corrupt(self):
        """Changed bytes are reported corrupt."""
        self.login(self.viewer)
        with self.store.write_open(self.txt) as writer:
            writer.write(b"tampered")
        response = self.client.post(reverse("admin:deliveries_filemeta_verify", args=[self.txt.pk]), follow=True)
        self.assertContains(response, "Verified notes.txt: corrupt")

    def test_post_only_and_csrf(self):
        """GET is refused (405) and a POST without the CSRF token is refused (403)."""
        url = reverse("admin:deliveries_filemeta_verify", args=[self.py.pk])
        self.login(self.viewer)
        self.assertEqual(self.client.get(url).status_code, 405)
        csrf_client = Client(enforce_csrf_checks=True)
        csrf_client.force_login(self.viewer)
        self.assertEqual(csrf_client.post(url).status_code, 403)
        self.py.refresh_from_db()
        self.assertEqual(self.py.status, FileMeta.Status.UNVERIFIED)


class TestUnreadableIsNotCorrupt(AdminFixtureMixin, TestCase):
    """A store whose reads fail with EIO: "Verify now" and "Verify selected" record nothing and say why."""

    def make_store(self):
        return ReadFailingStore()

    def setUp(self):
        super().setUp()
        self.login(self.viewer)
        # What earlier verifications recorded: every status a file can have, each with its own time.
        earlier = timezone.now() - timedelta(days=3)
        self.recorded = {
            self.py.pk: ("intact", earlier),
            self.txt.pk: ("missing", earlier - timedelta(hours=1)),
            self.png.pk: ("corrupt", earlier - timedelta(hours=2)),
            self.bin.pk: ("unverified", None),
        }
        for pk, (status, verified_at) in self.recorded.items():
            FileMeta.objects.filter(pk=pk).update(status=status, verified_at=verified_at)
        self.store.failing = True

    def recorded_now(self):
        return {
            pk: (s, at)
            for pk, s, at in FileMeta.objects.filter(delivery=self.first).values_list("pk", "status", "verified_at")
        }

    def test_verify_now(self):
        """Verify now on each file: "could not read: Input/output error", and its status and time stay as they were."""
        for fail_after in (0, 16):  # the read fails at once, or after its first bytes
            self.store.fail_after = fail_after
            for filemeta in (self.py, self.txt, self.png, self.bin):
                with self.subTest(fail_after=fail_after, file=filemeta.filename):
                    url = reverse("admin:deliveries_filemeta_verify", args=[filemeta.pk])
                    with self.assertLogs("deliveries.admin_pages.views", "ERROR"):  # the page's preview fails too
                        response = self.client.post(url, follow=True)
                    status = FileMeta.objects.get(pk=filemeta.pk).get_status_display()
                    self.assertContains(
                        response,
                        f"Could not verify {filemeta.filename}: could not read: Input/output error. "
                        f"Its recorded status ({status}) is unchanged; verify it again later.",
                    )
                    self.assertEqual([m.level_tag for m in response.context["messages"]], ["warning"])
                    self.assertEqual(self.recorded_now(), self.recorded)

    def test_verify_selected(self):
        """Verify selected on both lists: every status stays as it was; the message counts what could not be read."""
        message = (
            "Verified 4 files: 0 intact, 0 missing, 0 corrupt, 4 could not be read (could not read: Input/output "
            "error). A file that could not be read keeps its recorded status; verify it again later."
        )
        files = [self.py.pk, self.txt.pk, self.png.pk, self.bin.pk]
        for fail_after in (0, 16):
            self.store.fail_after = fail_after
            for model, selected in ((FileMeta, files), (Delivery, [self.first.pk])):
                with self.subTest(fail_after=fail_after, list=model.__name__):
                    url = reverse(f"admin:deliveries_{model._meta.model_name}_changelist")
                    data = {"action": "verify_selected", ACTION_CHECKBOX_NAME: selected, "index": 0}
                    response = self.client.post(url, data, follow=True)
                    self.assertContains(response, message)
                    self.assertEqual([m.level_tag for m in response.context["messages"]], ["warning"])
                    self.assertEqual(self.recorded_now(), self.recorded)
        # Positive control: once the reads work, the same action records every file intact.
        self.store.failing = False
        data = {"action": "verify_selected", ACTION_CHECKBOX_NAME: files, "index": 0}
        response = self.client.post(reverse("admin:deliveries_filemeta_changelist"), data, follow=True)
        self.assertContains(response, "Verified 4 files: 4 intact, 0 missing, 0 corrupt.")
        self.assertEqual({s for s, _ in self.recorded_now().values()}, {"intact"})


class TestDeliveryViews(AdminFixtureMixin, TestCase):
    def setUp(self):
        super().setUp()
        self.login(self.viewer)

    def test_zip(self):
        """The zip holds every file under the delivery's folder, streamed as an attachment."""
        url = reverse("admin:deliveries_delivery_download", args=[self.first.pk])
        self.assertEqual(url, f"/admin/deliveries/delivery/{self.first.pk}/download/")
        response = self.client.get(url)
        self.assertTrue(response.streaming)
        self.assertEqual(response["Content-Type"], "application/zip")
        self.assertTrue(response["Content-Disposition"].startswith("attachment;"))
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        archive = zipfile.ZipFile(io.BytesIO(self.content(response)))
        by_name = {name.split("/", 1)[1]: archive.read(name) for name in archive.namelist()}
        self.assertEqual(by_name["hello.py"], PYTHON_SOURCE.encode())
        self.assertEqual(by_name["photo.png"], png_bytes())
        self.assertEqual(set(by_name), {"hello.py", "notes.txt", "photo.png", "data.bin"})

    def test_store_failing_gives_503_pages(self):
        """An I/O error or an unreachable server: the zip, the comparison and the thumbnail answer 503, never 500."""

        def broken(*args, **kwargs):
            raise OSError(5, "Input/output error")

        self.store._read_open = self.store._exists = broken
        urls = [
            reverse("admin:deliveries_delivery_download", args=[self.first.pk]),
            reverse("admin:deliveries_delivery_compare", args=[self.second.pk]),
            reverse("admin:deliveries_filemeta_preview_image", args=[self.png.pk]),
        ]
        for url in urls:
            with self.subTest(url=url), self.assertLogs("deliveries.admin_pages.views", "ERROR"):
                response = self.client.get(url)
                self.assertContains(response, "The store could not be read: Input/output error", status_code=503)

    def test_zip_missing(self):
        """A delivery with missing bytes gets a page listing them instead of a broken zip."""
        self.store.remove(self.txt)
        response = self.client.get(reverse("admin:deliveries_delivery_download", args=[self.first.pk]))
        self.assertContains(response, "has no bytes for 1 file", status_code=404)
        self.assertContains(response, "notes.txt", status_code=404)

    def test_zip_corrupt(self):
        """A delivery with a file known corrupt gets a page first, as one file's download does; ?anyway=1 zips it."""
        FileMeta.objects.filter(pk=self.txt.pk).update(status=FileMeta.Status.CORRUPT)
        url = reverse("admin:deliveries_delivery_download", args=[self.first.pk])
        response = self.client.get(url)
        self.assertContains(response, "found 1 file of this delivery corrupt", status_code=409)
        self.assertContains(
            response,
            f'<a href="{reverse("admin:deliveries_filemeta_change", args=[self.txt.pk])}">notes.txt</a>',
            status_code=409,
            html=True,
        )
        with self.store.write_open(self.txt) as writer:
            writer.write(b"not what was handed in, and longer")
        archive = zipfile.ZipFile(io.BytesIO(self.content(self.client.get(url + "?anyway=1"))))
        by_name = {name.split("/", 1)[1]: archive.read(name) for name in archive.namelist()}
        self.assertEqual(by_name["notes.txt"], b"not what was handed in, and longer")
        self.assertEqual(by_name["hello.py"], PYTHON_SOURCE.encode())

    def test_zip_aborts_on_changed_size(self):
        """A member whose stored bytes differ in length from the record (not yet known corrupt) breaks the zip off."""
        from deliveries.serving.downloads import SizeChanged

        url = reverse("admin:deliveries_delivery_download", args=[self.first.pk])
        for data in (b"short", b"x" * (self.txt.size + 1)):
            with self.subTest(size=len(data)):
                with self.store.write_open(self.txt) as writer:
                    writer.write(data)
                response = self.client.get(url)
                with self.assertRaisesMessage(SizeChanged, f"file {self.txt.pk}"):
                    self.content(response)

    def test_compare(self):
        """The comparison lists added, removed and changed files and diffs the changed text."""
        response = self.client.get(reverse("admin:deliveries_delivery_compare", args=[self.second.pk]))
        self.assertContains(response, "1 added, 2 removed, 1 changed, 1 unchanged")
        self.assertContains(response, 'class="diff_chg"')
        self.assertContains(response, "greet(name)")

    def test_compare_first(self):
        """The first delivery compares as all files added."""
        response = self.client.get(reverse("admin:deliveries_delivery_compare", args=[self.first.pk]))
        self.assertContains(response, "first delivery: every file is new")

    def test_change_page_buttons(self):
        """The delivery's page links the zip and the comparison, and lists its files inline."""
        response = self.client.get(reverse("admin:deliveries_delivery_change", args=[self.first.pk]))
        self.assertContains(response, reverse("admin:deliveries_delivery_download", args=[self.first.pk]))
        self.assertContains(response, reverse("admin:deliveries_delivery_compare", args=[self.first.pk]))
        self.assertContains(response, reverse("admin:deliveries_filemeta_change", args=[self.png.pk]))


class TestDeliveryForm(AdminFixtureMixin, TestCase):
    def test_deliveries_are_not_added_or_moved_by_hand(self):
        """No add form (deliveries come from Delivery.begin); the group and number are read-only on change."""
        self.login(self.superuser)
        self.assertEqual(self.client.get(reverse("admin:deliveries_delivery_add")).status_code, 403)
        response = self.client.get(reverse("admin:deliveries_delivery_change", args=[self.first.pk]))
        self.assertNotIn("assignment_group", response.context["adminform"].form.fields)
        self.assertNotIn("number", response.context["adminform"].form.fields)
