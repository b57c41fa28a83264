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
"""

from django.conf import settings
from django.core import checks

from .stores import InvalidStoreError, import_backend, load_deliverystore_backend


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
