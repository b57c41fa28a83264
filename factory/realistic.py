"""
Realistic values for demos and screenshots: ``Factory(realistic=True, seed=N)``.

String fields whose names say what they hold (``first_name``, ``city``, ``email``, ``title``,
``description``...) and every EmailField and URLField get values from Faker, seeded with the
factory's seed (0 without one), so the same seed gives the same values. A value that does not fit
(too long, refused by a validator) gives way to the plain generator's; a field in a unique set
gets the counter appended, so values stay unique. Choices, defaults, hooks and constraints apply
as always. Needs Faker (``pip install Faker``).
"""

import re

from django.db import models

from . import generators
from .exceptions import FactoryError

# Field-name words -> a Faker method producing such a value (first match wins).
HINTS = [
    (("first_name", "given_name", "firstname"), "first_name"),
    (("last_name", "family_name", "surname", "lastname"), "last_name"),
    (("username", "user_name", "login", "handle", "nick"), "user_name"),
    (("email", "mail"), "email"),
    (("url", "website", "homepage", "site", "link"), "url"),
    (("street", "address"), "street_address"),
    (("city", "town"), "city"),
    (("country",), "country"),
    (("zip", "postcode", "postal"), "postcode"),
    (("phone", "mobile", "fax"), "phone_number"),
    (("company", "organisation", "organization", "employer"), "company"),
    (("job", "occupation", "profession"), "job"),
    (("slug",), "slug"),
    (("title", "headline", "subject", "label", "caption"), "_title"),
    (("description", "bio", "body", "text", "content", "comment", "notes", "summary", "message"), "_text"),
    (("name", "author", "owner", "person"), "name"),
]


def faker_for(seed):
    """A Faker seeded with ``seed``, or FactoryError saying how to install it."""
    try:
        from faker import Faker
    except ImportError:
        raise FactoryError("Factory(realistic=True) needs Faker, which is not installed: pip install Faker.") from None
    fake = Faker()
    fake.seed_instance(seed)
    return fake


def hint(field):
    """The Faker method for ``field``'s name, its kind for Email/URL fields, or None."""
    if isinstance(field, models.EmailField):
        return "email"
    if isinstance(field, models.URLField):
        return "url"
    words = set(re.split(r"[_\W]+", field.name.lower())) | {field.name.lower()}
    for names, method in HINTS:
        if words & set(names):
            return method
    return None


def realistic(plain):
    """A generator that tries a Faker value for the field, else ``plain(field, factory)``."""

    def generate(field, factory):
        method = factory.memo(field, lambda f, _factory: hint(f))
        if method is None:
            return plain(field, factory)
        value = _draw(factory.faker, method, field)
        if factory.is_unique(field):
            value = _numbered(value, method, factory.sequence(field))
        low, high = factory.memo(field, generators.length_limits)
        if high is not None and len(value) > high and method in ("_title", "_text"):
            value = _shorten(value, high)
        if len(value) < low or (high is not None and len(value) > high):
            return plain(field, factory)
        if factory.needs_check(field) or method in ("email", "url", "slug"):
            try:
                field.run_validators(value)
            except Exception:
                return plain(field, factory)
        return value

    generate.plain = plain
    return generate


def _draw(fake, method, field):
    if method == "_title":
        return fake.sentence(nb_words=4).rstrip(".")
    if method == "_text":
        return fake.paragraph(nb_sentences=3) if isinstance(field, models.TextField) else fake.sentence()
    return str(getattr(fake, method)())


def _shorten(text, limit):
    """Whole words of ``text`` up to ``limit`` characters ("" if the first word is longer)."""
    words, out = text.rstrip(".").split(), ""
    for word in words:
        if len(out) + len(word) + (1 if out else 0) > limit:
            break
        out = f"{out} {word}" if out else word
    return out


def _numbered(value, method, n):
    """``value`` made unique by the counter, where a reader would expect it."""
    if method == "email":
        local, _, domain = value.partition("@")
        return f"{local}{n}@{domain}"
    if method == "url":
        return f"{value.rstrip('/')}/{n}"
    if method in ("slug", "user_name"):
        return f"{value}-{n}" if method == "slug" else f"{value}{n}"
    return f"{value} {n}"


def realistic_mapping(mapping):
    """``mapping`` with the string generators wrapped in ``realistic``."""
    wrapped = {}
    for cls, generator in mapping.items():
        if issubclass(cls, (models.CharField, models.TextField)):
            wrapped[cls] = realistic(generator)
        else:
            wrapped[cls] = generator
    return wrapped
