"""
Generators for django.contrib.postgres fields, in the default mapping when psycopg is installed.

Arrays hold one value of their base field; HStore a one-key dict; ranges ``[n, n + 1)`` in
their base type (one day for dates and datetimes).
"""

import datetime
from decimal import Decimal

from .generators import BASE_DATE, base_datetime

ONE_DAY = datetime.timedelta(days=1)


def gen_array(field, factory):
    return [factory.generate_value(field.base_field)]


def gen_hstore(field, factory):
    return {field.name: str(factory.sequence(field))}


def gen_range(field, factory):
    n = factory.sequence(field)
    kind = field.get_internal_type()
    if kind == "DecimalRangeField":
        lower, step = Decimal(n), Decimal(1)
    elif kind == "DateRangeField":
        lower, step = BASE_DATE + n * ONE_DAY, ONE_DAY
    elif kind == "DateTimeRangeField":
        lower, step = base_datetime() + n * ONE_DAY, ONE_DAY
    else:
        lower, step = n, 1
    return field.range_type(lower, lower + step)


def postgres_mapping():
    """{field class: generator} for contrib.postgres, or {} when its driver is not installed."""
    try:
        from django.contrib.postgres import fields
    except ImportError:
        return {}
    return {
        fields.ArrayField: gen_array,
        fields.HStoreField: gen_hstore,
        fields.RangeField: gen_range,
    }
