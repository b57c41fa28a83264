"""
Who gets the bytes: every admin URL that serves stored bytes or acts on them, for every kind of
user, and CSRF on every state-changing action.

The URLs are discovered from the FileMeta and Delivery admins' ``get_urls()``: a URL added there
without being classified below fails ``test_every_url_is_classified``, so a new byte view cannot
slip past these tests.
"""

import io
import secrets
import zipfile

from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client, TestCase
from django.urls import reverse

from deliveries.models import Delivery, FileMeta
from deliveries.stores import MemoryDeliveryStore, swap_deliverystore
from deliveries.testhelpers import make_delivery
from tests.support.admin_fixtures import body, make_user, png_bytes

MARKER = f"TOP-SECRET-{secrets.token_hex(8)}"
SECRET_V1 = f"first draft\n{MARKER} version one\n".encode()
SECRET_V2 = f"first draft\n{MARKER} version two\n".encode()
PNG = png_bytes()
# Signatures of what the byte views send: a stored PNG, the zip of a delivery.
SIGNATURES = (b"\x89PNG", b"PK\x03\x04")

# Named URL patterns of the FileMeta and Delivery admins, by what they do with stored bytes.
SERVES_BYTES = {
    "deliveries_filemeta_download",
    "deliveries_filemeta_preview",
    "deliveries_filemeta_preview_image",
    "deliveries_filemeta_change",  # the file's page embeds its preview
    "deliveries_delivery_download",
    "deliveries_delivery_compare",
}
ACTS_ON_BYTES = {
    "deliveries_filemeta_verify",
    "deliveries_filemeta_changelist",  # actions: verify selected, delete selected
    "deliveries_filemeta_delete",  # removes the bytes
    "deliveries_delivery_changelist",  # actions: verify selected, delete selected
    "deliveries_delivery_delete",  # removes its files' bytes
}
# Views of other admins that start work on the bytes and show none (tests/deliveries/background/).
STARTS_WORK_ON_BYTES = {"deliveries_storecheckrun_start"}  # needs deliveries.run_storecheck
NO_BYTES = {
    "deliveries_filemeta_add",  # always refused: files come in through Delivery.add_file
    "deliveries_filemeta_history",
    "deliveries_delivery_add",
    "deliveries_delivery_history",
    "deliveries_delivery_change",  # metadata and links; its inline of files has no bytes
}

# What each kind of user gets: "login" (a redirect to the login page), "denied" (403), "bytes".
LOGIN, DENIED, BYTES = "login", "denied", "bytes"
FILE_PERMS = ["view_filemeta", "view_delivery"]


class WhoGetsInMixin:
    """A memory store, two deliveries of a secret text file, a PNG, and one user of each kind."""

    def setUp(self):
        super().setUp()
        self.store = self.enterContext(swap_deliverystore(FileMeta, MemoryDeliveryStore()))
        self.first = make_delivery("who")
        self.secret = self.first.add_file("secret.txt", [SECRET_V1])
        self.png = self.first.add_file("photo.png", [PNG])
        self.first.finish()
        self.second = Delivery.begin(self.first.assignment_group, self.first.delivered_by)
        self.secret2 = self.second.add_file("secret.txt", [SECRET_V2])
        self.second.finish()
        # (user, expected outcome) by role; None is the anonymous visitor.
        self.roles = {
            "anonymous": (None, LOGIN),
            "active non-staff": (make_user("student", staff=False, perms=FILE_PERMS), LOGIN),
            "inactive staff": (make_user("former", active=False, perms=FILE_PERMS), LOGIN),
            "staff without permissions": (make_user("nobody"), DENIED),
            "staff viewing deliveries, not files": (
                make_user("delivery-viewer", perms=["view_delivery", "view_assignmentgroup"]),
                DENIED,
            ),
            "staff with the view permissions": (make_user("viewer", perms=FILE_PERMS), BYTES),
            "superuser": (make_user("root", staff=True, superuser=True), BYTES),
        }

    def client_for(self, user, **kwargs):
        client = Client(**kwargs)
        if user is not None:
            client.force_login(user)
        return client

    def assert_no_bytes(self, content):
        """Nothing of the stored files is in ``content``."""
        self.assertNotIn(MARKER.encode(), content)
        for signature in SIGNATURES:
            self.assertNotIn(signature, content)

    def assert_refused(self, response, expected):
        if expected == LOGIN:
            self.assertEqual(response.status_code, 302)
            self.assertTrue(response["Location"].startswith(reverse("admin:login")), response["Location"])
        else:
            self.assertEqual(response.status_code, 403)
        self.assert_no_bytes(body(response))

    def assert_unverified(self, *filemetas):
        for filemeta in filemetas:
            filemeta.refresh_from_db()
            self.assertEqual((filemeta.status, filemeta.verified_at), (FileMeta.Status.UNVERIFIED, None))

    def assert_all_present(self):
        """Every row and every file's bytes are still there."""
        self.assertEqual(Delivery.objects.count(), 2)
        self.assertEqual(FileMeta.objects.count(), 3)
        for filemeta in (self.secret, self.png, self.secret2):
            self.assertTrue(self.store.exists(filemeta), filemeta.filename)


