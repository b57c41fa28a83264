"""
Property-based test of the factory: models defined at random at test time (fields of every common
kind, with random null/blank/unique/max_length/choices/validators, and a foreign key, perhaps with
limit_choices_to; constraints: expression-based and conditional UniqueConstraints, CheckConstraints
with OR and NOT), each made with the factory: every instance passes full_clean() and saves.
"""

import itertools

from django.apps import apps
from django.core import validators
from django.db import connection, models
from django.db.models import Q
from django.db.models.functions import Lower
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TransactionTestCase

from factory import Factory

_names = itertools.count()

CHOICES = st.lists(st.text("abcxyz", min_size=1, max_size=3), min_size=2, max_size=4, unique=True)


@st.composite
def field_specs(draw):
    """One (field class, keyword arguments) for a random field."""
    kind = draw(
        st.sampled_from(
            [
                "char",
                "text",
                "int",
                "smallint",
                "posint",
                "bigint",
                "decimal",
                "float",
                "bool",
                "date",
                "datetime",
                "time",
                "email",
                "slug",
                "url",
                "uuid",
                "json",
                "duration",
                "ip",
                "binary",
            ]
        )
    )
    options = {"null": draw(st.booleans()), "blank": draw(st.booleans())}
    if kind in ("char", "email", "slug", "url"):
        # The shortest lengths at which a column can hold many distinct valid values of its kind.
        shortest = {"char": 5, "slug": 3, "email": 7, "url": 12}[kind]
        options["max_length"] = draw(st.integers(shortest, 120))
    if kind in ("char", "int", "email", "slug", "uuid", "date") and draw(st.booleans()):
        options["unique"] = True
    if kind == "char" and draw(st.booleans()):
        choices = draw(CHOICES)
        options["choices"] = [(c, c.upper()) for c in choices]
        options.pop("unique", None)
    if kind in ("int", "bigint") and draw(st.booleans()):
        low = draw(st.integers(-1000, 1000))
        options["validators"] = [
            validators.MinValueValidator(low),
            validators.MaxValueValidator(low + draw(st.integers(10, 10**6))),
        ]
    if kind == "char" and "choices" not in options and draw(st.booleans()):
        options["validators"] = [validators.MinLengthValidator(draw(st.integers(1, 4)))]
    if kind == "decimal":
        digits = draw(st.integers(1, 12))
        options.update(max_digits=digits, decimal_places=draw(st.integers(0, digits)))
    classes = {
        "char": models.CharField,
        "text": models.TextField,
        "int": models.IntegerField,
        "smallint": models.SmallIntegerField,
        "posint": models.PositiveIntegerField,
        "bigint": models.BigIntegerField,
        "decimal": models.DecimalField,
        "float": models.FloatField,
        "bool": models.BooleanField,
        "date": models.DateField,
        "datetime": models.DateTimeField,
        "time": models.TimeField,
        "email": models.EmailField,
        "slug": models.SlugField,
        "url": models.URLField,
        "uuid": models.UUIDField,
        "json": models.JSONField,
        "duration": models.DurationField,
        "ip": models.GenericIPAddressField,
        "binary": models.BinaryField,
    }
    return classes[kind], options


@st.composite
def model_specs(draw):
    fields = draw(st.lists(field_specs(), min_size=1, max_size=8))
    return {
        "fields": fields,
        "fk": draw(st.sampled_from([None, "required", "nullable"])),
        "limit": draw(st.sampled_from([None, "dict", "q"])),
        "unique_together": draw(st.booleans()) and len(fields) >= 2,
        # Constraints over two helper fields, flag (boolean) and level (integer):
        "lower_unique": draw(st.booleans()),  # UniqueConstraint(Lower(<the first char field>))
        "conditional": draw(st.sampled_from([None, "flag", "first"])),  # unique ... where flag is true
        "check_or": draw(st.booleans()),  # level >= bound OR flag
        "check_not": draw(st.booleans()),  # NOT (level in [...])
        "bound": draw(st.integers(-100, 10**6)),
    }


def build_models(spec):
    """Define a parent model and the random model (with a FK to the parent if asked) and create their tables."""
    n = next(_names)
    parent = type(
        f"RandomParent{n}",
        (models.Model,),
        {
            "__module__": __name__,
            "name": models.CharField(max_length=20),
            "Meta": type("Meta", (), {"app_label": "factoryapp"}),
        },
    )
    attrs = {"__module__": __name__}
    names = []
    for i, (cls, options) in enumerate(spec["fields"]):
        attrs[f"f{i}"] = cls(**options)
        names.append(f"f{i}")
    if spec["fk"]:
        nullable = spec["fk"] == "nullable"
        limit = {None: None, "dict": {"name__startswith": "p"}, "q": Q(name__endswith="!") | Q(name="x")}[spec["limit"]]
        attrs["parent"] = models.ForeignKey(
            parent, on_delete=models.CASCADE, null=nullable, blank=nullable, limit_choices_to=limit
        )
    meta = {"app_label": "factoryapp"}
    if spec["unique_together"]:
        meta["unique_together"] = [(names[0], names[1])]
    constraints = []
    attrs["flag"] = models.BooleanField()
    attrs["level"] = models.IntegerField()
    chars = [name for name, (cls, options) in zip(names, spec["fields"]) if cls is models.CharField]
    if spec["lower_unique"] and chars:
        constraints.append(models.UniqueConstraint(Lower(chars[0]), name=f"random{n}_lower"))
    if spec["conditional"]:
        target = "flag" if spec["conditional"] == "flag" else names[0]
        constraints.append(models.UniqueConstraint(fields=[target], condition=Q(flag=True), name=f"random{n}_cond"))
    if spec["check_or"]:
        constraints.append(
            models.CheckConstraint(condition=Q(level__gte=spec["bound"]) | Q(flag=True), name=f"random{n}_or")
        )
    if spec["check_not"]:
        constraints.append(models.CheckConstraint(condition=~Q(level__in=[1, 2, spec["bound"]]), name=f"random{n}_not"))
    meta["constraints"] = constraints
    attrs["Meta"] = type("Meta", (), meta)
    model = type(f"RandomModel{n}", (models.Model,), attrs)
    with connection.schema_editor() as editor:
        editor.create_model(parent)
        editor.create_model(model)
    return parent, model


def drop_models(*models_):
    """Drop the tables and forget the models, so no later test meets a model without a table."""
    with connection.schema_editor() as editor:
        for model in reversed(models_):
            editor.delete_model(model)
    for model in models_:
        apps.all_models["factoryapp"].pop(model._meta.model_name, None)
    apps.clear_cache()


class TestRandomModels(TransactionTestCase):
    @settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(spec=model_specs(), seed=st.integers(0, 2**32))
    def test_every_instance_validates_and_saves(self, spec, seed):
        parent, model = build_models(spec)
        try:
            factory = Factory(seed=seed)
            made = factory.make(3, model)  # several rows: unique and unique_together must hold between them
            for instance in made:
                instance.full_clean()
                self.assertIsNotNone(instance.pk)
            self.assertEqual(model.objects.count(), 3)
            prepared = factory.prepare_one(model)
            self.assertIsNone(prepared.pk)
        finally:
            drop_models(parent, model)
