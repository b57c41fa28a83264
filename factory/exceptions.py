"""
The errors the factory raises. Every message names the model (``app_label.Model``) and, where
there is one, the field, and says what to do about it.
"""


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


class NoValidValueError(FactoryError, ValueError):
    """No generated candidate passes the field's validators."""

    def __init__(self, field, detail):
        self.field = field
        super().__init__(
            f"Cannot generate a value for {field_label(field)} that passes its validators ({detail}); "
            f"pass {field.name}=... or add a get_{field.name}(field, factory) staticmethod to the "
            f"model's nested Factory class."
        )


class UniqueExhaustedError(FactoryError):
    """A unique set made only of finite domains (booleans, choices) has no combination left."""


class UnsatisfiableConstraintError(FactoryError):
    """A CheckConstraint is violated and the factory cannot repair it by construction."""


class RelationCycleError(FactoryError):
    """Foreign keys form a cycle with no nullable link where the factory could stop."""


def field_label(field):
    """``app_label.Model.field`` for error messages."""
    model = getattr(field, "model", None)
    if model is None:
        return field.name
    return f"{model._meta.label}.{field.name}"
