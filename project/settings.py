"""
Settings for the Deliverystore project.

Every value that differs between machines is read here, once, from the environment or an
optional ``.env`` file beside ``manage.py`` (django-environ). ``.env.example`` documents each one.
The defaults are safe for a developer's machine; production sets ``DEBUG=off`` and a real
``SECRET_KEY`` (the project refuses to start without one when ``DEBUG`` is off).
"""

import zoneinfo
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"  # local state (SQLite, store, logs); gitignored
VAR_DIR.mkdir(exist_ok=True)


class Env(environ.Env):
    """django-environ, turning a value of the wrong type into a message that names the variable."""

    def get_value(self, var, cast=None, default=environ.Env.NOTSET, parse_default=False):
        try:
            return super().get_value(var, cast=cast, default=default, parse_default=parse_default)
        except ValueError as e:
            raise ImproperlyConfigured(
                f"{var}={self.ENVIRON.get(var)!r} is not valid: {e}. Fix {var} in the environment or .env."
            ) from e

    def octal(self, var, default):
        """A file mode such as 0640."""
        value = self.str(var, default=default)
        try:
            return int(value, 8)
        except ValueError as e:
            raise ImproperlyConfigured(f"{var}={value!r} is not an octal file mode such as 0640. Fix {var}.") from e

    def absolute_path(self, var, default):
        """
        A path that means the same wherever the process starts: empty (which would be the current
        directory, the checkout itself) and relative values are refused.
        """
        value = self.str(var, default=str(default)).strip()
        if not value:
            raise ImproperlyConfigured(
                f"{var} is empty, which would mean the current directory. Set {var} to an absolute path "
                "(e.g. /srv/deliverystore), or leave it out for the default."
            )
        if not Path(value).is_absolute():
            raise ImproperlyConfigured(
                f"{var}={value!r} is relative, so it would depend on the directory the process starts in. "
                f"Set {var} to an absolute path."
            )
        return Path(value)

    def time_zone(self, var, default):
        """An IANA time zone name such as Europe/Oslo."""
        value = self.str(var, default=default)
        try:
            zoneinfo.ZoneInfo(value)
        except (ValueError, zoneinfo.ZoneInfoNotFoundError) as e:
            raise ImproperlyConfigured(
                f"{var}={value!r} is not a time zone. Set {var} to an IANA name such as UTC or Europe/Oslo."
            ) from e
        return value

    def database(self, var, default):
        try:
            config = self.db(var, default=default)
            config["ENGINE"]
        except (KeyError, ValueError) as e:
            raise ImproperlyConfigured(
                f"{var}={self.ENVIRON.get(var)!r} is not a database URL django-environ understands "
                "(e.g. sqlite:///var/db.sqlite3 or postgres://user:password@host:5432/name)."
            ) from e
        return config


env = Env()
Env.read_env(BASE_DIR / ".env")  # a missing file is fine: the environment wins anyway

DEBUG = env.bool("DEBUG", default=True)

# A local default only while DEBUG is on; a deployment must bring its own key.
if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-local-development-key-only")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="")
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off, set SECRET_KEY in the environment or in .env "
            "(for example: python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "project.apps.DeliverystoreAdminConfig",  # django.contrib.admin with its site (project/apps.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_extensions",
    "django_tasks_db",
    "deliveries",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "project.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# The admin's pages may load scripts, styles, images and fonts from this site only: no inline
# script at all, an inline <style> only with the request's nonce (Django's change list has one;
# the file pages' highlighting styles are another), no plugin, no other site. A response that
# carries stored bytes sets its own stricter policy (a sandbox; deliveries/serving/headers.py),
# which the middleware leaves as it is.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

WSGI_APPLICATION = "project.wsgi.application"
ASGI_APPLICATION = "project.asgi.application"

