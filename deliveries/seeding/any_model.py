"""
Seed any installed model through the factory: ``manage.py seedfactory app.Model --count N field=value``.

Values arrive as the strings typed on the command line; each field converts its own, so a bad
value is refused with the field's own message before anything is written.
"""

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import DatabaseError, connections, router, transaction
from django.db.models import BooleanField, Max

from factory import Counters, Factory, FactoryError
from factory.counters import UNIQUE

from ..models import FileMeta
from .contents import ContentPool
from .demo import SeedError, remove_written

__all__ = ["CountersAfterExisting", "parse_field_values", "resolve_model", "seed_model"]


def resolve_model(label):
    """``app_label.Model`` -> the model class, or SeedError naming what exists."""
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        known = ", ".join(sorted(m._meta.label for m in apps.get_models()))
        raise SeedError(f"Unknown model {label!r}: use app_label.ModelName, one of: {known}.") from None


def _field(model, name):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        names = ", ".join(sorted(f.name for f in model._meta.get_fields() if f.concrete or f.many_to_many))
        raise SeedError(f"{model._meta.label} has no field {name!r}; its fields are: {names}.") from None


_BOOLEANS = {"true": True, "yes": True, "on": True, "1": True, "false": False, "no": False, "off": False, "0": False}


def _convert(field, raw):
    if isinstance(field, BooleanField) and raw.strip().lower() in _BOOLEANS:
        return _BOOLEANS[raw.strip().lower()]  # Django's to_python wants True/False/t/f/1/0 only
    try:
        return field.to_python(raw)
    except ValidationError as e:
        raise SeedError(
            f"Bad value {raw!r} for {field.model._meta.label}.{field.name}: {' '.join(e.messages)}"
        ) from None


def parse_field_values(model, values):
    """
    ``{"title": "Dune", "author": "3", "tags": "1,2", "author__name": "Frank"}`` (strings, as typed
    on the command line) -> keywords for the factory, each converted by its field. A foreign key
    takes the target's primary key, a many-to-many a comma-separated list of them, ``fk__field``
    a value for the target the factory creates.
    """
    attrs = {}
    for key, raw in values.items():
        name, _, rest = key.partition("__")
        field_ = _field(model, name)
        if rest:
            if not (field_.many_to_one or field_.one_to_one) or not field_.concrete:
                raise SeedError(f"{model._meta.label}.{name} is not a foreign key, so {key!r} names nothing.")
            nested = parse_field_values(field_.related_model, {rest: raw})
            attrs[key] = next(iter(nested.values()))
        elif field_.many_to_many:
            target_pk = field_.related_model._meta.pk
            attrs[name] = [_convert(target_pk, part) for part in raw.split(",") if part.strip()]
        elif field_.many_to_one or field_.one_to_one:
            if not field_.concrete:
                raise SeedError(f"{model._meta.label}.{name} is a reverse relation; set it from the other model.")
            attrs[field_.attname] = _convert(field_.target_field, raw)
        elif not field_.concrete:
            raise SeedError(f"{model._meta.label}.{name} cannot be set: it is a reverse relation.")
        else:
            attrs[name] = _convert(field_, raw)
    return attrs


class CountersAfterExisting(Counters):
    """
    The factory's counters, but each (model, field) sequence starts after the rows the model
    has already (its row count or highest integer primary key, whichever is larger), so rows
    seeded into a database that holds earlier seeds do not collide on unique values.
    """

    def __init__(self):
        super().__init__()
        self._offsets = {}

    def next(self, key=UNIQUE):
        return super().next(key) + self._offset(key)

    def _offset(self, key):
        if key not in self._offsets:
            self._offsets[key] = 0
            if isinstance(key, tuple) and len(key) == 2 and isinstance(key[0], str) and "." in key[0]:
                try:
                    model = apps.get_model(key[0])
                except LookupError:
                    return 0
                rows = model._base_manager.order_by()
                highest = (
                    rows.aggregate(highest=Max("pk"))["highest"]
                    if model._meta.pk.get_internal_type().endswith("AutoField")
                    else 0
                )
                self._offsets[key] = max(rows.count(), highest or 0)
        return self._offsets[key]


def seed_model(label, count=1, values=None, *, bulk=False, seed=0):
    """
    Make ``count`` rows of ``label`` (``app_label.Model``) through the factory, with ``values``
    (field -> string, see ``parse_field_values``) on every row. FileMeta rows also get their
    bytes, written through the configured store. Returns the instances; SeedError on bad input,
    with nothing written.
    """
    model = resolve_model(label)
    if count < 1:
        raise SeedError("--count must be at least 1.")
    attrs = parse_field_values(model, values or {})
    if model is FileMeta and {"size", "checksum"} & set(attrs):
        raise SeedError("FileMeta size and checksum come from the bytes the seed writes; leave them out.")
    factory = Factory(seed=seed, counters=CountersAfterExisting())
    store = FileMeta.deliverystore
    written = []
    try:
        with transaction.atomic():
            instances = factory.make(count, model, _bulk=bulk, **attrs)
            # Foreign keys are checked at commit, which an outer transaction defers: check now,
            # so a dangling pk is refused here, with the rows still ours to roll back.
            connections[router.db_for_write(model)].check_constraints(table_names=[model._meta.db_table])
            if model is FileMeta:
                _give_bytes(factory, store, instances, written)
    except (FactoryError, ValidationError, DatabaseError, ValueError, TypeError) as e:
        remove_written(store, written)
        message = "; ".join(e.messages) if isinstance(e, ValidationError) else str(e)
        raise SeedError(f"Cannot seed {model._meta.label}: {message}") from e
    except BaseException:
        remove_written(store, written)
        raise
    return instances


def _give_bytes(factory, store, filemetas, written):
    """Write a text content for each FileMeta the factory made and record its size and checksum."""
    pool = ContentPool(factory.random, variants=4)
    for filemeta in filemetas:
        content = pool.pick("text")
        with store.write_open(filemeta) as writer:
            writer.write(content.data)
        written.append(filemeta.pk)
        filemeta.size, filemeta.checksum = content.size, content.checksum
        filemeta.content_type = content.content_type(filemeta.filename)
    FileMeta.objects.bulk_update(filemetas, ["size", "checksum", "content_type"])
