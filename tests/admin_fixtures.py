"""Shared set-up for the admin tests: a memory store, users of every kind, and sample files."""

import io

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from deliveries.models import Delivery, FileMeta
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


class AdminFixtureMixin:
    """
    A fresh MemoryDeliveryStore per test, and: ``superuser``, ``viewer`` (staff, view permission
    on files and deliveries), ``nobody`` (staff without permissions), ``first``/``second`` (two
    deliveries of one group) with a .py, a .txt, a .png and a .bin file.
    """

    def setUp(self):
        super().setUp()
        self.store = self.enterContext(swap_deliverystore(FileMeta, MemoryDeliveryStore()))
        self.superuser = make_user("root", superuser=True)
        self.viewer = make_user("viewer", perms=["view_filemeta", "view_delivery"])
        self.nobody = make_user("nobody")
        self.first = make_delivery("adm")
        self.py = self.first.add_file("hello.py", [PYTHON_SOURCE])
        self.txt = self.first.add_file("notes.txt", ["first line\nsecond line\n"])
        self.png = self.first.add_file("photo.png", [png_bytes()])
        self.bin = self.first.add_file("data.bin", [bytes(range(256)) * 20])
        self.first.finish()
        self.second = Delivery.begin(self.first.assignment_group, self.first.delivered_by)
        self.second.add_file("hello.py", [PYTHON_SOURCE.replace("Hello", "Goodbye")])
        self.second.add_file("notes.txt", ["first line\nsecond line\n"])
        self.second.add_file("extra.md", ["# New\n"])
        self.second.finish()

    def login(self, user):
        self.client.force_login(user)

    def content(self, response):
        """The body of any response, streamed or not."""
        return b"".join(response.streaming_content) if response.streaming else response.content
