"""
A model's plan: how each field gets its value, resolved once per (factory, model).

The order of the layers is documented in ``Factory`` (core.py); this module only sorts the fields
into the layers that do not depend on the call (hooks, null-and-blank, defaults, choices,
generators), so the per-row work is a loop over ready-made specs.
"""

from django.apps import apps
from django.db import models
from django.db.models.base import DEFERRED
from django.db.models.fields.composite import CompositePrimaryKey

from .constraints import CheckRepair, _tree, check_limits, conditional_uniques, finite_domain, negation, unique_groups
from .exceptions import FactoryError
from .mapping import find_generator
from .values import Derived

# How a plain field gets its value when no keyword names it.
HOOK, NULL, DEFAULT, CHOICES, GENERATE, SKIP = "hook", "null", "default", "choices", "generate", "skip"
DERIVED = "derived"  # a get_<field> = Derived(...) hook: computed once the instance is built
# What a foreign key does when no keyword names it.
CREATE, CONTENT_TYPE = "create", "content_type"


def get_fields(model):
    """The fields the factory fills: concrete fields and M2Ms, without auto/generated/parent-link ones."""
    meta = model._meta
    kept = [field for field in meta.fields if not skipped(field)]
    return kept + [field for field in meta.many_to_many if not is_generic_relation(field)]


def skipped(field):
    return (
        isinstance(field, (models.AutoField, CompositePrimaryKey))
        or getattr(field, "generated", False)
        or (field.one_to_one and field.remote_field.parent_link)
    )


def is_generic_relation(field):
    return field.is_relation and hasattr(field, "object_id_field_name") and hasattr(field, "content_type_field_name")


def is_generic_foreign_key(field):
    return hasattr(field, "ct_field") and hasattr(field, "fk_field") and not field.concrete


def is_content_type(model):
    return model._meta.label_lower == "contenttypes.contenttype"


class ValueSpec:
    __slots__ = ("field", "name", "attname", "how", "func", "domain")

    def __init__(self, field, hooks, mapping):
        self.field, self.name, self.attname = field, field.name, field.attname
        self.func = getattr(hooks, f"get_{field.name}", None)
        self.domain = finite_domain(field)
        if isinstance(self.func, Derived):
            self.how = DERIVED
        elif self.func is not None:
            self.how = HOOK
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            self.how = SKIP  # pre_save() sets it on every save, bulk_create included
        elif field.null and field.blank:
            self.how = NULL
        elif field.has_default() or field.has_db_default():
            self.how = DEFAULT
        elif field.choices and self.domain:
            self.how = CHOICES
        else:
            self.how = GENERATE
            self.func = find_generator(mapping, field)

    @property
    def fresh(self):
        """Generated from a counter over an unbounded domain: unique by itself."""
        return self.how == GENERATE and self.domain is None


class ForeignKeySpec:
    __slots__ = ("field", "name", "attname", "target", "hook", "how", "nullable", "limited")

    def __init__(self, field, hooks):
        self.field, self.name, self.attname = field, field.name, field.attname
        self.target = field.related_model
        self.limited = bool(field.remote_field.limit_choices_to)
        self.hook = getattr(hooks, f"get_{field.name}", None)
        self.nullable = field.null
        if isinstance(self.hook, Derived):
            self.how = DERIVED
        elif self.hook is not None:
            self.how = HOOK
        elif field.null and field.blank:
            self.how = NULL
        elif field.has_default() or field.has_db_default():
            self.how = DEFAULT
        elif is_content_type(self.target):
            self.how = CONTENT_TYPE
        else:
            self.how = CREATE

    @property
    def fresh(self):
        return self.how == CREATE


