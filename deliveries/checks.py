"""
System checks for the DeliveryStore (``manage.py check``). Static: they build the store and look
at its configuration and its root, but never reach over the network (``checkstore --probe`` does).

deliveries.E001  DELIVERY_STORE_BACKEND does not import, or is not a store class.
deliveries.E002  The backend refuses its options.
deliveries.E003  The store's root (or dbm file's directory) is missing or not writable.
deliveries.E004  A hand-in limit (DELIVERY_UPLOAD_MAX_*) is not a whole number above 0.
"""

import os

from django.conf import settings
from django.core import checks

from .stores import InvalidStoreError, import_backend, load_deliverystore_backend


def _writable_dir_problem(path, setting):
    # Walk up to the nearest existing directory: the store creates what is missing below it.
    probe = os.path.abspath(path)
    while not os.path.exists(probe):
        parent = os.path.dirname(probe)
        if parent == probe:
            break
        probe = parent
    if not os.path.isdir(probe):
        return f"{setting} = {str(path)!r} is not a directory ({probe!r} is a file). Set {setting} to a writable directory."
    if not os.access(probe, os.W_OK | os.X_OK):
        return f"{setting} = {str(path)!r} is not writable by this process ({probe!r}). Set {setting} to a writable directory or fix its permissions."
    return None


@checks.register(checks.Tags.files)
def check_deliverystore(app_configs=None, **kwargs):
    try:
        import_backend(settings.DELIVERY_STORE_BACKEND)
    except InvalidStoreError as e:
        return [checks.Error(str(e), hint="Set DELIVERY_STORE_BACKEND.", id="deliveries.E001")]
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
    for attribute, setting in (("root", "DELIVERY_STORE_ROOT"), ("filename", "DELIVERY_STORE_DBM_FILENAME")):
        path = getattr(store, attribute, None)
        if path is None:
            continue
        directory = path if attribute == "root" else os.path.dirname(path)
        problem = _writable_dir_problem(directory, setting)
        if problem:
            errors.append(checks.Error(problem, hint=f"Set {setting}.", id="deliveries.E003"))
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
