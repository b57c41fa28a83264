"""
What a model's constraints ask of generated values, read from ``_meta`` once per model.

- ``unique_groups``: the field-name sets that must be unique together (``unique=True``,
  ``unique_together``, ``UniqueConstraint(fields=...)``, a ``CompositePrimaryKey``).
- ``finite_domain``: the values a boolean or choices field can take, so unique sets made only of
  such fields are cycled through instead of repeating the first value.
- ``check_limits``: lower/upper bounds that CheckConstraints put on single fields
  (``Q(price__gte=0)``, ``Q(size__range=(1, 9))``), applied before a value is generated.
- ``CheckRepair``: after the instance is built, each CheckConstraint is evaluated in Python;
  comparisons between fields (``Q(end__gt=F("start"))``) and exact/in/range conditions are
  repaired on the generated side; what stays violated raises UnsatisfiableConstraintError.
  Conditions the evaluator does not understand are left to ``full_clean()`` and the database.
"""

import datetime
import operator
from decimal import Decimal

from django.db import models
from django.db.models import F, Q, Value
from django.db.models.expressions import CombinedExpression
from django.db.models.fields.composite import CompositePrimaryKey

from .exceptions import UnsatisfiableConstraintError

UNKNOWN = None  # three-valued logic: True, False, UNKNOWN (as SQL's NULL: the check passes)
_ARITHMETIC = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}


def concrete_chain(model):
    """The model's concrete class and its concrete parents (MTI), whose constraints all apply."""
    concrete = model._meta.concrete_model
    return [concrete, *concrete._meta.get_parent_list()]


def unique_groups(model):
    """Tuples of field names that must be unique together, each listed once."""
    groups = []
    for cls in concrete_chain(model):
        meta = cls._meta
        groups.extend((field.name,) for field in meta.local_concrete_fields if field.unique)
        groups.extend(tuple(together) for together in meta.unique_together)
        groups.extend(
            tuple(constraint.fields)
            for constraint in meta.constraints
            if isinstance(constraint, models.UniqueConstraint) and constraint.fields
        )
        if isinstance(meta.pk, CompositePrimaryKey):
            groups.append(tuple(meta.pk.field_names))
    return list(dict.fromkeys(groups))


def finite_domain(field):
    """The values of a choices or boolean field (blank choices left out), else None."""
    if field.choices:
        values = tuple(value for value, _label in field.flatchoices if value not in field.empty_values)
        return values or None
    if isinstance(field, models.BooleanField):
        return (False, True)
    return None


def check_constraints(model):
    """Every CheckConstraint that applies to rows of ``model``."""
    return [
        constraint
        for cls in concrete_chain(model)
        for constraint in cls._meta.constraints
        if isinstance(constraint, models.CheckConstraint)
    ]


def check_limits(model):
    """{field name: [lower, lower_strict, upper, upper_strict]} from constant bounds in AND-ed conditions."""
    limits = {}
    for constraint in check_constraints(model):
        for key, value in _and_leaves(constraint.condition):
            if hasattr(value, "resolve_expression"):
                continue
            name, lookup = _split(key)
            bounds = limits.setdefault(name, [None, False, None, False])
            if lookup in ("gt", "gte"):
                _tighten(bounds, 0, value, lookup == "gt", operator.gt)
            elif lookup in ("lt", "lte"):
                _tighten(bounds, 2, value, lookup == "lt", operator.lt)
            elif lookup == "range":
                _tighten(bounds, 0, value[0], False, operator.gt)
                _tighten(bounds, 2, value[1], False, operator.lt)
    return limits


def _tighten(bounds, index, value, strict, tighter):
    current = bounds[index]
    if current is None or tighter(value, current):
        bounds[index], bounds[index + 1] = value, strict
    elif value == current:
        bounds[index + 1] = bounds[index + 1] or strict


def _and_leaves(q):
    """(key, value) leaves reachable from ``q`` through non-negated AND nodes only."""
    if not isinstance(q, Q) or q.negated or (q.connector != Q.AND and len(q.children) > 1):
        return
    for child in q.children:
        if isinstance(child, Q):
            yield from _and_leaves(child)
        else:
            yield child


def _split(key):
    name, _, lookup = key.partition("__")
    return name, lookup or "exact"


