"""The engine: ``Factory`` builds, fills, validates and saves model instances."""

import datetime
import math
import random
from types import MappingProxyType
from typing import Any, overload

from asgiref.sync import sync_to_async
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models

from . import generators, mapping
from .bulk import make_bulk
from .constraints import finite_domain, unique_groups
from .counters import UNIQUE, Counters
from .exceptions import (
    FactoryError,
    NoGeneratorError,
    NoValidValueError,
    RelationCycleError,
    UniqueExhaustedError,
    UnsatisfiableConstraintError,
)
from .plan import (
    CHOICES,
    CONTENT_TYPE,
    CREATE,
    GENERATE,
    HOOK,
    NULL,
    ModelPlan,
    choice_limits,
    get_fields,
    is_content_type,
    limits_for,
)
from .values import Derived, Lazy, Sequence

_STRICT, _LENIENT = "strict", "lenient"  # what a value no validator accepts leads to: an error, or the best try
_LATER = object()  # a Derived keyword: computed once the instance is built
_OMIT = object()  # leave the attribute to the model's constructor (default, db_default, empty FK)
# Validators every CharField carries and generated strings satisfy by construction.
_LENGTH_VALIDATORS = ("MaxLengthValidator", "ProhibitNullCharactersValidator")


class _Context:
    """One call's options, handed down to the instances it creates for relations."""

    __slots__ = ("save", "using", "validate", "related", "path", "followed", "_children")

    def __init__(self, save, using=None, validate=True, related=False, path=(), followed=frozenset()):
        self.save, self.using, self.validate, self.related = save, using, validate, related
        self.path = path  # concrete models being built above this one: cycles stop here
        self.followed = followed  # non-null FKs followed into a cycle
        self._children = {}

    def child(self, model, follow=None):
        """The context for relations of ``model`` (made once per context, model and FK)."""
        key = (model, follow)
        child = self._children.get(key)
        if child is None:
            followed = self.followed | {follow} if follow is not None else self.followed
            child = self._children[key] = _Context(
                self.save, self.using, self.validate, self.related, (*self.path, _concrete(model)), followed
            )
        return child


_DEFAULT_CONTEXTS = {
    (save, validate): _Context(save=save, validate=validate) for save in (True, False) for validate in (True, False)
}


def _resolve(model):
    """A model class, also from an ``"app_label.ModelName"`` string."""
    return apps.get_model(model) if isinstance(model, str) else model


def _concrete(model):
    return model._meta.concrete_model


