"""
Checked by mypy in `make lint` (never run): the factory's calls are typed with the model's class.

A change that loses the types (make_one returning Any or Model) fails ``assert_type`` under mypy.
"""

from typing import assert_type

from django.db import models

from factory import Factory
from tests.factoryapp.models import Author, Book


async def typed_calls(factory: Factory) -> None:
    assert_type(factory.make_one(Book), Book)
    assert_type(factory.make(3, Author), list[Author])
    assert_type(factory.prepare_one(Book, title="x"), Book)
    assert_type(factory.prepare(2, Book), list[Book])
    assert_type(factory.prepare_fields(Author), Author)
    assert_type(await factory.amake_one(Book), Book)
    assert_type(await factory.amake(2, Book), list[Book])
    assert_type(factory.make_one("factoryapp.Book"), models.Model)
