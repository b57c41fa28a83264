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
from functools import partial

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


def unique_groups(model, conditional=True):
    """
    Tuples of field names that must be unique together, each listed once. Expression-based
    UniqueConstraints (``Lower("email")``) count with the fields their expressions read;
    ``conditional=False`` leaves out UniqueConstraints with a ``condition`` (see ``conditional_uniques``).
    """
    groups = []
    for cls in concrete_chain(model):
        meta = cls._meta
        groups.extend((field.name,) for field in meta.local_concrete_fields if field.unique)
        groups.extend(tuple(together) for together in meta.unique_together)
        for constraint in meta.constraints:
            if isinstance(constraint, models.UniqueConstraint) and (conditional or constraint.condition is None):
                names = _constraint_fields(constraint)
                if names:
                    groups.append(names)
        if isinstance(meta.pk, CompositePrimaryKey):
            groups.append(tuple(meta.pk.field_names))
    return list(dict.fromkeys(groups))


def conditional_uniques(model):
    """(field names, condition, constraint name) of each UniqueConstraint with a ``condition``."""
    return [
        (names, constraint.condition, constraint.name)
        for cls in concrete_chain(model)
        for constraint in cls._meta.constraints
        if isinstance(constraint, models.UniqueConstraint) and constraint.condition is not None
        for names in [_constraint_fields(constraint)]
        if names
    ]


def _constraint_fields(constraint):
    """The field names a UniqueConstraint covers: its ``fields``, or those its expressions read."""
    if constraint.fields:
        return tuple(constraint.fields)
    names = []
    for expression in constraint.expressions:
        expression = F(expression) if isinstance(expression, str) else expression
        names.extend(ref.name for ref in _refs(expression))
    return tuple(dict.fromkeys(name.split("__")[0] for name in names))