class Factory:
    """
    Builds instances of any model with deterministic values.

    ``Factory(test_case=None, field_mapping=None, model_generators=None, *, seed=None, counters=None)``

    - ``test_case``: anything with ``getUniqueInteger()`` (and optionally ``getUniqueString(prefix)``),
      e.g. a testtools TestCase; it then supplies every unique value.
    - ``field_mapping``: field class -> ``generator(field, factory)``; replaces the default (start
      from ``Factory.DEFAULT_FIELD_MAPPING.copy()`` to extend it). Looked up along the field
      class's MRO, then by ``get_internal_type()``.
    - ``model_generators``: model -> ``generator(factory, **attrs)`` returning an unsaved instance,
      for models you cannot add a nested ``Factory`` class to.
    - ``seed``: values become pseudo-random, drawn from one ``random.Random(seed)`` (the same seed
      gives the same values); fields in a unique set keep their counters. Without a seed nothing
      is random.
    - ``counters``: a ``Counters`` to share between factories (default: a fresh one per factory).
    - ``states``: ``{model or "app.Model": {name: {keywords}}}``, named states beyond the nested
      Factory's ``states`` (see ``state``).
    - ``realistic``: names, emails, addresses, sentences, URLs... from Faker, seeded with ``seed``
      (0 without one), for demos; every validator and constraint still met (see realistic.py).

    Where a value comes from, first match wins:

    1. Whole instance: ``model_generators[Model](factory, **attrs)``, then the nested
       ``Model.Factory.make_instance(factory, **attrs)``. Either replaces steps 2-7: relations
       are not filled, but the result is still validated and saved by ``make_one``.
    2. An explicit keyword: ``field=value``, ``<fk>_id=pk``, ``<fk>__<field>=value`` (passed on to
       the FK target the factory creates), ``<m2m>=[...]``, reverse sets ``<accessor>=[...]`` or
       ``=n`` (n new children).
    3. The nested ``Model.Factory.get_<field>(field, factory)`` staticmethod (FK and M2M too;
       M2M returns a list).
    4. ``null=True`` and ``blank=True``: left empty (None; no M2M targets for a ``null`` M2M).
    5. The field's ``default`` or ``db_default`` (left to Django and the database); ``auto_now`` and
       ``auto_now_add`` are left to ``pre_save``.
    6. ``choices``: the first non-blank choice (a seeded factory picks one).
    7. The field mapping: ``generator(field, factory)``; or, for relations: FK/O2O -> a new
       target (``make*`` only; a nullable FK back into a model being built ends the cycle
       with None); ContentType FK -> the model's own real ContentType; GenericForeignKey ->
       a new instance of a model with a matching GenericRelation (else a real ContentType row);
       M2M -> ``Model.Factory.number_of_<m2m>`` new targets (default 1; an int or a callable),
       through models with ``through_fields`` honoured.
    8. No generator: ``NoGeneratorError`` naming ``app.Model.field``.

    Across fields, booleans and choices that form a unique set with no counter-backed field are
    cycled through their combinations, and CheckConstraints are met (see constraints.py).

    Control keywords (underscored, so they never clash with a field): ``_using="alias"``;
    ``_validate=False`` skips ``full_clean()``; ``_bulk=True`` (``make`` only) inserts with
    ``bulk_create``, FK targets included, a constant number of queries per relation level, and
    does not validate unless ``_validate=True``; ``_related=True`` (``prepare*`` only) prepares
    unsaved FK targets instead of leaving FKs empty; ``_states=[names]`` applies named states
    first (``state``); ``_after_make=hook`` (or a list) runs ``hook(instance, factory)`` on each
    new instance once it is saved, after the nested ``after_make``; ``_get_or_create=[fields]``
    returns an existing row whose fields equal the new one's (default: the nested
    ``get_or_create``). Keyword values may be ``Sequence`` and ``Derived`` (values.py).

    ``make*`` raise a ``ValidationError`` where no valid instance can be made (exceptions.py);
    ``prepare*`` never refuse for values: they take the best candidate.
    """

    DEFAULT_FIELD_MAPPING = MappingProxyType(mapping.DEFAULT_FIELD_MAPPING)
    DEFAULT_MODEL_GENERATORS: MappingProxyType[Any, Any] = MappingProxyType({})
    DEFAULT_STATES: MappingProxyType[Any, Any] = MappingProxyType({})
    MODEL_FACTORY_CLASS_NAME = "Factory"

    def __init__(
        self,
        test_case=None,
        field_mapping=None,
        model_generators=None,
        *,
        seed=None,
        counters=None,
        states=None,
        realistic=False,
    ):
        self.test_case = test_case
        # A test case supplies the unique values if it can (testtools' and ours can).
        self._unique_source = getattr(test_case, "getUniqueInteger", None)
        self.field_mapping = dict(self.DEFAULT_FIELD_MAPPING if field_mapping is None else field_mapping)
        self.realistic = realistic
        self.faker = None
        if realistic:
            from .realistic import faker_for, realistic_mapping

            self.faker = faker_for(0 if seed is None else seed)
            self.field_mapping = realistic_mapping(self.field_mapping)
        self.model_generators = {**self.DEFAULT_MODEL_GENERATORS, **(model_generators or {})}
        self.states, self._state_cache = {}, {}
        for model, named in {**self.DEFAULT_STATES, **(states or {})}.items():
            self.states[_resolve(model)] = dict(named)
        self.seed = seed
        self.random = random.Random(seed) if seed is not None else None
        self.counters = Counters() if counters is None else counters
        self._plans = {}
        # Per-field facts, keyed by id(field): Field.__hash__ is slow enough to show in the per-row
        # cost. Each entry keeps its field alive (see _per_field), so an id is never reused for
        # another field while its entry exists.
        self._cache, self._keys, self._limits, self._checks = {}, {}, {}, {}
        self._mode = None  # _STRICT inside make*, _LENIENT inside prepare*; None (strict) between calls

    # --- making and preparing ------------------------------------------------------------------

    @overload
    def make_one[M: models.Model](self, model: type[M], **attrs: Any) -> M: ...
    @overload
    def make_one(self, model: str, **attrs: Any) -> models.Model: ...

    def make_one(self, model, **attrs):
        """
        A saved instance, validated with ``full_clean()`` before it is saved. Where no valid
        instance can be made it raises a ``ValidationError`` (the factory's own
        ``NoValidValueError``, ``UniqueExhaustedError`` or ``UnsatisfiableConstraintError``, or
        ``full_clean()``'s) and saves nothing.
        """
        return self._call(model, attrs, save=True)

    @overload
    def make[M: models.Model](self, count: int, model: type[M], **attrs: Any) -> list[M]: ...
    @overload
    def make(self, count: int, model: str, **attrs: Any) -> list[models.Model]: ...

    def make(self, count, model, **attrs):
        """``count`` saved instances; with ``_bulk=True`` inserted with ``bulk_create``."""
        return self._call(model, attrs, save=True, count=count)

    @overload
    def prepare_one[M: models.Model](self, model: type[M], **attrs: Any) -> M: ...
    @overload
    def prepare_one(self, model: str, **attrs: Any) -> models.Model: ...

    def prepare_one(self, model, **attrs):
        """
        An unsaved instance; FKs and M2Ms empty unless ``_related=True``. Never validated, and
        never refused for its values: where no value passes a field's validators or a model's
        constraints, the best candidate is used (as django_factory's ``prepare_one`` did).
        """
        return self._call(model, attrs, save=False)

    @overload
    def prepare[M: models.Model](self, count: int, model: type[M], **attrs: Any) -> list[M]: ...
    @overload
    def prepare(self, count: int, model: str, **attrs: Any) -> list[models.Model]: ...

    def prepare(self, count, model, **attrs):
        """``count`` instances as ``prepare_one`` makes them."""
        return self._call(model, attrs, save=False, count=count)

    def _call(self, model, attrs, save, count=None):
        model = _resolve(model)
        bulk, after, reuse = False, (), None
        if attrs:
            if "_states" in attrs:
                attrs = self._with_states(model, attrs)
            if count is not None and save:
                bulk = attrs.pop("_bulk", False)
            if "_after_make" in attrs:
                after = _hooks(attrs.pop("_after_make"))
            if "_get_or_create" in attrs:
                reuse = self._plan(model).key_names(attrs.pop("_get_or_create"), "_get_or_create")
        ctx, attrs = self._context(attrs, save=save, validate=save and not bulk)
        mode, self._mode = self._mode, _STRICT if save else _LENIENT
        try:
            if count is None:
                return self._instance(model, attrs, ctx, reuse, after)
            if bulk:
                return make_bulk(self, model, count, attrs, ctx, reuse=reuse, after=after)
            return [self._instance(model, dict(attrs), ctx, reuse, after) for _ in range(count)]
        finally:
            self._mode = mode

    @overload
    async def amake_one[M: models.Model](self, model: type[M], **attrs: Any) -> M: ...
    @overload
    async def amake_one(self, model: str, **attrs: Any) -> models.Model: ...

    async def amake_one(self, model, **attrs):
        """``make_one`` for async code (runs in the thread that owns the connection)."""
        return await sync_to_async(self.make_one)(model, **attrs)

    @overload
    async def amake[M: models.Model](self, count: int, model: type[M], **attrs: Any) -> list[M]: ...
    @overload
    async def amake(self, count: int, model: str, **attrs: Any) -> list[models.Model]: ...

    async def amake(self, count, model, **attrs):
        return await sync_to_async(self.make)(count, model, **attrs)

    @overload
    def prepare_fields[M: models.Model](self, model: type[M], **attrs: Any) -> M: ...
    @overload
    def prepare_fields(self, model: str, **attrs: Any) -> models.Model: ...

    def prepare_fields(self, model, **attrs):
        """
        An unsaved instance filled field by field, ignoring ``model_generators`` and
        ``make_instance``: for use inside those hooks (see testcase.create_user).
        """
        ctx, attrs = self._context(attrs, save=False, validate=False)
        plan = self._plan(_resolve(model))
        plain, nested, _m2m, _reverse = plan.split(attrs)
        # Inside make_one (a hook building the instance) values must be valid; alone, as prepare_one.
        mode, self._mode = self._mode, self._mode or _LENIENT
        try:
            return self._fill(plan, plain, nested, ctx)[0]
        finally:
            self._mode = mode

    def generate_value(self, field):
        """A value for ``field`` alone: a choice, else its generator (no hooks, defaults or null)."""
        domain = finite_domain(field) if field.choices else None
        if domain:
            return self.pick(field, domain)
        generator = mapping.find_generator(self.field_mapping, field)
        if generator is None:
            raise NoGeneratorError(field)
        return generator(field, self)

    get_fields = staticmethod(get_fields)

    # --- states --------------------------------------------------------------------------------

    def add_state(self, model, state, /, **attrs):
        """Define (or redefine) the state ``state`` of ``model`` for this factory: the keywords it sets."""
        self.states.setdefault(_resolve(model), {})[state] = attrs
        self._state_cache.clear()

    def state(self, model, name):
        """The keywords of ``model``'s state ``name``: this factory's own, else the nested Factory's ``states``."""
        model = _resolve(model)
        found = self.states.get(model, {}).get(name)
        if found is None:
            found = self._plan(model).states.get(name)
        if found is None:
            known = sorted({*self.states.get(model, {}), *self._plan(model).states})
            label, owner = model._meta.label, model._meta.object_name
            raise FactoryError(
                f"{label} has no state {name!r}; "
                + (f"its states are: {', '.join(known)}." if known else "it has none.")
                + f" Define states in {owner}.Factory.states = {{{name!r}: {{...}}}}, with "
                f"Factory(states={{{owner}: {{{name!r}: {{...}}}}}}) or with factory.add_state({owner}, {name!r}, ...)."
            )
        return found

    def _with_states(self, model, attrs):
        """The keywords of the states named by ``_states``, in order, then ``attrs`` (which win)."""
        attrs = dict(attrs)
        names = attrs.pop("_states")
        names = (names,) if isinstance(names, str) else tuple(names)
        key = (model, names)
        merged = self._state_cache.get(key)
        if merged is None:  # states are fixed once defined (add_state clears this): merge them once
            merged = {}
            for name in names:
                self._merge_state(model, name, merged, ())
            self._state_cache[key] = merged
        merged = dict(merged)
        if "_after_make" in attrs:  # hooks add up: the states' first, then the call's
            merged["_after_make"] = [*merged.get("_after_make", ()), *_hooks(attrs.pop("_after_make"))]
        merged.update(attrs)
        return merged

    def _merge_state(self, model, name, into, path):
        if name in path:
            raise FactoryError(
                f"{model._meta.label}: the states {' -> '.join((*path, name))} include each other in a circle."
            )
        state = self.state(model, name)
        inner = state.get("_states", ())
        for included in [inner] if isinstance(inner, str) else inner:
            self._merge_state(model, included, into, (*path, name))
        for key, value in state.items():
            if key == "_after_make":
                into[key] = [*into.get(key, ()), *_hooks(value)]
            elif key != "_states":
                into[key] = value

    def reset(self):
        """Start every counter again: the next values repeat the first ones."""
        self.counters.reset()
        if self.seed is not None:
            self.random.seed(self.seed)
        if self.faker is not None:
            self.faker.seed_instance(0 if self.seed is None else self.seed)

    # --- unique values (django_factory's names, and snake_case aliases) -------------------------

    def getUniqueInteger(self):
        if self._unique_source is not None:
            return self._unique_source()
        return self.counters.next(UNIQUE)

    def getUniqueString(self, prefix=None):
        if self.test_case is not None and hasattr(self.test_case, "getUniqueString"):
            return self.test_case.getUniqueString(prefix)
        return f"{'str' if prefix is None else prefix}-{self.getUniqueInteger()}"

    def getUniqueUnicode(self, prefix=None):
        return self.getUniqueString(prefix)

    def getUniqueDate(self):
        return generators.BASE_DATE + datetime.timedelta(days=self.getUniqueInteger())

    def getUniqueTime(self):
        return generators.time_of(self.getUniqueInteger())

    def getUniqueDateTime(self):
        return generators.base_datetime() + datetime.timedelta(days=self.getUniqueInteger())

    get_unique_integer = getUniqueInteger
    get_unique_string = getUniqueString
    get_unique_unicode = getUniqueUnicode
    get_unique_date = getUniqueDate
    get_unique_time = getUniqueTime
    get_unique_datetime = getUniqueDateTime

    # --- what generators ask of the factory ------------------------------------------------------

    def sequence(self, field):
        """The next number for ``field``: its own counter, the test case's, or a seeded random one."""
        if self._unique_source is not None:
            return self._unique_source()
        if self.random is not None and not self.is_unique(field):
            return self.random.randrange(1, 2**31)
        return self.counters.next(_per_field(self._keys, id(field), field, _counter_key))

    @property
    def counts_per_field(self):
        """Does ``sequence(field)`` count 1, 2, 3... for each field (no test case supplying them)?"""
        return self._unique_source is None

    def pick(self, field, options):
        """The first option, or a seeded random one."""
        return options[0] if self.random is None else self.random.choice(options)

    def limits(self, field):
        """``(lower, lower_strict, upper, upper_strict)`` from validators and CheckConstraints."""
        return _per_field(self._limits, id(field), field, limits_for)

    def memo(self, field, compute):
        """``compute(field, factory)``, computed once per field and this factory (ranges, lengths)."""
        return _per_field(self._cache, (id(field), compute), field, lambda f: compute(f, self))

    def first_valid(self, field, candidates):
        """The first candidate that passes the field's validators (see ``cannot`` for none)."""
        candidates = iter(candidates)
        if not self.needs_check(field):
            return next(candidates)
        messages, first = [], _OMIT
        for candidate in candidates:
            if first is _OMIT:
                first = candidate
            try:
                field.run_validators(candidate)
            except ValidationError as error:
                messages = error.messages
            else:
                return candidate
        return self.cannot(NoValidValueError(field, "; ".join(messages)), first)

    @property
    def lenient(self):
        """Is this a ``prepare*`` call, which takes the best candidate where none is valid?"""
        return self._mode is _LENIENT

    def cannot(self, error, best):
        """No valid value: raise ``error`` (make*, or outside a call), or return ``best`` (prepare*)."""
        if self._mode is _LENIENT:
            return best
        raise error

    def needs_check(self, field):
        """Has the field validators beyond max_length and null characters (which shapes satisfy)?"""
        return _per_field(
            self._checks,
            id(field),
            field,
            lambda f: any(type(v).__name__ not in _LENGTH_VALIDATORS for v in f.validators),
        )

    def is_unique(self, field):
        """Is the field part of a unique set (its values then come from its counter)?"""
        if getattr(field, "model", None) is None:
            return False
        return _per_field(
            self._cache,
            ("unique", id(field)),
            field,
            lambda f: any(f.name in group for group in unique_groups(f.model)),
        )

    # --- the engine --------------------------------------------------------------------------------

    def _context(self, attrs, save, validate=True):
        if "_using" not in attrs and "_validate" not in attrs and "_related" not in attrs:
            return _DEFAULT_CONTEXTS[save, validate], attrs
        using = attrs.pop("_using", None)
        validate = attrs.pop("_validate", validate)
        related = attrs.pop("_related", False)
        return _Context(save=save, using=using, validate=validate, related=related), attrs

    def _plan(self, model):
        plan = self._plans.get(model)
        if plan is None:
            plan = self._plans[model] = ModelPlan(model, self.MODEL_FACTORY_CLASS_NAME, self.field_mapping)
        return plan

    def _instance(self, model, attrs, ctx, reuse=None, after=(), condition=None):
        """
        One instance; saved with its relations and after-make hooks if ``ctx.save``. ``reuse``:
        the (name, attname) keys to look an existing row up by (default: the nested Factory's
        ``get_or_create``); a row found is returned as it is.
        """
        plan = self._plan(model)
        plain, nested, m2m, reverse = plan.split(attrs)
        keys = plan.get_or_create if reuse is None else reuse
        if keys and ctx.save and all(_plainly_given(plain, name, attname) for name, attname in keys):
            found = self._existing(plan, keys, plain, ctx, condition)  # all keys given: no need to build first
            if found is not None:
                return found
            keys = ()
        generator = self.model_generators.get(model) or plan.make_instance
        if generator is not None:
            instance, trusted = self._generated(plan, generator, plain), ()
        else:
            instance, trusted = self._fill(plan, plain, nested, ctx, condition=condition)
        if ctx.save:
            if keys:
                found = self._existing(plan, keys, instance, ctx, condition)
                if found is not None:
                    return found
            self._save(plan, instance, trusted, ctx)
            if plan.m2ms or reverse:
                self._relate(plan, instance, nested, m2m, reverse, ctx, auto=generator is None)
            if plan.after_make is not None:
                plan.after_make(instance, self)
            for hook in after:
                hook(instance, self)
        return instance

    def _existing(self, plan, keys, source, ctx, condition=None):
        """
        The first row whose key fields equal those of ``source`` (a keywords dict or an
        instance) and that meets the ``limit_choices_to`` it is made for, or None.
        """
        if isinstance(source, dict):
            lookup = {
                name if name in source else attname: source.get(name, source.get(attname)) for name, attname in keys
            }
        else:
            lookup = {attname: getattr(source, attname) for _name, attname in keys}
        rows = plan.model._base_manager.db_manager(ctx.using).filter(**lookup)
        if condition is not None:
            rows = rows.complex_filter(condition[2])
        return rows.order_by("pk").first()

    def _generated(self, plan, generator, plain):
        """An instance from a model generator or make_instance, keyword Sequences and Derived values resolved."""
        plain, later = self._lazy(plan, plain) if plain else (plain, ())
        if later:
            plain = {key: value for key, value in plain.items() if value is not _LATER}
        instance = generator(self, **plain)
        if later:
            self._derive(plan, instance, plain, later)
        return instance

    def _lazy(self, plan, plain):
        """(plain with Sequences drawn and Derived values held back as _LATER, [(name, Derived)])."""
        for value in plain.values():
            if isinstance(value, Lazy):
                break
        else:
            return plain, ()
        out, later = {}, []
        for key, value in plain.items():
            if isinstance(value, Sequence):
                value = value.value(self, plan.label, key)
            elif isinstance(value, Derived):
                later.append((key, value))
                value = _LATER
            out[key] = value
        return out, later

    def _fill(self, plan, plain, nested, ctx, prebuilt=None, condition=None):
        """An unsaved instance and the FK names it got from the factory (no need to re-validate)."""
        plain, later = self._lazy(plan, plain) if plain else (plain, ())
        values = dict(plain)
        # What CheckConstraint repairs must not touch: given values, and those of get_<field> hooks.
        fixed = set(plain) if plan.checks or plan.conditional else None
        trusted = []
        combos = self._combos(plan, plain, nested) if plan.combos else None
        for spec in plan.values:
            name = spec.name
            if name in values or spec.attname in values:
                continue
            how = spec.how
            if combos and name in combos:
                values[name] = combos[name]
            elif how == GENERATE:
                if spec.func is None:
                    raise NoGeneratorError(spec.field)
                values[name] = spec.func(spec.field, self)
            elif how == CHOICES:
                values[name] = self.pick(spec.field, spec.domain)
            elif how == HOOK:
                values[name] = spec.func(spec.field, self)
                if fixed is not None:
                    fixed.add(name)
            elif how == NULL:
                values[name] = None
        for spec in plan.fks:
            name = spec.name
            if name in values or spec.attname in values:
                if fixed is not None:
                    fixed.add(name)
                continue
            value, own = self._foreign_key(plan, spec, nested.get(name), ctx, prebuilt)
            if value is not _OMIT:
                values[name] = value
                if own:
                    trusted.append(name)
        generic = {}
        for spec in plan.gfks:
            if spec.name in values or spec.ct_field in values or spec.fk_field in values:
                continue
            target = self._generic_target(plan, spec, ctx, prebuilt)
            if target is not None:
                generic[spec.name] = target
                trusted.append(spec.ct_field)
        for name, _derived in later:
            del values[name]
        if values.keys() <= plan.init_keys:
            instance = plan.build(values)
        else:  # properties, private fields...: Django sorts them out (or names what is unknown)
            instance = plan.model(**values)
        for name, target in generic.items():
            setattr(instance, name, target)
        if later or plan.derived:
            self._derive(plan, instance, plain, later)
        if plan.checks:
            plan.checks.apply(instance, fixed, self.lenient, self)
        if plan.conditional:
            self._outside_conditions(plan, instance, plain, nested, fixed)
        if condition is not None:
            self._meet(plan, instance, plain, condition)
        return instance, trusted

    def _derive(self, plan, instance, plain, later):
        """Compute the Derived values, nested and keyword ones together, in the model's field order."""
        todo = [(n, d) for n, attname, d in plan.derived if n not in plain and attname not in plain]
        todo.extend(later)
        if len(todo) > 1:
            order = plan.field_order
            todo.sort(key=lambda item: order.get(item[0], len(order)))
        for name, derived in todo:
            setattr(instance, name, derived.compute(instance, plan.label, name))

    def _meet(self, plan, instance, plain, condition):
        """Make a new relation target match the ``limit_choices_to`` it is made for."""
        tree, (relation, text), _limit = condition
        if plan.checks.evaluate(tree, instance) is not False:
            return
        if plan.checks.repair(tree, instance, set(plain), self) and plan.checks.holds(instance):
            return
        self.cannot(
            UnsatisfiableConstraintError(
                f"{relation}: limit_choices_to ({text}) asks for a {plan.label} the factory cannot make "
                f"(its values: {plan.checks.values(tree, instance)}); pass {relation.rpartition('.')[2]}=... "
                f"with an instance that matches."
            ),
            None,
        )

    def _limited(self, spec, attrs):
        """(the keywords for a new target of ``spec``, the condition it must meet or None)."""
        if not spec.limited:
            return attrs, None
        limit_attrs, limit = choice_limits(spec.field)
        if limit_attrs is None:
            return attrs, None
        tree, text, q = limit
        return {**limit_attrs, **attrs}, (tree, (f"{spec.field.model._meta.label}.{spec.name}", text), q)

    def _outside_conditions(self, plan, instance, plain, nested, fixed):
        """For each conditional unique set that could clash: keep the row outside its condition, else cycle."""
        checks = plan.checks
        for specs, condition, outside, combo, _name in plan.conditional:
            if all(_fresh(spec, plain, nested) for spec in specs):
                continue  # values no other row has: inside or outside, no clash
            if any(spec.how == NULL and spec.name not in plain and spec.attname not in plain for spec in specs):
                continue  # a NULL in the set: no clash
            if checks.evaluate(condition, instance) is not True:
                continue
            saved = {spec.attname: getattr(instance, spec.attname) for spec in plan.values}
            if (
                checks.repair(outside, instance, fixed, self)
                and checks.evaluate(condition, instance) is not True
                and checks.holds(instance)
            ):
                continue
            for attname, value in saved.items():  # inside it stays: put back what the try changed
                setattr(instance, attname, value)
            if combo is not None:
                for name, value in self._combos(plan, plain, nested, [combo]).items():
                    setattr(instance, name, value)

    def _foreign_key(self, plan, spec, nested, ctx, prebuilt):
        """(value, made by the factory) for one FK/O2O, or (_OMIT, False)."""
        if prebuilt is not None and spec.name in prebuilt:
            return prebuilt[spec.name], True
        how = CREATE if nested is not None else spec.how
        if how == HOOK:
            return self._saved(spec.hook(spec.field, self), ctx), False
        if how == NULL:
            return None, False
        if how == CONTENT_TYPE and (ctx.save or ctx.related):
            if spec.limited:
                return self._limited_content_type(plan, spec, ctx), True
            return self._content_type(plan.model, ctx), True
        if how != CREATE or not (ctx.save or ctx.related):
            return _OMIT, False
        child = self._child_context(plan, spec, ctx)
        if child is None:
            return None, True  # a cycle ends here on purpose: NULL even where blank=False
        attrs, condition = self._limited(spec, dict(nested or {}))
        return self._instance(spec.target, attrs, child, condition=condition), ctx.save

    def _child_context(self, plan, spec, ctx):
        """The context for an FK target; None where a nullable FK closes a cycle."""
        target = _concrete(spec.target)
        if target is not _concrete(plan.model) and target not in ctx.path:
            return ctx.child(plan.model)
        if spec.nullable:
            return None
        if spec.field in ctx.followed:
            raise RelationCycleError(
                f"{plan.label}.{spec.name}: the foreign keys {' -> '.join(m._meta.label for m in (*ctx.path, plan.model))} "
                f"form a cycle with no nullable link; pass {spec.name}=... or make one of them null=True."
            )
        return ctx.child(plan.model, follow=spec.field)

    def _generic_target(self, plan, spec, ctx, prebuilt):
        if prebuilt is not None and spec.name in prebuilt:
            return prebuilt[spec.name]
        if spec.hook is not None:
            return self._saved(spec.hook(spec.field, self), ctx)
        ct_field = plan.meta.get_field(spec.ct_field)
        if not ctx.save or (ct_field.null and ct_field.blank):
            return None
        target = self._generic_target_model(spec)
        if is_content_type(target):
            return self._content_type(plan.model, ctx)
        return self._instance(target, {}, ctx.child(plan.model))

    def _generic_target_model(self, spec):
        """The model whose new instance a GenericForeignKey points at (looked up once)."""
        key = ("gfk", spec.model, spec.name)
        if key not in self._cache:
            self._cache[key] = spec.target_model()
        return self._cache[key]

    @staticmethod
    def _content_type(model, ctx):
        content_types = apps.get_model("contenttypes", "ContentType").objects
        return content_types.db_manager(ctx.using).get_for_model(model, for_concrete_model=False)

    def _limited_content_type(self, plan, spec, ctx):
        """The model's own ContentType if it matches the FK's limit_choices_to, else the first that does."""
        own = self._content_type(plan.model, ctx)
        matching = spec.target._default_manager.db_manager(ctx.using).complex_filter(spec.field.get_limit_choices_to())
        if matching.filter(pk=own.pk).exists():
            return own
        found = matching.order_by("pk").first()
        if found is None:
            return self.cannot(
                UnsatisfiableConstraintError(
                    f"{plan.label}.{spec.name}: no content type matches limit_choices_to "
                    f"({spec.field.get_limit_choices_to()}); pass {spec.name}=... ."
                ),
                own,
            )
        return found

    def _saved(self, value, ctx):
        """Save an unsaved model instance handed in for a relation (make only)."""
        if ctx.save and isinstance(value, models.Model) and value._state.adding and value.pk is None:
            value.save(using=ctx.using)
        return value

    def _combos(self, plan, plain, nested, groups=None):
        """Values for booleans/choices in unique sets (``groups``: default the plan's) that nothing else keeps unique."""
        out = {}
        for key, specs, left_null in plan.combos if groups is None else groups:
            if any(_fresh(spec, plain, nested) for spec in specs):
                continue
            if any(spec.name not in plain and spec.attname not in plain for spec in left_null):
                continue  # this row's set holds a NULL: it clashes with no other row
            free = [
                s
                for s in specs
                if s.name not in plain and s.attname not in plain and s.how in (GENERATE, CHOICES) and s.domain
            ]
            fixed = tuple(plain.get(s.name, plain.get(s.attname)) for s in specs if s not in free)
            try:
                counter_key = (*key, fixed) if hash(fixed) is not None else key
            except TypeError:
                counter_key = key
            k = self.counters.next(counter_key) - 1
            sizes = [len(spec.domain) for spec in free]
            if k >= math.prod(sizes) and self.lenient:
                k %= math.prod(sizes)  # prepare*: the combinations start again
            elif k >= 1 and not free:
                given = ", ".join(f"{s.name}={plain.get(s.name, plain.get(s.attname))!r}" for s in specs)
                raise UniqueExhaustedError(
                    f"{plan.label}: the unique set ({', '.join(spec.name for spec in specs)}) already holds the "
                    f"values given ({given}); pass other values for it."
                )
            elif k >= math.prod(sizes):
                raise UniqueExhaustedError(
                    f"{plan.label}: the unique set ({', '.join(spec.name for spec in specs)}) allows only "
                    f"{math.prod(sizes)} combinations of {', '.join(spec.name for spec in free)}, and all are used; "
                    f"pass other values for its other fields."
                )
            for spec, size in zip(free, sizes):
                k, digit = divmod(k, size)
                out[spec.name] = spec.domain[digit]
        return out

    def _save(self, plan, instance, trusted, ctx):
        for spec in plan.fks:
            related = spec.field.get_cached_value(instance, None) if spec.field.is_cached(instance) else None
            if related is not None and related.pk is None:
                setattr(instance, spec.name, self._saved(related, ctx))  # re-assign: copies the new pk
        if ctx.validate:
            if ctx.using is not None:
                instance._state.db = ctx.using  # FK and unique checks read the database it goes to
            instance.full_clean(trusted, plan.validate_unique, plan.validate_constraints)
        instance.save(using=ctx.using, force_insert=True)

    def _relate(self, plan, instance, nested, m2m, reverse, ctx, auto):
        """After the save: M2M targets, reverse sets."""
        for spec in plan.m2ms:
            if spec.name in m2m:
                targets = m2m[spec.name]
            elif not auto:
                continue
            elif spec.hook is not None:
                targets = spec.hook(spec.field, self)
            elif spec.field.null or _concrete(spec.target) in ctx.path:
                continue  # ``null`` M2M: none; a model already being built: one level deep only
            else:
                child = ctx.child(plan.model)
                attrs, condition = self._limited(spec, dict(nested.get(spec.name, {})))
                targets = [
                    self._instance(spec.target, dict(attrs), child, condition=condition) for _ in range(spec.count())
                ]
            self._link(plan, instance, spec, targets, ctx)
        for accessor, value in reverse.items():
            self._reverse(plan, instance, plan.reverse[accessor], value, ctx)

    def _link(self, plan, instance, spec, targets, ctx):
        targets = [self._saved(target, ctx) for target in targets]
        if not targets:
            return
        if spec.auto:
            getattr(instance, spec.name).add(*targets)
            return
        child = ctx.child(plan.model)
        target_attname = spec.through._meta.get_field(spec.target_name).attname
        for target in targets:
            key = spec.target_name if isinstance(target, models.Model) else target_attname
            self._instance(spec.through, {spec.source_name: instance, key: target}, child)

    def _reverse(self, plan, instance, spec, value, ctx):
        if isinstance(value, int) and not isinstance(value, bool):
            child = ctx.child(plan.model)
            for _ in range(value):
                self._instance(spec.child, {spec.link: instance}, child)
            return
        for item in value if spec.many else [value]:
            setattr(item, spec.link, instance)
            item.save(using=ctx.using)


def _plainly_given(plain, name, attname):
    """Is the field given as a value (not a Sequence or Derived still to be computed)?"""
    value = plain.get(name, plain.get(attname, _OMIT))
    return value is not _OMIT and not isinstance(value, Lazy)


def _hooks(value):
    """One after-make hook or several, as a tuple."""
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def _per_field(table, key, field, compute):
    """``compute(field)`` cached in ``table`` under ``key`` (which holds ``id(field)``); the entry keeps the field."""
    entry = table.get(key)
    if entry is None or entry[0] is not field:
        entry = table[key] = (field, compute(field))
    return entry[1]


def _counter_key(field):
    model = getattr(field, "model", None)  # None for a field not attached to a model
    return (model._meta.label if model else "", field.name)


def _fresh(spec, plain, nested):
    """Will this member of a unique set get a value no other row has?"""
    if spec.name in plain or spec.attname in plain:
        return False
    if spec.name in nested:
        return True
    return spec.fresh