class TestWhoGetsTheBytes(WhoGetsInMixin, TestCase):
    def byte_views(self):
        """(name, url, check of an allowed response) for every URL in SERVES_BYTES."""

        def zip_holds_secret(response):
            archive = zipfile.ZipFile(io.BytesIO(body(response)))
            members = {name.rsplit("/", 1)[-1]: archive.read(name) for name in archive.namelist()}
            self.assertEqual(members["secret.txt"], SECRET_V1)

        def shows_marker(response):
            self.assertIn(MARKER.encode(), body(response))

        def is_png(response):
            self.assertEqual(response["Content-Type"], "image/png")
            self.assertTrue(body(response).startswith(b"\x89PNG"))

        def is_secret(response):
            self.assertEqual(body(response), SECRET_V1)

        views = [
            ("deliveries_filemeta_download", self.secret.pk, is_secret),
            ("deliveries_filemeta_preview", self.secret.pk, shows_marker),
            ("deliveries_filemeta_preview_image", self.png.pk, is_png),
            ("deliveries_filemeta_change", self.secret.pk, shows_marker),
            ("deliveries_delivery_download", self.first.pk, zip_holds_secret),
            ("deliveries_delivery_compare", self.second.pk, shows_marker),
        ]
        self.assertEqual({name for name, _, _ in views}, SERVES_BYTES)
        return [(name, reverse(f"admin:{name}", args=[pk]), check) for name, pk, check in views]

    def test_every_url_is_classified(self):
        """Every URL of the FileMeta and Delivery admins is known to serve bytes, act on them, or neither."""
        names = set()
        for model in (FileMeta, Delivery):
            for pattern in admin.site._registry[model].get_urls():
                if pattern.name is None:  # the admin's catch-all: a redirect to the change page
                    self.assertEqual(str(pattern.pattern), "<path:object_id>/")
                    continue
                names.add(pattern.name)
        self.assertEqual(names, SERVES_BYTES | ACTS_ON_BYTES | NO_BYTES)
        # No other admin, and not the site itself, has views of its own (a store health page would
        # have to be classified here): the stock ones show no stored bytes.
        stock = ("_changelist", "_add", "_history", "_delete", "_change", "_password_change")
        for model, model_admin in admin.site._registry.items():
            if model in (FileMeta, Delivery):
                continue
            for pattern in model_admin.get_urls():
                with self.subTest(model=model.__name__, pattern=str(pattern.pattern)):
                    name = pattern.name
                    self.assertTrue(name is None or name.endswith(stock) or name in STARTS_WORK_ON_BYTES, name)
        site_views = {
            pattern.name for pattern in admin.site.get_urls() if not hasattr(pattern, "url_patterns") and pattern.name
        }
        stock_site = {
            "index",
            "login",
            "logout",
            "password_change",
            "password_change_done",
            "autocomplete",
            "jsi18n",
            "view_on_site",
            "app_list",
        }
        self.assertEqual(site_views, stock_site)

    def test_get_and_head(self):
        """Only staff with the view permission on files, and superusers, get bytes; the rest get nothing of them."""
        views = self.byte_views()
        for role, (user, expected) in self.roles.items():
            client = self.client_for(user)
            for name, url, check in views:
                with self.subTest(role=role, url=name):
                    response = client.get(url)
                    if expected == BYTES:
                        self.assertEqual(response.status_code, 200)
                        check(response)
                    else:
                        self.assert_refused(response, expected)
            with self.subTest(role=role, method="HEAD"):
                response = client.head(reverse("admin:deliveries_filemeta_download", args=[self.secret.pk]))
                if expected == BYTES:
                    self.assertEqual((response.status_code, response["Content-Length"]), (200, str(len(SECRET_V1))))
                else:
                    self.assert_refused(response, expected)

    def test_range_and_conditional_requests(self):
        """A Range or If-None-Match request gets no bytes past the permission check either."""
        url = reverse("admin:deliveries_filemeta_download", args=[self.secret.pk])
        etag = f'"sha256-{self.secret.checksum}"'
        for role, (user, expected) in self.roles.items():
            if expected == BYTES:
                continue
            client = self.client_for(user)
            for headers in (
                {"Range": "bytes=12-"},
                {"Range": "bytes=-20"},
                {"If-None-Match": etag},
                {"If-Range": etag, "Range": "bytes=0-5"},
            ):
                with self.subTest(role=role, headers=headers):
                    self.assert_refused(client.get(url, headers=headers), expected)

    def test_file_view_without_delivery_view(self):
        """The view permission on files alone opens the file's views; a delivery's zip and comparison also need it on deliveries."""
        client = self.client_for(make_user("files-only", perms=["view_filemeta"]))
        for name, url, check in self.byte_views():
            with self.subTest(url=name):
                response = client.get(url)
                if name.startswith("deliveries_delivery_"):
                    self.assert_refused(response, DENIED)
                else:
                    self.assertEqual(response.status_code, 200)
                    check(response)

    def test_verify_now(self):
        """Verify now: refused users change nothing; staff with the view permission verify."""
        url = reverse("admin:deliveries_filemeta_verify", args=[self.secret.pk])
        for role, (user, expected) in self.roles.items():
            FileMeta.objects.update(status=FileMeta.Status.UNVERIFIED, verified_at=None)
            with self.subTest(role=role):
                response = self.client_for(user).post(url)
                if expected == BYTES:
                    self.assertEqual(response.status_code, 302)
                    self.secret.refresh_from_db()
                    self.assertEqual(self.secret.status, FileMeta.Status.INTACT)
                else:
                    self.assert_refused(response, expected)
                    self.assert_unverified(self.secret)

    def test_verify_selected_actions(self):
        """The "verify selected" actions of both lists verify only for users who may see the files."""
        cases = [
            ("deliveries_filemeta_changelist", [self.secret.pk, self.png.pk], [self.secret, self.png]),
            ("deliveries_delivery_changelist", [self.first.pk], [self.secret, self.png]),
        ]
        for role, (user, expected) in self.roles.items():
            client = self.client_for(user)
            for name, selected, filemetas in cases:
                FileMeta.objects.update(status=FileMeta.Status.UNVERIFIED, verified_at=None)
                with self.subTest(role=role, url=name):
                    data = {"action": "verify_selected", ACTION_CHECKBOX_NAME: selected, "index": 0}
                    response = client.post(reverse(f"admin:{name}"), data)
                    self.assert_no_bytes(body(response))
                    if expected == BYTES:
                        self.assertEqual(response.status_code, 302)
                        for filemeta in filemetas:
                            filemeta.refresh_from_db()
                            self.assertEqual(filemeta.status, FileMeta.Status.INTACT)
                    elif expected == LOGIN:
                        self.assert_refused(response, LOGIN)
                        self.assert_unverified(*filemetas)
                    else:  # 403 without the list's permission; with it, the list ignores an action not offered
                        self.assertIn(response.status_code, (200, 302, 403))
                        self.assert_unverified(*filemetas)

    def test_delete(self):
        """Deleting files or deliveries (and their bytes) is refused to everyone but the superuser here."""
        for role, (user, expected) in self.roles.items():
            if role == "superuser":
                continue
            client = self.client_for(user)
            requests = [
                (reverse("admin:deliveries_filemeta_delete", args=[self.secret.pk]), {"post": "yes"}),
                (reverse("admin:deliveries_delivery_delete", args=[self.first.pk]), {"post": "yes"}),
                (
                    reverse("admin:deliveries_filemeta_changelist"),
                    {"action": "delete_selected", ACTION_CHECKBOX_NAME: [self.secret.pk], "post": "yes"},
                ),
                (
                    reverse("admin:deliveries_delivery_changelist"),
                    {"action": "delete_selected", ACTION_CHECKBOX_NAME: [self.first.pk], "post": "yes"},
                ),
            ]
            for url, data in requests:
                with self.subTest(role=role, url=url, action=data.get("action")):
                    response = client.post(url, data)
                    self.assert_no_bytes(body(response))
                    if expected == LOGIN:
                        self.assert_refused(response, LOGIN)
                    self.assert_all_present()