def _refs(expression):
    """The F() references inside an expression (Lower(F("email")), Collate(...), OrderBy(...))."""
    if isinstance(expression, F):
        yield expression
        return
    for source in getattr(expression, "get_source_expressions", lambda: [])():
        if source is not None:
            yield from _refs(source)


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
    """
    Evaluates Q conditions (a model's CheckConstraints, a ``limit_choices_to``) on an instance
    and repairs the generated side until they hold.

    A condition is read as a tree of AND/OR nodes with negations pushed down to the leaves
    (De Morgan). An AND repairs each child; an OR is met by its first branch that can be
    repaired (the values are put back between tries); a negated leaf asks for a value the
    lookup rejects (another choice, the other boolean, a number past the bound, a value where
    NULL is refused). Fields in ``fixed`` (given by the caller) are never changed; the other side
    of a comparison between fields moves instead.
    """

    def __init__(self, model):
        self.model = model
        self.constraints = [(c.name, c.condition, _tree(c.condition)) for c in check_constraints(model)]
        self.meta = model._meta

    def __bool__(self):
        return bool(self.constraints)

    def apply(self, instance, fixed, lenient=False, factory=None):
        """Repair what can be repaired; raise UnsatisfiableConstraintError for the rest (unless lenient)."""
        for _round in range(3):  # a repair may break a constraint met before it: go round again
            broken = [c for c in self.constraints if self.evaluate(c[2], instance) is False]
            if not broken:
                return
            for name, _condition, tree in broken:
                held = [t for n, _c, t in self.constraints if n != name and self.evaluate(t, instance) is not False]
                self.repair(tree, instance, fixed, factory, partial(self._all_hold, held))
        for name, condition, tree in self.constraints:
            if self.evaluate(tree, instance) is False and not lenient:
                raise UnsatisfiableConstraintError(
                    f"{self.meta.label}: CheckConstraint {name!r} ({condition}) is "
                    f"violated by the values {self.values(tree, instance)} and cannot be "
                    f"satisfied by construction; pass values that satisfy it or add get_<field> "
                    f"staticmethods to {self.meta.object_name}.Factory."
                )

    # --- evaluation (three-valued, like SQL) ---------------------------------------------------

    def _all_hold(self, trees, instance):
        """Does none of the condition ``trees`` evaluate to False?"""
        return all(self.evaluate(tree, instance) is not False for tree in trees)

    def holds(self, instance):
        """Does no CheckConstraint evaluate to False on ``instance``?"""
        return all(self.evaluate(tree, instance) is not False for _name, _condition, tree in self.constraints)

    def evaluate(self, node, instance):
        kind = node[0]
        if kind == "leaf":
            _kind, name, lookup, value, negated = node
            result = self._leaf(name, lookup, value, instance)
            return result if result is UNKNOWN or not negated else not result
        if kind == "unknown":
            return UNKNOWN
        results = [self.evaluate(child, instance) for child in node[1]]
        if kind == "and":
            return False if False in results else (UNKNOWN if UNKNOWN in results else True)
        return True if True in results else (UNKNOWN if UNKNOWN in results else False)

    def _leaf(self, name, lookup, value, instance):
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
        except (KeyError, TypeError):
            return UNKNOWN

    def _field(self, name):
        try:
            return self.meta.get_field(name)
        except Exception as error:
            raise LookupError(name) from error

    def _value(self, name, instance):
        value = getattr(instance, self._field(name).attname, None)
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

    def values(self, node, instance):
        """``name=value, ...`` of the fields a condition reads, for messages."""
        names = sorted({leaf[1] for leaf in _leaves(node)})
        shown = []
        for name in names:
            try:
                shown.append(f"{name}={self._value(name, instance)!r}")
            except LookupError:
                continue
        return ", ".join(shown)

    # --- repair ----------------------------------------------------------------------------------

    def repair(self, node, instance, fixed, factory=None, guard=None):
        """
        Change non-fixed values until ``node`` is not False; whether that worked. An OR takes its
        first branch that works and keeps ``guard(instance)`` true (the other constraints), else
        its first branch that works.
        """
        kind = node[0]
        if self.evaluate(node, instance) is not False:
            return True
        if kind == "leaf":
            self._repair_leaf(node, instance, fixed, factory)
        elif kind == "and":
            for child in node[1]:
                self.repair(child, instance, fixed, factory, guard)
        elif kind == "or":
            saved = self._snapshot({leaf[1] for leaf in _leaves(node)}, instance)
            fallback = None
            for child in node[1]:
                if self.repair(child, instance, fixed, factory, guard) and self.evaluate(node, instance) is not False:
                    if guard is None or guard(instance):
                        return True
                    fallback = fallback or child
                self._restore(saved, instance)
            if fallback is not None:
                self.repair(fallback, instance, fixed, factory, guard)
        return self.evaluate(node, instance) is not False

    def _snapshot(self, names, instance):
        saved = {}
        for name in names:
            try:
                attname = self._field(name).attname
            except LookupError:
                continue
            saved[attname] = getattr(instance, attname, None)
        return saved

    @staticmethod
    def _restore(saved, instance):
        for attname, value in saved.items():
            setattr(instance, attname, value)

    def _repair_leaf(self, node, instance, fixed, factory):
        _kind, name, lookup, value, negated = node
        if negated and lookup == "isnull":
            value = not value
        elif negated:
            lookup = _NEGATED.get(lookup)
            if lookup is None:
                return
        try:
            rhs = self._resolve(value, instance)
            lhs = self._value(name, instance)
        except LookupError:
            return
        if name not in fixed:
            self._set(name, self._target(name, lookup, rhs, factory, lhs), instance)
        elif isinstance(value, F) and value.name not in fixed and lhs is not None:
            self._set(value.name, self._target(value.name, _MIRROR.get(lookup, lookup), lhs, factory), instance)

    def _set(self, name, value, instance):
        if value is _NO_REPAIR:
            return
        field = self.meta.get_field(name)
        if not field.is_relation:
            setattr(instance, field.attname, value)

    def _target(self, name, lookup, rhs, factory, lhs=None):
        """A value of field ``name`` satisfying ``<name>__<lookup>=rhs`` (lookups include the negated ones)."""
        field = self.meta.get_field(name)
        step = _step(field)
        if lookup == "isnull":
            if rhs:
                return None if field.null else _NO_REPAIR
            return _NO_REPAIR if factory is None or field.is_relation else factory.generate_value(field)
        if rhs is None:
            return _NO_REPAIR
        if lookup in ("ne", "notin"):
            excluded = set(rhs) if lookup == "notin" else {rhs}
            return _other(field, excluded, step)
        if lookup in ("gt", "lt") and step is None:
            return _NO_REPAIR
        if lookup in _TEXT_REPAIRS:
            return _TEXT_REPAIRS[lookup](str(rhs), "" if lhs is None else str(lhs))
        return {
            "exact": lambda: rhs,
            "iexact": lambda: rhs,
            "gt": lambda: rhs + step,
            "gte": lambda: rhs,
            "lt": lambda: rhs - step,
            "lte": lambda: rhs,
            "in": lambda: next(iter(rhs), _NO_REPAIR),
            "range": lambda: rhs[0],
            "outside": lambda: rhs[1] + step if step is not None else _NO_REPAIR,
        }.get(lookup, lambda: _NO_REPAIR)()


