"""Build the configured DeliveryStore: dotted path + options -> instance."""

import contextlib
import inspect

from django.conf import settings
from django.utils.module_loading import import_string

from .base import DeliveryStoreInterface, InvalidStoreError

__all__ = ["load_deliverystore_backend", "import_backend"]


def import_backend(dotted_path):
    """Import a store class from its dotted path, or raise InvalidStoreError saying what to set."""
    try:
        cls = import_string(dotted_path)
    except ImportError as e:
        raise InvalidStoreError(
            f"DELIVERY_STORE_BACKEND {dotted_path!r} does not import ({e}). Set DELIVERY_STORE_BACKEND to the "
            "dotted path of a store class, e.g. 'deliveries.stores.FsDeliveryStore'."
        ) from e
    if not (inspect.isclass(cls) and issubclass(cls, DeliveryStoreInterface)):
        raise InvalidStoreError(
            f"DELIVERY_STORE_BACKEND {dotted_path!r} is not a DeliveryStoreInterface subclass. Set it to a store class."
        )
    return cls


def load_deliverystore_backend(backend=None, **options):
    """
    Return a new store: ``backend`` (a dotted path, default ``DELIVERY_STORE_BACKEND``) built with
    ``options`` as keywords; options left out take their defaults from settings.
    """
    dotted_path = backend or settings.DELIVERY_STORE_BACKEND
    cls = import_backend(dotted_path)
    try:
        return cls(**options)
    except InvalidStoreError:
        raise  # the stores' own refusals name the backend and the option
    except (TypeError, ValueError) as e:
        # A store without an options table (a TypeError for an unknown keyword, say).
        raise InvalidStoreError(f"{cls.__name__} refuses its options {sorted(options)}: {e}") from e


class _ConfiguredStore:
    """
    The class attribute ``FileMeta.deliverystore``: built from settings on first use, rebuilt
    after ``override_settings`` changes a ``DELIVERY_STORE_*`` setting. Tests may assign another
    store to ``FileMeta.deliverystore`` (as in Devilry) or use ``swap_deliverystore``.
    """

    def __init__(self):
        self._store = None

    def __get__(self, instance, owner):
        if self._store is None:
            self._store = load_deliverystore_backend()
        return self._store

    def reset(self, **kwargs):
        self._store = None


configured_store = _ConfiguredStore()


@contextlib.contextmanager
def swap_deliverystore(model, store):
    """Use ``store`` as ``model.deliverystore`` inside the ``with`` block, then put the old one back."""
    old = model.__dict__["deliverystore"]
    model.deliverystore = store
    try:
        yield store
    finally:
        model.deliverystore = old
