"""
System checks for the DeliveryStore (``manage.py check``). Static: they build the store and read
the facts it reports about where it writes (``health_facts``), but never write and never reach
over the network (``checkstore --probe`` does).

deliveries.E001  DELIVERY_STORE_BACKEND does not import, or is not a store class.
deliveries.E002  The backend refuses its options.
deliveries.E003  The place the store writes to is not writable and cannot be made so by the store
                 (a root that is a file, a directory this process may not write to, a missing
                 STORAGES alias, ...); for a MirroredDeliveryStore, the place of any of its copies.
deliveries.E004  A hand-in limit (DELIVERY_UPLOAD_MAX_*) is not a whole number above 0.
deliveries.E005  A path setting of the store (DELIVERY_STORE_ROOT, DELIVERY_STORE_DBM_FILENAME) is
                 relative: it would mean a place below whichever directory the process starts in.
                 (An empty one is E002: the store needs it.)
"""

import os

from django.conf import settings
from django.core import checks

from .stores import InvalidStoreError, import_backend, load_deliverystore_backend
from .stores.base import absolute_path


@checks.register(checks.Tags.files)
def check_deliverystore(app_configs=None, **kwargs):
    try:
        import_backend(settings.DELIVERY_STORE_BACKEND)
    except InvalidStoreError as e:
        return [checks.Error(str(e), hint="Set DELIVERY_STORE_BACKEND.", id="deliveries.E001")]
    cls = import_backend(settings.DELIVERY_STORE_BACKEND)
    relative = _relative_path_settings(cls)
    if relative:
        return relative
    try:
        store = load_deliverystore_backend()
    except InvalidStoreError as e:
        return [
            checks.Error(
                str(e),
                hint=f"Fix the DELIVERY_STORE_* settings of {settings.DELIVERY_STORE_BACKEND}.",
                id="deliveries.E002",
            )
        ]
    errors = []
    for copy in store.copies():  # a mirrored store: the primary's and every replica's
        facts = copy.store.health_facts()
        if facts.writable is not False:
            continue
        if copy.name:  # its options are in the mirror's settings, not the backend's own
            which = "PRIMARY" if copy.name == "primary" else "REPLICAS"
            message = f"{store.describe()}: the {copy.name}, {copy.store.describe()}: {facts.problem}"
            hint = f"Set the {copy.name}'s options in DELIVERY_STORE_MIRROR_{which}."
        else:
            message = f"{store.describe()}: {facts.problem}"
            hint = f"Set {facts.setting}." if facts.setting else None
        errors.append(checks.Error(message, hint=hint, id="deliveries.E003"))
    return errors


@checks.register()
def check_upload_limits(app_configs=None, **kwargs):
    errors = []
    for setting in ("DELIVERY_UPLOAD_MAX_FILE_SIZE", "DELIVERY_UPLOAD_MAX_FILES", "DELIVERY_UPLOAD_MAX_TOTAL_SIZE"):
        value = getattr(settings, setting)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            errors.append(
                checks.Error(
                    f"{setting} = {value!r}: a hand-in limit must be a whole number above 0 (bytes, or files).",
                    hint=f"Set {setting}, or leave it out for its default.",
                    id="deliveries.E004",
                )
            )
    return errors


def _relative_path_settings(cls):
    """E005 for each path option of ``cls`` whose setting is relative (empty ones are E002's)."""
    errors = []
    for option in cls.options.values():
        if option.clean is not absolute_path or option.setting is None:
            continue
        value = getattr(settings, option.setting, None)
        if value is None or not os.fspath(value):
            continue  # not set or empty: the option's own "required" refusal (E002) says so
        if not os.path.isabs(value):
            errors.append(
                checks.Error(
                    f"{option.setting}={os.fspath(value)!r} is relative: it would mean a place below whichever "
                    "directory the process starts in.",
                    hint=f"Set {option.setting} to an absolute path.",
                    id="deliveries.E005",
                )
            )
    return errors
