"""
Settings for the Deliverystore project.

Every value that differs between machines is read here, once, from the environment or an
optional ``.env`` file beside ``manage.py`` (django-environ). ``.env.example`` documents each one.
The defaults are safe for a developer's machine; production sets ``DEBUG=off`` and a real
``SECRET_KEY`` (the project refuses to start without one when ``DEBUG`` is off).
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

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
    "django.contrib.admin",
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

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
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
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
DELIVERY_STORE_ROOT = env.path("DELIVERY_STORE_ROOT", default=VAR_DIR / "deliverystore")
DELIVERY_STORE_FSYNC = env.bool("DELIVERY_STORE_FSYNC", default=True)
DELIVERY_STORE_FILE_MODE = env.octal("DELIVERY_STORE_FILE_MODE", default="0640")
DELIVERY_STORE_DIR_MODE = env.octal("DELIVERY_STORE_DIR_MODE", default="0750")
# DbmDeliveryStore
DELIVERY_STORE_DBM_FILENAME = env.path("DELIVERY_STORE_DBM_FILENAME", default=VAR_DIR / "deliverystore.dbm")
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
# DatabaseDeliveryStore and every streaming backend: bytes per chunk
DELIVERY_STORE_CHUNK_SIZE = env.int("DELIVERY_STORE_CHUNK_SIZE", default=1024 * 1024)

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
