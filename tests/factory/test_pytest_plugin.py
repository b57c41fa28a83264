"""The pytest fixtures: factory per test (deterministic, after session_factory's values), with db and transactional_db."""

import importlib
import tomllib
from pathlib import Path

import pytest

from factory import Factory
from tests.factoryapp.models import Author

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def shared_author_name(session_factory):
    """A broader-scope fixture drawing from session_factory (no database: its values are what counts)."""
    return session_factory.prepare_one(Author).name


def test_factory_is_a_factory(factory):
    """The factory fixture is a Factory."""
    assert isinstance(factory, Factory)


def test_never_collides_with_broader_fixtures(shared_author_name, factory):
    """A test's values go on after those a broader fixture made with session_factory."""
    assert factory.prepare_one(Author).name != shared_author_name
    assert int(factory.prepare_one(Author).name.rpartition("-")[2]) > int(shared_author_name.rpartition("-")[2])


@pytest.mark.parametrize("run", [1, 2])
def test_same_values_in_every_test(factory, run):
    """A test that uses no broader fixture starts from 1, even after one that did (above)."""
    assert factory.prepare_one(Author).name == "name-1"


def test_with_db(db, factory):
    """With pytest-django's db fixture the factory saves, and full_clean passes."""
    author = factory.make_one(Author)
    assert Author.objects.get(pk=author.pk).name == author.name


@pytest.mark.django_db(transaction=True)
def test_with_transactional_db(transactional_db, factory):
    """With transactional_db too."""
    assert factory.make(2, Author)[1].pk is not None
    assert Author.objects.count() == 2


def test_user_model_generator(db, factory, client):
    """The fixture's factory makes users that can log in with "test", as the TestCase's does."""
    from django.contrib.auth import get_user_model

    user = factory.make_one(get_user_model())
    assert client.login(username=user.username, password="test")


def test_entry_point_declared():
    """pyproject.toml registers the plugin under pytest11, named as the module so -p never loads it twice."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    entry_points = project["project"]["entry-points"]["pytest11"]
    assert entry_points == {"factory.pytest_plugin": "factory.pytest_plugin"}
    module = importlib.import_module(entry_points["factory.pytest_plugin"])
    assert callable(module.factory) and callable(module.session_factory)