class CheckRepair:
    """Evaluates a model's CheckConstraints on an instance and repairs the generated side."""

    def __init__(self, model):
        self.model = model
        self.constraints = check_constraints(model)
        self.meta = model._meta

    def __bool__(self):
        return bool(self.constraints)

    def apply(self, instance, fixed, lenient=False):
        """Repair what can be repaired; raise UnsatisfiableConstraintError for the rest (unless lenient)."""
        for constraint in self.constraints:
            if self.evaluate(constraint.condition, instance) is not False:
                continue
            for key, value in _and_leaves(constraint.condition):
                if self._leaf(key, value, instance) is False:
                    self._repair(key, value, instance, fixed)
            if self.evaluate(constraint.condition, instance) is False and not lenient:
                raise UnsatisfiableConstraintError(
                    f"{self.meta.label}: CheckConstraint {constraint.name!r} ({constraint.condition}) is "
                    f"violated by the values {self._values(constraint.condition, instance)} and cannot be "
                    f"satisfied by construction; pass values that satisfy it or add get_<field> "
                    f"staticmethods to {self.meta.object_name}.Factory."
                )

    # --- evaluation (three-valued, like SQL) ---------------------------------------------------

    def evaluate(self, q, instance):
        results = [
            self.evaluate(child, instance) if isinstance(child, Q) else self._leaf(*child, instance)
            for child in q.children
        ]
        if q.connector == Q.AND:
            result = False if False in results else (UNKNOWN if UNKNOWN in results else True)
        elif q.connector == Q.OR:
            result = True if True in results else (UNKNOWN if UNKNOWN in results else False)
        else:
            result = UNKNOWN
        if q.negated and result is not UNKNOWN:
            result = not result
        return result

    def _leaf(self, key, value, instance):
        name, lookup = _split(key)
        try:
            lhs = self._value(name, instance)
            rhs = self._resolve(value, instance)
        except LookupError:
            return UNKNOWN
        if lookup == "isnull":
            return (lhs is None) == bool(rhs)
        if lhs is None or rhs is None:
            return UNKNOWN
        try:
            return _LOOKUPS[lookup](lhs, rhs)
        except KeyError:
            return UNKNOWN
        except TypeError:
            return UNKNOWN

    def _value(self, name, instance):
        try:
            field = self.meta.get_field(name)
        except Exception as error:
            raise LookupError(name) from error
        value = getattr(instance, field.attname, None)
        return None if hasattr(value, "resolve_expression") else value

    def _resolve(self, value, instance):
        if isinstance(value, F):
            return self._value(value.name, instance)
        if isinstance(value, Value):
            return value.value
        if isinstance(value, CombinedExpression) and value.connector in _ARITHMETIC:
            lhs, rhs = self._resolve(value.lhs, instance), self._resolve(value.rhs, instance)
            return None if lhs is None or rhs is None else _ARITHMETIC[value.connector](lhs, rhs)
        if hasattr(value, "resolve_expression"):
            raise LookupError(value)
        return value

    def _values(self, q, instance):
        names = sorted({_split(key)[0] for key, _value in _all_leaves(q)})
        return ", ".join(f"{name}={self._value(name, instance)!r}" for name in names)

    # --- repair ----------------------------------------------------------------------------------

    def _repair(self, key, value, instance, fixed):
        name, lookup = _split(key)
        try:
            rhs = self._resolve(value, instance)
            lhs = self._value(name, instance)
        except LookupError:
            return
        if name not in fixed:
            self._set(name, _target(lookup, rhs, self._step(name)), instance)
        elif isinstance(value, F) and value.name not in fixed and lhs is not None:
            self._set(value.name, _target(_MIRROR.get(lookup, lookup), lhs, self._step(value.name)), instance)

    def _set(self, name, value, instance):
        if value is _NO_REPAIR:
            return
        field = self.meta.get_field(name)
        if not field.is_relation:
            setattr(instance, field.attname, value)

    def _step(self, name):
        field = self.meta.get_field(name)
        if isinstance(field, models.DecimalField):
            return Decimal(1).scaleb(-(field.decimal_places or 0))
        if isinstance(field, models.FloatField):
            return 0.5
        if isinstance(field, (models.DateField, models.DurationField)):  # DateTimeField too
            return datetime.timedelta(days=1)
        if isinstance(field, models.TimeField):
            return None
        return 1


_NO_REPAIR = object()
_MIRROR = {"gt": "lt", "gte": "lte", "lt": "gt", "lte": "gte", "exact": "exact"}
_LOOKUPS = {
    "exact": operator.eq,
    "iexact": lambda a, b: str(a).lower() == str(b).lower(),
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
    "in": lambda a, b: a in b,
    "range": lambda a, b: b[0] <= a <= b[1],
    "startswith": lambda a, b: str(a).startswith(str(b)),
    "endswith": lambda a, b: str(a).endswith(str(b)),
    "contains": lambda a, b: str(b) in str(a),
}


def _target(lookup, rhs, step):
    """A value satisfying ``<field>__<lookup>=rhs``."""
    if rhs is None:
        return None if lookup == "isnull" else _NO_REPAIR
    if lookup in ("gt", "lt") and step is None:
        return _NO_REPAIR
    return {
        "exact": lambda: rhs,
        "gt": lambda: rhs + step,
        "gte": lambda: rhs,
        "lt": lambda: rhs - step,
        "lte": lambda: rhs,
        "in": lambda: next(iter(rhs), _NO_REPAIR),
        "range": lambda: rhs[0],
        "isnull": lambda: None if rhs else _NO_REPAIR,
    }.get(lookup, lambda: _NO_REPAIR)()


def _all_leaves(q):
    for child in q.children:
        if isinstance(child, Q):
            yield from _all_leaves(child)
        else:
            yield child