class ManyToManySpec:
    __slots__ = (
        "field",
        "name",
        "target",
        "through",
        "auto",
        "source_name",
        "target_name",
        "hook",
        "number_of",
        "limited",
    )

    def __init__(self, field, hooks):
        self.field, self.name = field, field.name
        self.target = field.related_model
        self.limited = bool(field.remote_field.limit_choices_to)
        self.through = field.remote_field.through
        self.auto = self.through._meta.auto_created
        # through_fields (or the only FKs) decide which through FK points at which side.
        self.source_name = field.m2m_field_name()
        self.target_name = field.m2m_reverse_field_name()
        self.hook = getattr(hooks, f"get_{field.name}", None)
        self.number_of = getattr(hooks, f"number_of_{field.name}", 1)

    def count(self):
        return self.number_of() if callable(self.number_of) else self.number_of


class GenericForeignKeySpec:
    __slots__ = ("field", "name", "ct_field", "fk_field", "hook", "model")

    def __init__(self, field, hooks):
        self.field, self.name, self.model = field, field.name, field.model
        self.ct_field, self.fk_field = field.ct_field, field.fk_field
        self.hook = getattr(hooks, f"get_{field.name}", None)

    def target_model(self):
        """A model that points back here with a GenericRelation, else ContentType itself."""
        for model in apps.get_models():
            for field in model._meta.private_fields:
                if (
                    is_generic_relation(field)
                    and field.related_model is self.model
                    and field.content_type_field_name == self.ct_field
                    and field.object_id_field_name == self.fk_field
                ):
                    return model
        return apps.get_model("contenttypes", "ContentType")


class ReverseSpec:
    """A reverse FK/O2O accessor (``book_set``) or a GenericRelation, accepted as a keyword."""

    __slots__ = ("accessor", "child", "link", "many")

    def __init__(self, accessor, child, link, many):
        self.accessor, self.child, self.link, self.many = accessor, child, link, many


