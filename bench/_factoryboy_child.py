"""
Run inside var/bench-factoryboy (a venv with factory_boy and Django): the same Author/Book rows
as bench_factory, with factory_boy, against a plain objects.create loop in this process.

factory_boy's import name is ``factory``, like our package: the repository root goes to the END
of sys.path, so ``import factory`` finds factory_boy and ``tests.factoryapp`` is still found.
"""

import json
import sys

sys.path.append(sys.argv[1])

from harness import plain_create, run_cases, setup_factory_models  # noqa: E402  (bench/ is sys.path[0])

setup_factory_models()

import factory  # noqa: E402  (factory_boy)
from factory.django import DjangoModelFactory  # noqa: E402
from tests.factoryapp.models import Author, Book  # noqa: E402

assert "site-packages" in factory.__file__, factory.__file__


class AuthorFactory(DjangoModelFactory):
    class Meta:
        model = Author

    name = factory.Sequence(lambda n: f"name-{n}")


class BookFactory(DjangoModelFactory):
    class Meta:
        model = Book

    title = factory.Sequence(lambda n: f"title-{n}")
    pages = factory.Sequence(lambda n: n)
    price = factory.Faker("pydecimal", left_digits=4, right_digits=2, positive=True)
    published = factory.Faker("date_object")
    is_active = False
    author = factory.SubFactory(AuthorFactory)


rows, rounds = int(sys.argv[2]), int(sys.argv[3])
cases = {
    "plain": (plain_create, rows),
    "factory_boy": (lambda n: [BookFactory() for _ in range(n)], rows),
}
print(json.dumps(run_cases(cases, rounds)))
