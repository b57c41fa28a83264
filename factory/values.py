"""
Values computed per instance, given as keywords, in states, or as ``get_<field>`` hooks:

- ``Sequence("book-{n}")`` or ``Sequence(lambda n: ...)``: numbered 1, 2, 3... per model and
  field (``start=`` to begin elsewhere), from the factory's counters, so a test's factory numbers
  from where its class's fixtures stopped and ``factory.reset()`` starts again.
- ``Derived(lambda instance: ...)`` or ``Derived("author.name")``: computed from the instance
  once every other value is set (foreign keys included). Several are computed in the model's
  field order (the nested Factory's ``get_<field> = Derived(...)`` hooks and keywords alike), so
  one may read another of a field declared before it.
"""

from .exceptions import FactoryError


class Lazy:
    """Base class of the values the factory resolves per instance."""

    __slots__ = ()


class Sequence(Lazy):
    """A value numbered per (model, field): ``Sequence("book-{n}")``, ``Sequence(lambda n: n * 10)``."""

    __slots__ = ("template", "start")

    def __init__(self, template, start=1):
        if not (callable(template) or isinstance(template, str)):
            raise TypeError(f"Sequence takes a format string with {{n}} or a function of n, not {template!r}.")
        self.template, self.start = template, start

    def __call__(self, field, factory):
        """The next value for ``field`` (the ``get_<field>(field, factory)`` hook signature)."""
        model = getattr(field, "model", None)
        return self.value(factory, model._meta.label if model is not None else "", field.name)

    def value(self, factory, label, name):
        n = factory.counters.next(("sequence", label, name)) + self.start - 1
        return self.template(n) if callable(self.template) else self.template.format(n=n)

    def __repr__(self):
        return f"Sequence({self.template!r})"


class Derived(Lazy):
    """A value computed from the instance being built: ``Derived(lambda book: ...)``, ``Derived("author.name")``."""

    __slots__ = ("source",)

    def __init__(self, source):
        if not (callable(source) or isinstance(source, str)):
            raise TypeError(f"Derived takes a function of the instance or a dotted attribute path, not {source!r}.")
        self.source = source

    def compute(self, instance, label, name):
        try:
            if callable(self.source):
                return self.source(instance)
            value = instance
            for part in self.source.split("."):
                value = getattr(value, part)
            return value
        except Exception as error:
            raise FactoryError(
                f"{label}.{name}: the derived value {self!r} failed with {type(error).__name__}: {error}. "
                f"It sees the instance with every other value set (foreign keys included, derived values "
                f"listed before it); pass {name}=... or make it handle what is missing."
            ) from error

    def __repr__(self):
        return f"Derived({self.source!r})"