def _tree(q, negate=False):
    """A Q as ("and"|"or", [children]) / ("leaf", name, lookup, value, negated), negations at the leaves."""
    if not isinstance(q, Q):
        return ("unknown",)  # a bare expression (Exact(...), a boolean field reference...)
    negate = negate != q.negated
    connector = q.connector
    if connector not in (Q.AND, Q.OR):  # XOR: not repaired, evaluated as unknown
        return ("unknown",)
    children = []
    for child in q.children:
        if isinstance(child, Q):
            children.append(_tree(child, negate))
        elif isinstance(child, tuple) and len(child) == 2:
            name, lookup = _split(child[0])
            value = child[1]
            if lookup == "exact" and value is None:  # as Django reads it
                lookup, value = "isnull", True
            children.append(("leaf", name, lookup, value, negate))
        else:
            children.append(("unknown",))
    kind = "and" if connector == Q.AND else "or"
    if negate:
        kind = "or" if kind == "and" else "and"
    return (kind, children)


def negation(q):
    """The tree of NOT ``q``."""
    return _tree(q, negate=True)


def _leaves(node):
    if node[0] == "leaf":
        yield node
    elif node[0] in ("and", "or"):
        for child in node[1]:
            yield from _leaves(child)


def _step(field):
    if isinstance(field, models.DecimalField):
        return Decimal(1).scaleb(-(field.decimal_places or 0))
    if isinstance(field, models.FloatField):
        return 0.5
    if isinstance(field, (models.DateField, models.DurationField)):  # DateTimeField too
        return datetime.timedelta(days=1)
    if isinstance(field, models.TimeField):
        return None
    if isinstance(field, models.IntegerField) or field.get_internal_type().endswith("IntegerField"):
        return 1
    return None


def _other(field, excluded, step):
    """A value of ``field`` that is none of ``excluded``: another choice, the other boolean, past the largest."""
    domain = finite_domain(field)
    if domain:
        return next((value for value in domain if value not in excluded), _NO_REPAIR)
    values = [value for value in excluded if value is not None]
    if not values:
        return _NO_REPAIR
    try:
        top = max(values)
    except TypeError:
        return _NO_REPAIR
    if isinstance(top, str):
        return top + "-x"
    if step is None:
        return _NO_REPAIR
    return top + step


_NO_REPAIR = object()
# (wanted, current) -> a string the text lookup accepts, keeping the current value's counter.
_TEXT_REPAIRS = {
    "startswith": lambda wanted, current: wanted + current,
    "istartswith": lambda wanted, current: wanted + current,
    "endswith": lambda wanted, current: current + wanted,
    "iendswith": lambda wanted, current: current + wanted,
    "contains": lambda wanted, current: current + wanted,
    "icontains": lambda wanted, current: current + wanted,
    # Negated: change as little as possible, keeping the length (a column may be full).
    "not_startswith": lambda wanted, current: _other_char(wanted[:1]) + current[len(wanted) :],
    "not_endswith": lambda wanted, current: current[: len(current) - len(wanted)] + _other_char(wanted[-1:]),
    "not_contains": lambda wanted, current: current.replace(wanted, _other_char(wanted[:1]) * len(wanted)) or "x",
}


def _other_char(char):
    return "y" if char.lower() == "x" else "x"


_MIRROR = {"gt": "lt", "gte": "lte", "lt": "gt", "lte": "gte", "exact": "exact", "ne": "ne"}
# The lookup a negated leaf asks for (None: not repaired).
_NEGATED = {
    "exact": "ne",
    "iexact": "ne",
    "gt": "lte",
    "gte": "lt",
    "lt": "gte",
    "lte": "gt",
    "in": "notin",
    "range": "outside",
    "startswith": "not_startswith",
    "istartswith": "not_startswith",
    "endswith": "not_endswith",
    "iendswith": "not_endswith",
    "contains": "not_contains",
    "icontains": "not_contains",
}
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
    "istartswith": lambda a, b: str(a).lower().startswith(str(b).lower()),
    "iendswith": lambda a, b: str(a).lower().endswith(str(b).lower()),
    "icontains": lambda a, b: str(b).lower() in str(a).lower(),
}
