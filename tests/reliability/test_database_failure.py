"""The database failing between the bytes and the row, in both orders: a FileMeta always has its bytes."""

import os
import shutil
import tempfile

from django.db import OperationalError, connection
from django.test import TransactionTestCase

from deliveries.models import FileMeta
from deliveries.stores import FsDeliveryStore, swap_deliverystore
from deliveries.testhelpers import make_delivery


def failing(statement_start):
    """An execute wrapper that fails every SQL statement starting with ``statement_start``, as a dead server would."""

    def wrapper(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(statement_start) and "deliveries_filemeta" in sql:
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    return wrapper


class TestDatabaseFailure(TransactionTestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)
        self.store = FsDeliveryStore(root=self.tmp)
        swap = swap_deliverystore(FileMeta, self.store)
        swap.__enter__()
        self.addCleanup(swap.__exit__, None, None, None)
        self.delivery = make_delivery()

    def assert_nothing_left(self):
        self.assertFalse(FileMeta.objects.exists())
        self.assertEqual(list(self.store.iter_objects()), [])
        self.assertEqual(list(self.store.iter_leftovers()), [])

    def test_row_fails_before_bytes(self):
        """The INSERT of the row fails: no bytes are ever written."""
        with connection.execute_wrapper(failing("INSERT")):
            with self.assertRaisesMessage(OperationalError, "server closed the connection"):
                self.delivery.add_file("a.txt", [b"bytes"])
        self.assert_nothing_left()

    def test_row_fails_after_bytes(self):
        """The bytes are in; recording their size and SHA-256 fails: the bytes are removed again."""
        with connection.execute_wrapper(failing("UPDATE")):
            with self.assertRaisesMessage(OperationalError, "server closed the connection"):
                self.delivery.add_file("a.txt", (b"x" * 65536 for _ in range(16)))
        self.assert_nothing_left()

    def test_delete_fails(self):
        """A DELETE that fails keeps the row and its bytes."""
        fm = self.delivery.add_file("a.txt", [b"bytes"])
        with connection.execute_wrapper(failing("DELETE")):
            with self.assertRaises(OperationalError):
                fm.delete()
        self.assertTrue(FileMeta.objects.filter(pk=fm.pk).exists())
        self.assertEqual(b"".join(self.store.iter_chunks(fm)), b"bytes")
        self.assertTrue(os.listdir(self.tmp))
