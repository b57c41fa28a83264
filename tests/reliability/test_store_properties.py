"""Property-based tests of the store contract: random chunk sequences, sizes and interleavings."""

import os
import shutil
import tempfile

from django.test import TestCase
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from deliveries.models import StoredBlob
from deliveries.stores import (
    DatabaseDeliveryStore,
    DbmDeliveryStore,
    DeliveryStoreFileNotFound,
    FsDeliveryStore,
    MemoryDeliveryStore,
)

KEYS = st.sampled_from(["1", "2", "3", "1000001", "probe-x"])
# Small chunk sizes for the stores below, so random data crosses many chunk boundaries.
CHUNK = 64
CHUNKS = st.lists(st.binary(max_size=3 * CHUNK), max_size=6)


class StoreMachine(RuleBasedStateMachine):
    """Runs random operations against a store and a dict model of it; they must agree."""

    make_store = None  # set by the test: () -> (store, cleanup)

    def __init__(self):
        super().__init__()
        self.store, self.cleanup = type(self).make_store()
        self.model = {}

    def teardown(self):
        self.cleanup()

    @rule(key=KEYS, chunks=CHUNKS)
    def write(self, key, chunks):
        with self.store.write_open(key) as writer:
            for chunk in chunks:
                writer.write(chunk)
        self.model[key] = b"".join(chunks)

    @rule(key=KEYS, chunks=CHUNKS)
    def failed_write(self, key, chunks):
        try:
            with self.store.write_open(key) as writer:
                for chunk in chunks:
                    writer.write(chunk)
                raise ConnectionError("upload interrupted")
        except ConnectionError:
            pass

    @rule(key=KEYS, start=st.integers(0, 400), length=st.one_of(st.none(), st.integers(0, 400)))
    def read_range(self, key, start, length):
        if key not in self.model:
            try:
                list(self.store.iter_chunks(key, start, length))
            except DeliveryStoreFileNotFound:
                return
            raise AssertionError(f"read of absent key {key} did not raise")
        got = b"".join(self.store.iter_chunks(key, start, length, chunk_size=CHUNK // 2 + 1))
        end = None if length is None else start + length
        assert got == self.model[key][start:end], (key, start, length)

    @rule(key=KEYS)
    def remove(self, key):
        try:
            self.store.remove(key)
        except DeliveryStoreFileNotFound:
            assert key not in self.model
        else:
            assert self.model.pop(key, None) is not None

    @rule(src=KEYS, dst=KEYS)
    def copy(self, src, dst):
        try:
            self.store.copy(src, dst)
        except DeliveryStoreFileNotFound:
            assert src not in self.model
        else:
            self.model[dst] = self.model[src]

    @invariant()
    def listing_matches(self):
        assert {o.key: o.size for o in self.store.iter_objects()} == {k: len(v) for k, v in self.model.items()}
        for key in self.model:
            assert self.store.exists(key)
            assert self.store.size(key) == len(self.model[key])
        assert [item for item in self.store.iter_leftovers() if item.kind == "temporary"] == []


SETTINGS = settings(
    max_examples=25,
    stateful_step_count=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def temp_store(factory):
    def make():
        tmp = tempfile.mkdtemp(prefix="prop-")
        store = factory(tmp)

        def cleanup():
            getattr(store, "close", lambda: None)()
            shutil.rmtree(tmp, ignore_errors=True)

        return store, cleanup

    return make


class TestStoreProperties(TestCase):
    def run_machine(self, make_store):
        machine = type("Machine", (StoreMachine,), {"make_store": staticmethod(make_store)})
        run_state_machine_as_test(machine, settings=SETTINGS)

    def test_memory(self):
        self.run_machine(lambda: (MemoryDeliveryStore(chunk_size=CHUNK), lambda: None))

    def test_filesystem(self):
        self.run_machine(temp_store(lambda tmp: FsDeliveryStore(root=tmp, fsync=False, chunk_size=CHUNK)))

    def test_dbm(self):
        self.run_machine(
            temp_store(lambda tmp: DbmDeliveryStore(filename=os.path.join(tmp, "s.dbm"), chunk_size=CHUNK))
        )

    def test_database(self):
        def make():
            StoredBlob.objects.all().delete()  # each example starts from an empty store
            return DatabaseDeliveryStore(chunk_size=CHUNK), lambda: None

        self.run_machine(make)
