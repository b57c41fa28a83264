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


# How many distinct ranges a kind can give before its bounds leave their column (int4; years 2000-2099
# for dates, as the other date generators): a seeded factory's numbers reach 2**31.
RANGE_SPANS = {"IntegerRangeField": 2**31 - 2, "DateRangeField": 36_500, "DateTimeRangeField": 36_500}


def gen_range(field, factory):
    kind = field.get_internal_type()
    n = factory.sequence(field)
    if kind in RANGE_SPANS:
        n %= RANGE_SPANS[kind]
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