class ModelPlan:
    """Everything about ``model`` the factory needs per row, computed once."""

    def __init__(self, model, hooks_name, mapping):
        meta = model._meta
        self.model, self.meta, self.label = model, meta, meta.label
        hooks = getattr(model, hooks_name, None)
        self.make_instance = getattr(hooks, "make_instance", None)
        self.after_make = getattr(hooks, "after_make", None)
        self.states = getattr(hooks, "states", None) or {}
        self.get_or_create = self.key_names(
            getattr(hooks, "get_or_create", ()), f"{meta.object_name}.Factory.get_or_create"
        )
        self.gfks = [GenericForeignKeySpec(f, hooks) for f in meta.private_fields if is_generic_foreign_key(f)]
        gfk_parts = {name for spec in self.gfks for name in (spec.ct_field, spec.fk_field)}
        self.values, self.fks, self.m2ms = [], [], []
        for field in get_fields(model):
            if field.many_to_many:
                self.m2ms.append(ManyToManySpec(field, hooks))
            elif field.name in gfk_parts:
                (self.fks if field.is_relation else self.values).append(_GfkPart(field))
            elif field.is_relation:
                self.fks.append(ForeignKeySpec(field, hooks))
            else:
                self.values.append(ValueSpec(field, hooks, mapping))
        # (name, attname, Derived) of the get_<field> = Derived(...) hooks, in field order.
        self.derived = [
            (spec.name, spec.attname, spec.func if isinstance(spec, ValueSpec) else spec.hook)
            for spec in (*self.values, *self.fks)
            if spec.how == DERIVED
        ]
        # Field positions (by name and attname): Derived values are computed in this order.
        self.field_order = {}
        for index, field in enumerate(meta.concrete_fields):
            self.field_order[field.name] = self.field_order[field.attname] = index
        self.reverse = self._reverse_specs(meta)
        self.relations = {spec.name: spec for spec in (*self.fks, *self.m2ms, *self.gfks)}
        self.m2m_names = {spec.name for spec in self.m2ms}
        self.combos = self._combo_groups()
        self.checks = CheckRepair(model)
        self.conditional = self._conditional_groups()
        self.concrete_parents = bool(meta.concrete_model._meta.parents)
        # For Model(*args): one slot per concrete field, in Django's order (see build()).
        self.init_fields = [(f.name, f.attname, f.is_relation, f) for f in meta.concrete_fields]
        self.init_keys = frozenset(key for name, attname, _rel, _f in self.init_fields for key in (name, attname))
        # full_clean() rebuilds these lists on every call; skip the steps with nothing to check.
        self.validate_unique, self.validate_constraints = _validation_steps(model)

    def key_names(self, names, where):
        """(name, attname) of each of ``names`` (fields to look existing rows up by); FactoryError names an unknown one."""
        if isinstance(names, str):
            names = (names,)
        keys = []
        for name in names:
            try:
                field = self.meta.get_field(name)
            except Exception:
                field = None
            if field is None or not field.concrete:
                known = ", ".join(f.name for f in self.meta.concrete_fields)
                raise FactoryError(
                    f"{self.label} has no field {name!r} to look existing rows up by ({where}); its fields are: {known}."
                )
            keys.append((field.name, field.attname))
        return tuple(keys)

    @staticmethod
    def _reverse_specs(meta):
        reverse = {}
        for rel in meta.related_objects:
            if rel.field.many_to_many or rel.field.remote_field.parent_link:
                continue
            reverse[rel.get_accessor_name()] = ReverseSpec(
                rel.get_accessor_name(), rel.related_model, rel.field.name, not rel.one_to_one
            )
        for field in meta.private_fields:
            if is_generic_relation(field):
                child = field.related_model
                link = next(
                    gfk.name
                    for gfk in child._meta.private_fields
                    if is_generic_foreign_key(gfk)
                    and gfk.ct_field == field.content_type_field_name
                    and gfk.fk_field == field.object_id_field_name
                )
                reverse[field.name] = ReverseSpec(field.name, child, link, True)
        return reverse

    def _combo_groups(self):
        """
        Unique sets that contain a finite-domain field: (key, members' specs, the members left
        NULL). A row whose set holds a NULL never clashes with another (SQL's NULLs are distinct,
        and full_clean() skips such sets), except under UniqueConstraint(nulls_distinct=False).
        """
        by_name = {spec.name: spec for spec in (*self.values, *self.fks)}
        nulls_equal = {
            tuple(c.fields)
            for c in self.model._meta.constraints
            if isinstance(c, models.UniqueConstraint) and c.nulls_distinct is False
        }
        groups = []
        for names in unique_groups(self.model, conditional=False):
            group = self._combo_group(names, by_name, names in nulls_equal)
            if group is not None:
                groups.append(group)
        return groups

    def _combo_group(self, names, by_name, nulls_equal=False):
        specs = [by_name.get(name) for name in names]
        if None in specs:
            return None
        if any(getattr(spec, "domain", None) and spec.how in (GENERATE, CHOICES) for spec in specs):
            left_null = () if nulls_equal else tuple(spec for spec in specs if spec.how == NULL)
            return (("combo", self.label, names), specs, left_null)
        return None

    def _conditional_groups(self):
        """
        UniqueConstraints with a condition: (member specs, condition tree, its negation, the
        combo group of its finite-domain members or None, constraint name). Rows outside the
        condition never clash, so the factory first tries to keep a row outside it.
        """
        by_name = {spec.name: spec for spec in (*self.values, *self.fks)}
        groups = []
        for names, condition, name in conditional_uniques(self.model):
            specs = [by_name.get(n) for n in names]
            if None in specs:
                continue
            combo = self._combo_group(names, by_name)
            groups.append((specs, _tree(condition), negation(condition), combo, name))
        return groups

    def build(self, values):
        """
        ``Model(**values)``, faster: positional arguments for the concrete fields (as ``from_db``
        does) and defaults for the missing ones; related instances still go through their
        descriptors (type check, cache). ``values`` may only name concrete fields.
        """
        args, related = [], []
        for name, attname, is_relation, field in self.init_fields:
            if field.generated:
                value = DEFERRED  # computed by the database, as Model(**kwargs) leaves it
            elif name in values:
                value = values[name]
                if is_relation:
                    related.append((name, value))
                    value = DEFERRED
            elif attname in values:
                value = values[attname]
            else:
                value = field.get_default()
            args.append(value)
        instance = self.model(*args)
        for name, value in related:
            setattr(instance, name, value)
        return instance

    def split(self, attrs):
        """Sort keywords into (plain, nested fk__x, m2m values, reverse sets)."""
        plain, nested, m2m, reverse = {}, {}, {}, {}
        for key, value in attrs.items():
            if key in self.m2m_names:
                m2m[key] = value
            elif key in self.reverse:
                reverse[key] = value
            elif "__" in key and key.partition("__")[0] in self.relations:
                head, _, rest = key.partition("__")
                nested.setdefault(head, {})[rest] = value
            else:
                plain[key] = value
        return plain, nested, m2m, reverse


