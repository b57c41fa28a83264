"""
Who gets the bytes: every admin URL that serves stored bytes or acts on them, for every kind of
user, examiners of the group and of another group among them; every list and page of hand-ins for
examiners; and CSRF on every state-changing action.

The URLs are discovered from every admin's ``get_urls()``: a URL added to any of them without
being classified below fails ``test_every_url_is_classified``, so a new byte view cannot slip past
these tests.
"""

import io
import secrets
import zipfile

from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.urls import reverse

from deliveries.models import Assignment, AssignmentGroup, Delivery, FileMeta
from deliveries.stores import MemoryDeliveryStore, swap_deliverystore
from deliveries.testhelpers import make_delivery
from tests.support.admin_fixtures import body, make_examiner, make_user, png_bytes
from tests.support.pdfs import text_pdf

MARKER = f"TOP-SECRET-{secrets.token_hex(8)}"
# The other group's: its subject's name is in every name above its rows (filters, links, titles).
OTHER_SUBJECT = "elsewhere-subject"
OTHER_FILE = f"elsewhere-{secrets.token_hex(4)}.txt"
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
    "deliveries_filemeta_preview_page",  # a PDF's page (or a notebook's image) as a PNG
    "deliveries_filemeta_change",  # the file's page embeds its preview
    "deliveries_delivery_download",
    "deliveries_delivery_compare",
    "deliveries_assignment_download",  # the zip of an assignment's hand-ins
}
ACTS_ON_BYTES = {
    "deliveries_filemeta_verify",
    "deliveries_filemeta_changelist",  # actions: verify selected, delete selected
    "deliveries_filemeta_delete",  # removes the bytes
    "deliveries_delivery_changelist",  # actions: verify selected, delete selected
    "deliveries_delivery_delete",  # removes its files' bytes
    "deliveries_assignmentgroup_deliver",  # hands in: writes bytes
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

# What each kind of user gets: "login" (a redirect to the login page), "denied" (403), "not found"
# (404, as for an id that does not exist), "bytes".
LOGIN, DENIED, NOT_FOUND, BYTES = "login", "denied", "not found", "bytes"
FILE_PERMS = ["view_filemeta", "view_delivery"]


class WhoGetsInMixin:
    """
    A memory store, two deliveries of a secret text file, a PNG, and one user of each kind; and
    another group (of another subject) with a delivery of its own, examined by someone else.
    """

    def setUp(self):
        super().setUp()
        self.store = self.enterContext(swap_deliverystore(FileMeta, MemoryDeliveryStore()))
        self.first = make_delivery("who")
        self.secret = self.first.add_file("secret.txt", [SECRET_V1])
        self.png = self.first.add_file("photo.png", [PNG])
        self.first.finish()
        self.second = Delivery.begin(self.first.assignment_group, self.first.delivered_by)
        self.secret2 = self.second.add_file("secret.txt", [SECRET_V2])
        self.pdf = self.second.add_file("report.pdf", [text_pdf(1)])
        self.second.finish()
        self.group = self.first.assignment_group
        self.elsewhere = make_delivery(OTHER_SUBJECT.removesuffix("-subject"))
        self.elsewhere_file = self.elsewhere.add_file(OTHER_FILE, [b"another group's work\n"])
        self.elsewhere.finish()
        self.examiner = make_examiner("examiner", self.group)
        self.other_examiner = make_examiner("other-examiner", self.elsewhere.assignment_group)
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
            # Staff without any model permission, who examine a group: this one, or another.
            "examiner of the group": (self.examiner, BYTES),
            "examiner of another group": (self.other_examiner, NOT_FOUND),
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
            self.assertEqual(response.status_code, 404 if expected == NOT_FOUND else 403)
        self.assert_no_bytes(body(response))

    def assert_unverified(self, *filemetas):
        for filemeta in filemetas:
            filemeta.refresh_from_db()
            self.assertEqual((filemeta.status, filemeta.verified_at), (FileMeta.Status.UNVERIFIED, None))

    def assert_all_present(self):
        """Every row and every file's bytes are still there."""
        self.assertEqual(Delivery.objects.count(), 3)
        self.assertEqual(FileMeta.objects.count(), 5)
        for filemeta in (self.secret, self.png, self.secret2, self.pdf, self.elsewhere_file):
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

        def assignment_zip_holds_secret(response):
            archive = zipfile.ZipFile(io.BytesIO(body(response)))
            self.assertIn(SECRET_V1, [archive.read(name) for name in archive.namelist()])

        views = [
            ("deliveries_filemeta_download", self.secret.pk, is_secret),
            ("deliveries_filemeta_preview", self.secret.pk, shows_marker),
            ("deliveries_filemeta_preview_image", self.png.pk, is_png),
            ("deliveries_filemeta_preview_page", (self.pdf.pk, 1), is_png),
            ("deliveries_filemeta_change", self.secret.pk, shows_marker),
            ("deliveries_delivery_download", self.first.pk, zip_holds_secret),
            ("deliveries_delivery_compare", self.second.pk, shows_marker),
            ("deliveries_assignment_download", self.first.assignment_group.assignment_id, assignment_zip_holds_secret),
        ]
        self.assertEqual({name for name, _, _ in views}, SERVES_BYTES)
        query = {"deliveries_assignment_download": "?deliveries=all"}  # without it, the page that offers the choice
        return [
            (name, reverse(f"admin:{name}", args=pk if isinstance(pk, tuple) else [pk]) + query.get(name, ""), check)
            for name, pk, check in views
        ]

    def test_every_url_is_classified(self):
        """Every URL of the FileMeta and Delivery admins is known to serve bytes, act on them, or neither."""
        names = set()
        for model in (FileMeta, Delivery):
            for pattern in admin.site._registry[model].get_urls():
                if pattern.name is None:  # the admin's catch-all: a redirect to the change page
                    self.assertEqual(str(pattern.pattern), "<path:object_id>/")
                    continue
                names.add(pattern.name)
        classified = SERVES_BYTES | ACTS_ON_BYTES | NO_BYTES
        self.assertEqual(
            names, {name for name in classified if name.startswith(("deliveries_filemeta_", "deliveries_delivery_"))}
        )
        # Any other admin's own views (beyond the stock ones, which show no stored bytes) must be
        # classified here too; the site itself has none (a store health page would be one).
        stock = ("_changelist", "_add", "_history", "_delete", "_change", "_password_change")
        for model, model_admin in admin.site._registry.items():
            if model in (FileMeta, Delivery):
                continue
            for pattern in model_admin.get_urls():
                with self.subTest(model=model.__name__, pattern=str(pattern.pattern)):
                    name = pattern.name
                    self.assertTrue(
                        name is None or name.endswith(stock) or name in classified | STARTS_WORK_ON_BYTES, name
                    )
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

    def test_guessed_ids_tell_nothing(self):
        """An examiner who guesses another group's ids gets exactly what an id that never existed gets: a 404."""
        never = FileMeta.objects.order_by("-pk").first().pk + Delivery.objects.order_by("-pk").first().pk + 1000
        cases = [
            (self.other_examiner, name, pk)
            for name, pk in [
                *((name, self.secret.pk) for name in SERVES_BYTES if name.startswith("deliveries_filemeta_")),
                *((name, self.second.pk) for name in SERVES_BYTES if name.startswith("deliveries_delivery_")),
                ("deliveries_filemeta_history", self.secret.pk),
                ("deliveries_delivery_history", self.first.pk),
                ("deliveries_delivery_change", self.first.pk),
            ]
        ]
        cases += [(self.examiner, "deliveries_filemeta_download", self.elsewhere_file.pk)]
        cases += [(self.examiner, "deliveries_delivery_download", self.elsewhere.pk)]
        for user, name, pk in cases:
            client = self.client_for(user)
            with self.subTest(user=user.username, url=name):
                page = [1] if name == "deliveries_filemeta_preview_page" else []  # a PDF's page number
                guessed = client.get(reverse(f"admin:{name}", args=[pk, *page]))
                missing = client.get(reverse(f"admin:{name}", args=[never, *page]))
                self.assertEqual((guessed.status_code, missing.status_code), (404, 404))
                self.assertEqual(body(guessed), body(missing))
                self.assert_no_bytes(body(guessed))
        with self.subTest(url="verify now"):
            client = self.client_for(self.other_examiner)
            guessed = client.post(reverse("admin:deliveries_filemeta_verify", args=[self.secret.pk]))
            missing = client.post(reverse("admin:deliveries_filemeta_verify", args=[never]))
            self.assertEqual((guessed.status_code, body(guessed)), (missing.status_code, body(missing)))
            self.assertEqual(guessed.status_code, 404)
            self.assert_unverified(self.secret)

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


class TestExaminersSeeTheirGroups(WhoGetsInMixin, TestCase):
    """Every list and page of hand-ins, for examiners without any model permission."""

    MODELS = [Assignment, AssignmentGroup, Delivery, FileMeta]

    def setUp(self):
        super().setUp()
        # The rows each examiner's lists must hold: their group's, and nothing else.
        self.own = self.rows(self.first, self.second)
        self.theirs = self.rows(self.elsewhere)

    def rows(self, *deliveries):
        group = deliveries[0].assignment_group
        return {
            Assignment: {group.assignment_id},
            AssignmentGroup: {group.pk},
            Delivery: {d.pk for d in deliveries},
            FileMeta: set(FileMeta.objects.filter(delivery__in=deliveries).values_list("pk", flat=True)),
        }

    def url(self, model, view, *args):
        return reverse(f"admin:deliveries_{model._meta.model_name}_{view}", args=args)

    def assert_nothing_of(self, content, subject, filename):
        """Nothing names another group's subject (so its periods, assignments, groups) or its file."""
        self.assertNotIn(subject.encode(), content)
        self.assertNotIn(filename.encode(), content)

    def test_lists_hold_exactly_their_groups(self):
        """Each list (and its raw-id pop-up) shows the examiner's own rows, and no name of another group's."""
        for user, rows, foreign in [
            (self.examiner, self.own, (OTHER_SUBJECT, OTHER_FILE)),
            (self.other_examiner, self.theirs, ("who-subject", "secret.txt")),
        ]:
            client = self.client_for(user)
            for model in self.MODELS:
                for query in ("", "?_popup=1&_to_field=id", "?all=", "?q=a"):
                    with self.subTest(user=user.username, model=model.__name__, query=query):
                        response = client.get(self.url(model, "changelist") + query)
                        self.assertEqual(response.status_code, 200)
                        shown = {obj.pk for obj in response.context["cl"].result_list}
                        if query == "?q=a":
                            self.assertLessEqual(shown, rows[model])
                        else:
                            self.assertEqual(shown, rows[model])
                        self.assert_nothing_of(body(response), *foreign)
                        self.assert_no_bytes(body(response))

    def test_filters_offer_only_their_parents(self):
        """The subject, period and assignment filters offer the examiner's own, also when asked for another's."""
        third = make_delivery("third").assignment_group  # a second group: filters show from two choices
        third.examiners.add(self.examiner)
        mine = [self.group.assignment, third.assignment]
        expected = {
            "subject": {a.period.subject_id for a in mine},
            "period": {a.period_id for a in mine},
            "assignment": {a.pk for a in mine},
        }
        # Each list asked for the other group's period or assignment by its filter's own parameter.
        other = self.elsewhere.assignment_group.assignment
        lookup = {
            Assignment: f"period__id__exact={other.period_id}",
            AssignmentGroup: f"assignment__id__exact={other.pk}",
            Delivery: f"assignment_group__assignment__id__exact={other.pk}",
            FileMeta: f"delivery__assignment_group__assignment__id__exact={other.pk}",
        }
        client = self.client_for(self.examiner)
        for model in self.MODELS:
            for query in ("", f"?{lookup[model]}"):
                with self.subTest(model=model.__name__, query=query):
                    response = client.get(self.url(model, "changelist") + query)
                    self.assertEqual(response.status_code, 200)
                    choices = {
                        spec.title: {pk for pk, _ in spec.lookup_choices}
                        for spec in response.context["cl"].filter_specs
                        if spec.title in expected
                    }
                    self.assertGreaterEqual(len(choices), 2)
                    self.assertEqual(choices, {title: expected[title] for title in choices})
                    self.assert_nothing_of(body(response), OTHER_SUBJECT, OTHER_FILE)
                    if query:
                        self.assertEqual(list(response.context["cl"].result_list), [])

    def test_pages(self):
        """Their own objects' pages and histories open; another group's are a 404, as a missing id."""
        theirs = {model: next(iter(pks)) for model, pks in self.theirs.items()}
        own = {model: min(pks) for model, pks in self.own.items()}
        client = self.client_for(self.examiner)
        for model in self.MODELS:
            for view in ("change", "history"):
                with self.subTest(model=model.__name__, view=view):
                    response = client.get(self.url(model, view, own[model]))
                    self.assertEqual(response.status_code, 200)
                    self.assert_nothing_of(body(response), OTHER_SUBJECT, OTHER_FILE)
                    refused = client.get(self.url(model, view, theirs[model]))
                    self.assertEqual(refused.status_code, 404)
                    self.assert_nothing_of(body(refused), OTHER_SUBJECT, OTHER_FILE)

    def test_no_changes_they_do_not_hold(self):
        """Examining grants no add, change or delete: the pages are read-only and posts are refused."""
        client = self.client_for(self.examiner)
        page = client.get(self.url(Delivery, "change", self.first.pk))
        self.assertNotContains(page, 'name="_save"')
        self.assertEqual(client.post(self.url(Delivery, "change", self.first.pk), {"successful": ""}).status_code, 403)
        self.assertEqual(
            client.post(self.url(AssignmentGroup, "change", self.group.pk), {"name": "x"}).status_code, 403
        )
        self.assertEqual(client.post(self.url(FileMeta, "delete", self.secret.pk), {"post": "yes"}).status_code, 403)
        self.assertEqual(client.get(self.url(Assignment, "add")).status_code, 403)
        self.first.refresh_from_db()
        self.group.refresh_from_db()
        self.assertEqual((self.first.successful, self.group.name), (True, "g"))
        self.assert_all_present()

    def test_admin_index(self):
        """An examiner's index has the Deliveries section with just the four models of hand-ins."""
        for path in (reverse("admin:index"), reverse("admin:app_list", args=["deliveries"])):
            with self.subTest(path=path):
                response = self.client_for(self.examiner).get(path)
                self.assertEqual(response.status_code, 200)
                models = {m["object_name"] for app in response.context["app_list"] for m in app["models"]}
                self.assertEqual(models, {"Assignment", "AssignmentGroup", "Delivery", "FileMeta"})
        nobody = self.client_for(make_user("no-groups")).get(reverse("admin:index"))
        self.assertEqual(nobody.context["app_list"], [])

    def test_autocomplete(self):
        """The admin's autocomplete answers an examiner with their own groups, deliveries and assignments only."""
        cases = [
            ("delivery", "assignment_group", {str(self.group.pk)}),
            ("filemeta", "delivery", {str(self.first.pk), str(self.second.pk)}),
            ("assignmentgroup", "assignment", {str(self.group.assignment_id)}),
        ]
        client = self.client_for(self.examiner)
        for model_name, field_name, expected in cases:
            with self.subTest(source=model_name, field=field_name):
                response = client.get(
                    reverse("admin:autocomplete"),
                    {"app_label": "deliveries", "model_name": model_name, "field_name": field_name, "term": ""},
                )
                self.assertEqual(response.status_code, 200)
                self.assertEqual({row["id"] for row in response.json()["results"]}, expected)
                self.assert_nothing_of(body(response), OTHER_SUBJECT, OTHER_FILE)

    def test_holders_of_the_permissions_see_everything(self):
        """Superusers, and staff with the view permissions who examine a group, see every group's rows."""
        examining_viewer = make_examiner(
            "examining-viewer",
            self.group,
            perms=["view_assignment", "view_assignmentgroup", "view_delivery", "view_filemeta"],
        )
        for user in (self.roles["superuser"][0], examining_viewer):
            client = self.client_for(user)
            for model in self.MODELS:
                with self.subTest(user=user.username, model=model.__name__):
                    response = client.get(self.url(model, "changelist"))
                    shown = {obj.pk for obj in response.context["cl"].result_list}
                    self.assertEqual(shown, self.own[model] | self.theirs[model])
            download = client.get(reverse("admin:deliveries_filemeta_download", args=[self.elsewhere_file.pk]))
            self.assertEqual(download.status_code, 200)


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

        group = self.second.assignment_group

        def handed_in():
            self.assertTrue(Delivery.objects.filter(assignment_group=self.first.assignment_group, number=3).exists())

        def extension_set():
            group.refresh_from_db()
            self.assertEqual(group.deadline.year, 2030)

        # Deliveries are records (their change form is refused); a group's extension is what changes.
        group_form = {
            "assignment": group.assignment_id,
            "name": group.name,
            "deadline_0": "2030-01-01",
            "deadline_1": "12:00:00",
            "candidate_set-TOTAL_FORMS": 0,
            "candidate_set-INITIAL_FORMS": 0,
            "deliveries-TOTAL_FORMS": group.deliveries.count(),
            "deliveries-INITIAL_FORMS": group.deliveries.count(),
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
                "group: extension",
                reverse("admin:deliveries_assignmentgroup_change", args=[group.pk]),
                group_form,
                extension_set,
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
            (
                "group: hand in",
                reverse("admin:deliveries_assignmentgroup_deliver", args=[self.first.assignment_group_id]),
                {"files": [SimpleUploadedFile("late.txt", b"mailed in")]},
                handed_in,
            ),
        ]

    def snapshot(self):
        """Everything these requests could change: rows, statuses, the deliveries' fields, the stored bytes."""
        return (
            sorted(FileMeta.objects.values_list("pk", "status", "verified_at")),
            sorted(Delivery.objects.values_list("pk", "successful", "number", "assignment_group_id")),
            sorted(AssignmentGroup.objects.values_list("pk", "deadline")),
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
                response = client.post(url, data)
                self.assertEqual(response.status_code, 302, body(response)[:2000])
                check()