class TestCsrf(WhoGetsInMixin, TestCase):
    def state_changing_requests(self):
        """(label, url, data, check that the state changed) for every POST that changes something."""

        def verified(*filemetas):
            def check():
                for filemeta in filemetas:
                    filemeta.refresh_from_db()
                    self.assertEqual(filemeta.status, FileMeta.Status.INTACT)

            return check

        def gone(model, pk):
            return lambda: self.assertFalse(model.objects.filter(pk=pk).exists())

        def delivery_changed():
            self.assertFalse(Delivery.objects.get(pk=self.second.pk).successful)

        change_form = {
            "assignment_group": self.second.assignment_group_id,
            "delivered_by": self.second.delivered_by_id,
            "time_of_delivery_0": self.second.time_of_delivery.strftime("%Y-%m-%d"),
            "time_of_delivery_1": self.second.time_of_delivery.strftime("%H:%M:%S"),
            "filemetas-TOTAL_FORMS": 1,
            "filemetas-INITIAL_FORMS": 1,
            "filemetas-MIN_NUM_FORMS": 0,
            "filemetas-MAX_NUM_FORMS": 1000,
            "filemetas-0-id": self.secret2.pk,
            "filemetas-0-delivery": self.second.pk,
        }
        return [
            (
                "verify now",
                reverse("admin:deliveries_filemeta_verify", args=[self.secret.pk]),
                {},
                verified(self.secret),
            ),
            (
                "files: verify selected",
                reverse("admin:deliveries_filemeta_changelist"),
                {"action": "verify_selected", ACTION_CHECKBOX_NAME: [self.secret.pk], "index": 0},
                verified(self.secret),
            ),
            (
                "deliveries: verify selected",
                reverse("admin:deliveries_delivery_changelist"),
                {"action": "verify_selected", ACTION_CHECKBOX_NAME: [self.first.pk], "index": 0},
                verified(self.secret, self.png),
            ),
            (
                "delivery: change",
                reverse("admin:deliveries_delivery_change", args=[self.second.pk]),
                change_form,
                delivery_changed,
            ),
            (
                "files: delete selected",
                reverse("admin:deliveries_filemeta_changelist"),
                {"action": "delete_selected", ACTION_CHECKBOX_NAME: [self.png.pk], "post": "yes"},
                gone(FileMeta, self.png.pk),
            ),
            (
                "file: delete",
                reverse("admin:deliveries_filemeta_delete", args=[self.secret.pk]),
                {"post": "yes"},
                gone(FileMeta, self.secret.pk),
            ),
            (
                "deliveries: delete selected",
                reverse("admin:deliveries_delivery_changelist"),
                {"action": "delete_selected", ACTION_CHECKBOX_NAME: [self.first.pk], "post": "yes"},
                gone(Delivery, self.first.pk),
            ),
            (
                "delivery: delete",
                reverse("admin:deliveries_delivery_delete", args=[self.second.pk]),
                {"post": "yes"},
                gone(Delivery, self.second.pk),
            ),
        ]

    def snapshot(self):
        """Everything these requests could change: rows, statuses, the deliveries' fields, the stored bytes."""
        return (
            sorted(FileMeta.objects.values_list("pk", "status", "verified_at")),
            sorted(Delivery.objects.values_list("pk", "successful", "number", "assignment_group_id")),
            sorted(obj.key for obj in self.store.iter_objects()),
        )

    def test_without_a_valid_token_refused(self):
        """Without a CSRF token, or with a wrong one, every state-changing POST is a 403 and changes nothing."""
        superuser = self.roles["superuser"][0]
        before = self.snapshot()
        for label, url, data, _ in self.state_changing_requests():
            for variant in ("no cookie, no token", "cookie, no token", "cookie, wrong token"):
                with self.subTest(action=label, variant=variant):
                    client = self.client_for(superuser, enforce_csrf_checks=True)
                    if variant != "no cookie, no token":
                        client.get(reverse("admin:deliveries_filemeta_changelist"))
                        self.assertIn("csrftoken", client.cookies)
                    posted = dict(data)
                    if variant == "cookie, wrong token":
                        posted["csrfmiddlewaretoken"] = secrets.token_urlsafe(48)[:64]
                    response = client.post(url, posted)
                    self.assertEqual(response.status_code, 403)
                    self.assertIn(b"CSRF", body(response))
                    self.assertEqual(self.snapshot(), before)

    def test_with_a_valid_token_accepted(self):
        """The same requests with the page's token do change the state: the refusals above are CSRF's doing."""
        superuser = self.roles["superuser"][0]
        for label, url, data, check in self.state_changing_requests():
            with self.subTest(action=label):
                client = self.client_for(superuser, enforce_csrf_checks=True)
                client.get(reverse("admin:deliveries_filemeta_changelist"))
                data = {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value}
                if label == "delivery: change":
                    data["successful"] = ""  # unticked: the change to look for
                response = client.post(url, data)
                self.assertEqual(response.status_code, 302, body(response)[:2000])
                check()