DATABASES = {
    "default": env.database("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so concurrent writers wait for it
    # (up to the timeout) instead of failing with "database is locked" half way through.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": env.int("SQLITE_TIMEOUT", default=30)}
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.time_zone("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")

# --- Security: safe defaults in production, each overridable from the environment -------------
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("SECURE_PROXY_SSL_HEADER", default=False) else None
)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- The DeliveryStore ---------------------------------------------------------------------------
# Which backend keeps the bytes of every FileMeta, and its options. Each backend reads the
# settings that concern it as the defaults of its constructor keywords (deliveries/stores/).
DELIVERY_STORE_BACKEND = env.str("DELIVERY_STORE_BACKEND", default="deliveries.stores.FsDeliveryStore")
# FsDeliveryStore
DELIVERY_STORE_ROOT = env.absolute_path("DELIVERY_STORE_ROOT", default=VAR_DIR / "deliverystore")
DELIVERY_STORE_FSYNC = env.bool("DELIVERY_STORE_FSYNC", default=True)
DELIVERY_STORE_FILE_MODE = env.octal("DELIVERY_STORE_FILE_MODE", default="0640")
DELIVERY_STORE_DIR_MODE = env.octal("DELIVERY_STORE_DIR_MODE", default="0750")
# DbmDeliveryStore
DELIVERY_STORE_DBM_FILENAME = env.absolute_path("DELIVERY_STORE_DBM_FILENAME", default=VAR_DIR / "deliverystore.dbm")
# S3DeliveryStore (AWS S3 or any S3-compatible server; see README "Running on several machines")
DELIVERY_STORE_S3_BUCKET = env.str("DELIVERY_STORE_S3_BUCKET", default="")
DELIVERY_STORE_S3_PREFIX = env.str("DELIVERY_STORE_S3_PREFIX", default="")
DELIVERY_STORE_S3_ENDPOINT_URL = env.str("DELIVERY_STORE_S3_ENDPOINT_URL", default="")
DELIVERY_STORE_S3_REGION = env.str("DELIVERY_STORE_S3_REGION", default="")
# Both keys, or neither for boto3's usual chain (AWS_* environment, ~/.aws, instance roles)
DELIVERY_STORE_S3_ACCESS_KEY_ID = env.str("DELIVERY_STORE_S3_ACCESS_KEY_ID", default="")
DELIVERY_STORE_S3_SECRET_ACCESS_KEY = env.str("DELIVERY_STORE_S3_SECRET_ACCESS_KEY", default="")
DELIVERY_STORE_S3_ADDRESSING_STYLE = env.str("DELIVERY_STORE_S3_ADDRESSING_STYLE", default="path")
DELIVERY_STORE_S3_SIGNATURE_VERSION = env.str("DELIVERY_STORE_S3_SIGNATURE_VERSION", default="s3v4")
# "sha256": checksum headers on every upload; "off" for servers that reject checksum headers
DELIVERY_STORE_S3_CHECKSUMS = env.str("DELIVERY_STORE_S3_CHECKSUMS", default="sha256")
DELIVERY_STORE_S3_PART_SIZE = env.int("DELIVERY_STORE_S3_PART_SIZE", default=8 * 1024 * 1024)
DELIVERY_STORE_S3_UPLOAD_THREADS = env.int("DELIVERY_STORE_S3_UPLOAD_THREADS", default=4)
DELIVERY_STORE_S3_CREATE_ONLY = env.bool("DELIVERY_STORE_S3_CREATE_ONLY", default=False)
DELIVERY_STORE_S3_CONNECT_TIMEOUT = env.float("DELIVERY_STORE_S3_CONNECT_TIMEOUT", default=5.0)
DELIVERY_STORE_S3_READ_TIMEOUT = env.float("DELIVERY_STORE_S3_READ_TIMEOUT", default=60.0)
DELIVERY_STORE_S3_MAX_ATTEMPTS = env.int("DELIVERY_STORE_S3_MAX_ATTEMPTS", default=3)
# Admin downloads of files of at least PRESIGNED_MIN_SIZE bytes redirect to a presigned URL valid
# PRESIGNED_EXPIRES seconds, when on and the store can sign one (S3DeliveryStore); else they stream.
DELIVERY_STORE_PRESIGNED_DOWNLOADS = env.bool("DELIVERY_STORE_PRESIGNED_DOWNLOADS", default=False)
DELIVERY_STORE_PRESIGNED_MIN_SIZE = env.int("DELIVERY_STORE_PRESIGNED_MIN_SIZE", default=8 * 1024 * 1024)
DELIVERY_STORE_PRESIGNED_EXPIRES = env.int("DELIVERY_STORE_PRESIGNED_EXPIRES", default=300)
# DjangoStorageDeliveryStore: the STORAGES alias that keeps the bytes, and a name prefix in it
DELIVERY_STORE_STORAGE_ALIAS = env.str("DELIVERY_STORE_STORAGE_ALIAS", default="deliveries")
DELIVERY_STORE_STORAGE_PREFIX = env.str("DELIVERY_STORE_STORAGE_PREFIX", default="deliveries")
# MirroredDeliveryStore: a primary and replicas, each {"backend": dotted path, "options": {...}} (JSON);
# MIN_COPIES copies a write needs (0: every copy); files up to VERIFY_AHEAD bytes are verified before
# a read returns their first byte (see docs/operations-repair.md)
DELIVERY_STORE_MIRROR_PRIMARY = env.json("DELIVERY_STORE_MIRROR_PRIMARY", default=None)
DELIVERY_STORE_MIRROR_REPLICAS = env.json("DELIVERY_STORE_MIRROR_REPLICAS", default=None)
DELIVERY_STORE_MIRROR_MIN_COPIES = env.int("DELIVERY_STORE_MIRROR_MIN_COPIES", default=0)
DELIVERY_STORE_MIRROR_VERIFY_AHEAD = env.int("DELIVERY_STORE_MIRROR_VERIFY_AHEAD", default=1024 * 1024)
# DatabaseDeliveryStore and every streaming backend: bytes per chunk
DELIVERY_STORE_CHUNK_SIZE = env.int("DELIVERY_STORE_CHUNK_SIZE", default=1024 * 1024)

# --- Hand-ins through the admin (a group's "Hand in files" page) -------------------------------
# What one hand-in may hold: the largest file, the number of files, and their total, in bytes.
# A file that breaks a limit is refused with a message, and then nothing of that hand-in is kept.
DELIVERY_UPLOAD_MAX_FILE_SIZE = env.int("DELIVERY_UPLOAD_MAX_FILE_SIZE", default=1024 * 1024 * 1024)
DELIVERY_UPLOAD_MAX_FILES = env.int("DELIVERY_UPLOAD_MAX_FILES", default=100)
DELIVERY_UPLOAD_MAX_TOTAL_SIZE = env.int("DELIVERY_UPLOAD_MAX_TOTAL_SIZE", default=2 * 1024 * 1024 * 1024)
# Django reads a request of at most FILE_UPLOAD_MAX_MEMORY_SIZE bytes (2.5 MB) into memory and
# spools anything bigger to a temporary file in FILE_UPLOAD_TEMP_DIR (the system's temporary
# directory when empty): point it at a disk with room for DELIVERY_UPLOAD_MAX_TOTAL_SIZE, not a
# tmpfs, which would hold uploads in memory after all.
FILE_UPLOAD_TEMP_DIR = env.str("FILE_UPLOAD_TEMP_DIR", default="") or None
# Django refuses a request with more files than this outright; the hand-in page names each file
# over DELIVERY_UPLOAD_MAX_FILES itself, so Django's cap must not be lower.
DATA_UPLOAD_MAX_NUMBER_FILES = max(100, DELIVERY_UPLOAD_MAX_FILES)

# --- Previews: the budget of every preview (docs/guarantees.md) ---------------------------------
# Highlighting, image decoding, PDF drawing, notebooks and diffs run in a worker process that is
# killed after PREVIEW_TIME_LIMIT seconds and may use at most PREVIEW_MEMORY_LIMIT bytes.
PREVIEW_TIME_LIMIT = env.float("PREVIEW_TIME_LIMIT", default=5.0)
PREVIEW_MEMORY_LIMIT = env.int("PREVIEW_MEMORY_LIMIT", default=512 * 1024 * 1024)
# Decoded pixels of one image (width x height x bytes a pixel); larger images are not previewed
PREVIEW_IMAGE_MAX_BYTES = env.int("PREVIEW_IMAGE_MAX_BYTES", default=96 * 1024 * 1024)
# PDFs and notebooks larger than these are shown as hex; PDF pages drawn per page view
PREVIEW_PDF_MAX_BYTES = env.int("PREVIEW_PDF_MAX_BYTES", default=64 * 1024 * 1024)
PREVIEW_PDF_PAGES = env.int("PREVIEW_PDF_PAGES", default=3)
PREVIEW_NOTEBOOK_MAX_BYTES = env.int("PREVIEW_NOTEBOOK_MAX_BYTES", default=16 * 1024 * 1024)

# --- Background work (django.tasks) ---------------------------------------------------------------
# Tasks are rows in the database (django-tasks-db); `manage.py db_worker` runs them, beside the web
# server (`make run` starts one). Verifying more files than BACKGROUND_VERIFY_ABOVE at once is a
# task; fewer are verified in the request. A task still waiting after WORKER_WAIT seconds makes
# its progress page say that no worker seems to be running.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
DELIVERY_BACKGROUND_VERIFY_ABOVE = env.int("DELIVERY_BACKGROUND_VERIFY_ABOVE", default=100)
DELIVERY_WORKER_WAIT = env.int("DELIVERY_WORKER_WAIT", default=30)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "deliveries": {"handlers": ["console"], "level": env.str("DELIVERIES_LOG_LEVEL", default="INFO")},
    },
}
