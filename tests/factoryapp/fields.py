"""Custom fields: a subclass of a mapped field, one known only by internal type, one unknown."""

from django.db import models


class UpperCharField(models.CharField):
    """A subclass the factory finds through the MRO."""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return value.upper() if isinstance(value, str) else value


class LegacyIntegerField(models.Field):
    """Not a subclass of IntegerField, but reports its internal type as one."""

    def get_internal_type(self):
        return "IntegerField"


class OpaqueField(models.Field):
    """A field no generator knows."""

    def db_type(self, connection):
        return "text"
