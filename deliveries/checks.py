"""
System checks for the DeliveryStore (``manage.py check``). Static: they build the store and look
at its configuration and its root, but never reach over the network (``checkstore --probe`` does).

deliveries.E001  DELIVERY_STORE_BACKEND does not import, or is not a store class.
deliveries.E002  The backend refuses its options.
deliveries.E003  The store's root (or dbm file's directory) is missing or not writable; for a
                 MirroredDeliveryStore, each copy's.
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
    for copy in store.copies():  # a mirrored store: the primary's and every replica's
        for attribute, setting in (("root", "DELIVERY_STORE_ROOT"), ("filename", "DELIVERY_STORE_DBM_FILENAME")):
            path = getattr(copy.store, attribute, None)
            if path is None:
                continue
            if copy.name:
                which = "PRIMARY" if copy.name == "primary" else "REPLICAS"
                setting = f'the {copy.name}\'s "{attribute}" in DELIVERY_STORE_MIRROR_{which}'
            directory = path if attribute == "root" else os.path.dirname(path)
            problem = _writable_dir_problem(directory, setting)
            if problem:
                errors.append(checks.Error(problem, hint=f"Set {setting}.", id="deliveries.E003"))
    return errors
