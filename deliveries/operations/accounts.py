"""The first superuser, for `make run`."""

import os
import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model


@dataclass
class SuperuserResult:
    username: str
    created: bool
    generated_password: str | None = None


def ensure_superuser(username=None, password=None):
    """
    Create a superuser unless one exists. The password is ``password``, else
    ``DJANGO_SUPERUSER_PASSWORD``, else a random one returned in the result (to print once).
    """
    User = get_user_model()
    existing = User.objects.filter(is_superuser=True).order_by("pk").first()
    if existing is not None:
        return SuperuserResult(existing.get_username(), created=False)
    username = username or os.environ.get("DJANGO_SUPERUSER_USERNAME") or "admin"
    password = password or os.environ.get("DJANGO_SUPERUSER_PASSWORD")
    generated = None
    if not password:
        password = generated = secrets.token_urlsafe(12)
    User.objects.create_superuser(
        username=username, email=os.environ.get("DJANGO_SUPERUSER_EMAIL", ""), password=password
    )
    return SuperuserResult(username, created=True, generated_password=generated)
