"""Fixtures shared by every test."""

import pytest

from deliveries.models import FileMeta
from deliveries.stores import MemoryDeliveryStore, swap_deliverystore
from tests.support.ci_skips import pytest_configure  # noqa: F401  (a skip fails a run under CI=true)


@pytest.fixture
def memory_store():
    """A fresh MemoryDeliveryStore as FileMeta.deliverystore for one test."""
    with swap_deliverystore(FileMeta, MemoryDeliveryStore()) as store:
        yield store


@pytest.fixture(scope="session")
def seaweedfs():
    """
    A SeaweedFS S3 server for the whole session (tests/seaweedfs.py), stopped at the end. Without
    the weed binary the tests that need it fail, loudly under CI=true and with a how-to otherwise.
    """
    from tests.support.seaweedfs import SeaweedFS, SeaweedFSUnavailable

    server = SeaweedFS()
    try:
        server.start()
    except SeaweedFSUnavailable as e:
        pytest.fail(f"SeaweedFS is needed by this test and could not start: {e}", pytrace=False)
    yield server
    server.stop()


@pytest.fixture(scope="class")
def seaweedfs_class(request, seaweedfs):
    """Give a unittest-style test class the session's SeaweedFS as ``self.seaweedfs``."""
    request.cls.seaweedfs = seaweedfs
