"""Build the configured DeliveryStore: dotted path + options -> instance."""

import contextlib
import inspect

from django.conf import settings
from django.utils.module_loading import import_string

from .base import DeliveryStoreInterface, InvalidStoreError

__all__ = ["available_backends", "load_deliverystore_backend", "import_backend"]

SETTING = "DELIVERY_STORE_BACKEND"


def available_backends():
    """The dotted paths of the stores this project ships (``deliveries.stores.*DeliveryStore``), sorted."""
    from . import __all__ as names  # the package re-exports every backend; imported late (it imports us)

    return [f"deliveries.stores.{name}" for name in sorted(names) if name.endswith("DeliveryStore")]


def import_backend(dotted_path, chosen_by=SETTING):
    """
    Import a store class from its dotted path, or raise InvalidStoreError naming ``chosen_by`` (the
    setting, or the command-line flag, that named it) and the stores there are.
    """
    stores = ", ".join(available_backends())
    fix = f"Set {chosen_by} to one of" if chosen_by == SETTING else "Use one of"
    try:
        cls = import_string(dotted_path)
    except ImportError as e:
        raise InvalidStoreError(f"{chosen_by} {dotted_path!r} does not import ({e}). {fix}: {stores}.") from e
    if not (inspect.isclass(cls) and issubclass(cls, DeliveryStoreInterface)):
        raise InvalidStoreError(
            f"{chosen_by} {dotted_path!r} is not a DeliveryStoreInterface subclass. {fix}: {stores}."
        )
    return cls


def load_deliverystore_backend(backend=None, *, chosen_by=SETTING, **options):
    """
    Return a new store: ``backend`` (a dotted path, default ``DELIVERY_STORE_BACKEND``) built with
    ``options`` as keywords; options left out take their defaults from settings. ``chosen_by``
    names what chose the backend (a command-line flag, say) in the message of a backend that does
    not import.
    """
    dotted_path = backend or settings.DELIVERY_STORE_BACKEND
    cls = import_backend(dotted_path, chosen_by)
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
