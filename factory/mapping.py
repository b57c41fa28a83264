"""
The default field mapping: Django field class -> ``generator(field, factory)``.

The factory looks a field up along ``type(field).__mro__``, so subclasses of these classes (and
third-party fields built on them) need no entry of their own; then by ``get_internal_type()``.
``default_field_mapping()`` hands out a copy; ``Factory.DEFAULT_FIELD_MAPPING`` is a read-only
view whose ``.copy()`` is a plain dict to extend.
"""

from django.db import models

from . import generators
from .postgres import postgres_mapping

DEFAULT_FIELD_MAPPING = {
    models.BooleanField: generators.gen_boolean,
    models.CharField: generators.gen_string,
    models.TextField: generators.gen_string,
    models.SlugField: generators.gen_string,
    models.EmailField: generators.gen_email,
    models.URLField: generators.gen_url,
    models.IntegerField: generators.gen_integer,
    models.SmallIntegerField: generators.gen_integer,
    models.BigIntegerField: generators.gen_integer,
    models.PositiveIntegerField: generators.gen_integer,
    models.PositiveSmallIntegerField: generators.gen_integer,
    models.PositiveBigIntegerField: generators.gen_integer,
    models.FloatField: generators.gen_float,
    models.DecimalField: generators.gen_decimal,
    models.DateField: generators.gen_date,
    models.DateTimeField: generators.gen_datetime,
    models.TimeField: generators.gen_time,
    models.DurationField: generators.gen_duration,
    models.UUIDField: generators.gen_uuid,
    models.JSONField: generators.gen_json,
    models.BinaryField: generators.gen_binary,
    models.GenericIPAddressField: generators.gen_ip_address,
    models.FileField: generators.gen_file,
    models.ImageField: generators.gen_image,
    models.FilePathField: generators.gen_file_path,
    **postgres_mapping(),  # ArrayField, HStoreField, the range fields: only with a PostgreSQL driver
}


def default_field_mapping():
    """A fresh copy of DEFAULT_FIELD_MAPPING, to extend or replace entries in."""
    return dict(DEFAULT_FIELD_MAPPING)


def find_generator(mapping, field):
    """The generator for ``field``: along its class's MRO, then by internal type; None if none."""
    for cls in type(field).__mro__:
        generator = mapping.get(cls)
        if generator is not None:
            return generator
    internal = field.get_internal_type()
    for cls, generator in mapping.items():
        if cls.__name__ == internal:
            return generator
    return None
