"""
Bulk mode: ``factory.make(count, Model, _bulk=True, **attrs)``.

Level by level: the FK targets of all ``count`` rows are bulk-made first (recursively, one new
target per row, as ``make`` would), then the rows are built with the same rules as ``make_one``
and inserted with one ``bulk_create`` (Django splits it into batches the backend accepts), then
M2M targets and through rows are bulk-inserted too. Queries grow with the number of relation
levels, not with ``count``. Differences from ``make``: no ``full_clean()`` unless
``_validate=True``; no ``save()``, so no ``pre_save``/``post_save`` signals (``pre_save`` of fields,
e.g. ``auto_now`` and file saving, still runs); reverse sets are not accepted; a multi-table
inherited child, which ``bulk_create`` cannot insert, is saved row by row.
"""

from django.db.models import Q

from .exceptions import FactoryError
from .plan import CREATE, SKIP, is_content_type


def make_bulk(factory, model, count, attrs, ctx, rows=None, reuse=None, after=(), condition=None):
    """
    ``count`` saved instances of ``model``; ``rows`` adds per-row keywords (through rows).
    ``reuse``: (name, attname) keys to look existing rows up by (default: the nested Factory's
    ``get_or_create``), one query per 500 rows; a row found takes the place of the new one.
    ``after``: hooks run on each new instance once all are saved, after the nested ``after_make``.
    ``condition``: the ``limit_choices_to`` the rows are made for (see ``Factory._limited``).
    """
    plan = factory._plan(model)
    plain, nested, m2m, reverse = plan.split(attrs)
    if reverse:
        raise FactoryError(
            f"{plan.label}: reverse sets ({', '.join(reverse)}) are not supported with _bulk=True; "
            f"bulk-make the children with the parent as their foreign key instead."
        )
    generator = factory.model_generators.get(model) or plan.make_instance
    trusted = ()
    if generator is not None:
        instances = [factory._generated(plan, generator, {**plain, **(rows[i] if rows else {})}) for i in range(count)]
    else:
        given = set(plain).union(rows[0] if rows else ())
        prebuilt = _targets(factory, plan, count, given, nested, ctx)
        instances = []
        for i in range(count):
            row = {**plain, **rows[i]} if rows else plain
            instance, trusted = factory._fill(
                plan, row, nested, ctx, {name: made[i] for name, made in prebuilt.items()}, condition
            )
            instances.append(instance)
    keys = plan.get_or_create if reuse is None else reuse
    result = instances
    if keys:
        result, instances = _reuse(plan, instances, keys, ctx)
    if ctx.validate:
        for instance in instances:
            if ctx.using is not None:
                instance._state.db = ctx.using
            instance.full_clean(trusted, plan.validate_unique, plan.validate_constraints)
    _insert(plan, instances, ctx)
    _many_to_many(factory, plan, instances, nested, m2m, ctx, auto=generator is None)
    hooks = (plan.after_make, *after) if plan.after_make is not None else after
    for hook in hooks:
        for instance in instances:
            hook(instance, factory)
    return result


def _reuse(plan, instances, keys, ctx):
    """(every row: an existing one where its keys match, else the new one; the new ones to insert, each key once)."""
    attnames = [attname for _name, attname in keys]
    key_of = lambda instance: tuple(getattr(instance, attname) for attname in attnames)  # noqa: E731
    found = {}
    manager = plan.model._base_manager.db_manager(ctx.using)
    wanted = list(dict.fromkeys(key_of(instance) for instance in instances))
    for start in range(0, len(wanted), 500):
        condition = Q()
        for key in wanted[start : start + 500]:
            condition |= Q(**dict(zip(attnames, key)))
        for row in manager.filter(condition).order_by("-pk"):
            found[key_of(row)] = row  # by descending pk: the first row of a key wins, as in make_one
    result, new = [], []
    for instance in instances:
        key = key_of(instance)
        if key not in found:
            found[key] = instance
            new.append(instance)
        result.append(found[key])
    return result, new


def _targets(factory, plan, count, given, nested, ctx):
    """{relation name: one saved target per row} for every FK/GFK the factory would create."""
    prebuilt = {}
    for spec in plan.fks:
        if spec.name in given or spec.attname in given or spec.how == SKIP:
            continue
        if spec.how != CREATE and spec.name not in nested:
            continue
        child = factory._child_context(plan, spec, ctx)
        if child is not None:
            attrs, condition = factory._limited(spec, dict(nested.get(spec.name, {})))
            prebuilt[spec.name] = make_bulk(factory, spec.target, count, attrs, child, condition=condition)
    for spec in plan.gfks:
        if {spec.name, spec.ct_field, spec.fk_field} & given or spec.hook is not None:
            continue
        ct_field = plan.meta.get_field(spec.ct_field)
        target = factory._generic_target_model(spec)
        if not (ct_field.null and ct_field.blank) and not is_content_type(target):
            prebuilt[spec.name] = make_bulk(factory, target, count, {}, ctx.child(plan.model))
    return prebuilt


def _insert(plan, instances, ctx):
    if plan.concrete_parents:
        for instance in instances:  # Django cannot bulk_create multi-table inherited models
            instance.save(using=ctx.using, force_insert=True)
    else:
        plan.model._base_manager.db_manager(ctx.using).bulk_create(instances)


def _many_to_many(factory, plan, instances, nested, m2m, ctx, auto):
    child = ctx.child(plan.model)
    for spec in plan.m2ms:
        if spec.name in m2m:
            per_row = [list(m2m[spec.name])] * len(instances)
        elif not auto:
            continue
        elif spec.hook is not None:
            per_row = [[factory._saved(t, ctx) for t in spec.hook(spec.field, factory)] for _ in instances]
        elif spec.field.null or spec.target._meta.concrete_model in ctx.path:
            continue
        else:
            counts = [spec.count() for _ in instances]
            attrs, condition = factory._limited(spec, dict(nested.get(spec.name, {})))
            made = iter(make_bulk(factory, spec.target, sum(counts), attrs, child, condition=condition))
            per_row = [[next(made) for _ in range(n)] for n in counts]
        through = spec.through._meta
        source, target = through.get_field(spec.source_name).attname, through.get_field(spec.target_name).attname
        rows = [
            {source: instance.pk, target: getattr(item, "pk", item)}
            for instance, items in zip(instances, per_row)
            for item in items
        ]
        if not rows:
            continue
        if spec.auto:
            spec.through._base_manager.db_manager(ctx.using).bulk_create([spec.through(**row) for row in rows])
        else:
            make_bulk(factory, spec.through, len(rows), {}, child, rows=rows)