class _GfkPart:
    """The content-type FK or object-id field of a GenericForeignKey: set through the GFK."""

    __slots__ = ("field", "name", "attname", "how", "domain", "fresh", "nullable", "target", "hook", "func", "limited")

    def __init__(self, field):
        self.field, self.name, self.attname = field, field.name, field.attname
        self.how, self.domain, self.fresh, self.func, self.limited = SKIP, None, True, None, False
        self.nullable, self.hook = field.null, None
        self.target = field.related_model


def _validation_steps(model):
    """(any unique check besides an auto pk, any model constraint) for ``full_clean``."""
    bare = model.__new__(model)  # both methods read only the class: no __init__, no signals
    unique_checks, date_checks = bare._get_unique_checks()
    unique = bool(date_checks) or any(
        not (len(names) == 1 and isinstance(cls._meta.get_field(names[0]), models.AutoField))
        for cls, names in unique_checks
    )
    return unique, any(constraints for _cls, constraints in bare.get_constraints())


def choice_limits(field):
    """
    A relation's ``limit_choices_to`` as (keywords for a new target, (condition tree, text, Q)) or
    (None, None): its exact conditions become keywords (``{"is_staff": True}``,
    ``author__name="x"``), the whole condition is repaired on the target like a CheckConstraint.
    """
    limit = field.get_limit_choices_to()
    if not limit:
        return None, None
    q = limit if isinstance(limit, models.Q) else models.Q(**limit)
    attrs = {}
    if not q.negated and (q.connector == models.Q.AND or len(q.children) == 1):
        for child in q.children:
            if isinstance(child, tuple) and not hasattr(child[1], "resolve_expression"):
                key = child[0].removesuffix("__exact")
                if "__" not in key or key.rpartition("__")[2] not in _LOOKUP_NAMES:
                    attrs[key] = child[1]  # name=value, or fk__name=value for the target's own target
    return attrs, (_tree(q), str(limit), q)


_LOOKUP_NAMES = frozenset(
    "iexact gt gte lt lte in range isnull contains icontains startswith istartswith endswith iendswith regex iregex "
    "year month day week_day date time".split()
)


def limits_for(field):
    """Min/MaxValueValidators and CheckConstraint bounds: [lower, lower_strict, upper, upper_strict]."""
    from django.core.validators import MaxValueValidator, MinValueValidator

    model = getattr(field, "model", None)  # None for a field not attached to a model
    checks = check_limits(model) if model is not None else {}
    lower, lower_strict, upper, upper_strict = checks.get(field.name, [None, False, None, False])
    for validator in field.validators:
        limit = getattr(validator, "limit_value", None)
        limit = limit() if callable(limit) else limit
        if isinstance(validator, MinValueValidator) and (lower is None or limit > lower):
            lower, lower_strict = limit, False
        elif isinstance(validator, MaxValueValidator) and (upper is None or limit < upper):
            upper, upper_strict = limit, False
    return lower, lower_strict, upper, upper_strict
