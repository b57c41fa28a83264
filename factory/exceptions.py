"""
The errors the factory raises. Every message names the model (``app_label.Model``) and, where
there is one, the field, and says what to do about it.

The errors that mean "no valid instance of this model can be made" (``NoValidValueError``,
``UniqueExhaustedError``, ``UnsatisfiableConstraintError``) are also Django's
``ValidationError``, as django_factory's ``make_one`` raised one from ``full_clean()``: an
``except ValidationError`` around a factory call catches them. Their ``message_dict`` holds
the message under the field's name (or under ``__all__`` when no single field is to blame),
and ``str()`` gives the plain message.
"""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


class FactoryError(Exception):
    """Base class: the factory could not build what it was asked for."""


class NoGeneratorError(FactoryError, TypeError):
    """
    No generator matches the field's class (nor any class in its MRO, nor its internal type).

    A ``TypeError`` as well, as django_factory raised for an unknown field.
    """

    def __init__(self, field):
        self.field = field
        kind = type(field).__name__
        super().__init__(
            f"No generator for {field_label(field)} ({kind}). Register one with "
            f"Factory(field_mapping={{**Factory.DEFAULT_FIELD_MAPPING, {kind}: generator}}), where "
            f"generator(field, factory) returns a value, or add a get_{field.name}(field, factory) "
            f"staticmethod to the model's nested Factory class, or pass {field.name}=..."
        )


class InvalidModelError(FactoryError, ValidationError):
    """
    No valid instance can be made: a ``FactoryError`` and a Django ``ValidationError`` at once.

    ``InvalidModelError(message, field=None)``: the message is filed under the field's name in
    ``message_dict`` (``__all__`` without a field), with ``code="factory"``.
    """

    def __init__(self, message, field=None):
        self.field = field
        self.text = message
        ValidationError.__init__(
            self, {getattr(field, "name", None) or NON_FIELD_ERRORS: [ValidationError(message, code="factory")]}
        )
        self.args = (message,)

    def __str__(self):
        return self.text

    def __repr__(self):
        return f"{type(self).__name__}({self.text!r})"

    # ValidationError compares by content and hashes accordingly; an exception is itself.
    __eq__ = object.__eq__
    __hash__ = object.__hash__


class NoValidValueError(InvalidModelError, ValueError):
    """No generated candidate passes the field's validators."""

    def __init__(self, field, detail):
        super().__init__(
            f"Cannot generate a value for {field_label(field)} that passes its validators ({detail}); "
            f"pass {field.name}=... or add a get_{field.name}(field, factory) staticmethod to the "
            f"model's nested Factory class.",
            field,
        )


class UniqueExhaustedError(InvalidModelError):
    """A unique set made only of finite domains (booleans, choices) has no combination left."""


class UnsatisfiableConstraintError(InvalidModelError):
    """A CheckConstraint is violated and the factory cannot repair it by construction."""


class RelationCycleError(FactoryError):
    """Foreign keys form a cycle with no nullable link where the factory could stop."""


def field_label(field):
    """``app_label.Model.field`` for error messages."""
    model = getattr(field, "model", None)
    if model is None:
        return field.name
    return f"{model._meta.label}.{field.name}"
