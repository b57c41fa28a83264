"""
pytest fixtures for the factory, registered by the package's ``pytest11`` entry point (so
installing the package is enough; in a checkout, ``-p factory.pytest_plugin`` loads it):

- ``factory``: a ``Factory`` for one test. A test that uses ``session_factory`` (itself or
  through its fixtures) gets values that go on from where ``session_factory``'s stood when the
  test started, so they never collide with what its broader fixtures made; any other test
  starts from 1, whatever ran before it. Ask for ``db`` or ``transactional_db`` (or mark the
  test ``django_db``) to save, as for any database access under pytest-django.
- ``session_factory``: one ``Factory`` for the whole run, for fixtures of broader scope
  (``setUpTestData``'s counterpart): its values never repeat within the run.

Both have a model generator for the user model that sets a usable password (``"test"``).
"""

import pytest

from .core import Factory
from .counters import Counters

_COUNTERS = pytest.StashKey[Counters]()


def _session_counters(config):
    if _COUNTERS not in config.stash:
        config.stash[_COUNTERS] = Counters()
    return config.stash[_COUNTERS]


def _factory(counters):
    from .testcase import default_model_generators  # imports Django's test tools: not before pytest-django

    return Factory(counters=counters, model_generators=default_model_generators())


@pytest.fixture(scope="session")
def session_factory(request):
    """A Factory for fixtures of module, class or session scope; its values never repeat within the run."""
    return _factory(_session_counters(request.config))


@pytest.fixture
def factory(request):
    """A Factory for one test: from 1, or from where session_factory stands if the test uses it."""
    if "session_factory" in request.fixturenames:
        return _factory(_session_counters(request.config).copy())
    return _factory(Counters())
