"""Settings for the test suite: the project's, plus the test apps, fast hashing, a memory store."""

import os
import tempfile

from project.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS]  # noqa: F405

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Tests pick their store explicitly; the default is one that touches no disk.
DELIVERY_STORE_BACKEND = "deliveries.stores.MemoryDeliveryStore"
DELIVERY_STORE_ROOT = os.path.join(tempfile.gettempdir(), f"deliverystore-tests-{os.getpid()}")

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not ":memory:": tests that run threads or child processes need to share the database.
    test_database = os.path.join(tempfile.gettempdir(), f"deliverystore-test-{os.getpid()}.sqlite3")
    DATABASES["default"]["TEST"] = {"NAME": test_database}  # noqa: F405

# factory/'s test models (tests/factoryapp), and a second database for its `_using=` tests: always
# a SQLite file, also when DATABASE_URL points the default database at PostgreSQL.
INSTALLED_APPS += ["tests.factoryapp"]
# The app label of the models the examples in docs/ define (tests/test_docs.py); no tables of its own.
INSTALLED_APPS += ["tests.docsapp"]
# tests.factoryapp.Article.nullable_tags: django_factory reads null=True on an M2M as "none".
SILENCED_SYSTEM_CHECKS = ["fields.W340"]
DATABASES["other"] = {  # noqa: F405
    "ENGINE": "django.db.backends.sqlite3",
    "NAME": os.path.join(tempfile.gettempdir(), f"deliverystore-other-{os.getpid()}.sqlite3"),
    "TEST": {"NAME": os.path.join(tempfile.gettempdir(), f"deliverystore-test-other-{os.getpid()}.sqlite3")},
}
