"""Malformed settings: a clear message that names the variable and an exit status, never a traceback."""

import tempfile

from django.test import SimpleTestCase

from tests.test_settings import manage


class TestMalformedSettings(SimpleTestCase):
    def test_each_misconfiguration(self):
        afile = tempfile.NamedTemporaryFile()
        self.addCleanup(afile.close)
        cases = [
            ({"DEBUG": "off", "SECRET_KEY": ""}, 2, "SECRET_KEY is not set"),
            ({"DATABASE_URL": "garbage"}, 2, "DATABASE_URL='garbage' is not a database URL"),
            ({"DELIVERY_STORE_FILE_MODE": "abc"}, 2, "DELIVERY_STORE_FILE_MODE='abc' is not an octal file mode"),
            ({"DELIVERY_STORE_DIR_MODE": "9"}, 2, "DELIVERY_STORE_DIR_MODE='9'"),
            ({"DELIVERY_STORE_CHUNK_SIZE": "abc"}, 2, "DELIVERY_STORE_CHUNK_SIZE='abc' is not valid"),
            ({"SECURE_HSTS_SECONDS": "x"}, 2, "SECURE_HSTS_SECONDS='x' is not valid"),
            ({"SQLITE_TIMEOUT": "soon"}, 2, "SQLITE_TIMEOUT='soon' is not valid"),
            ({"DELIVERY_STORE_CHUNK_SIZE": "0"}, 1, "deliveries.E002"),
            ({"DELIVERY_STORE_CHUNK_SIZE": "-5"}, 1, "refuses chunk_size=-5"),
            ({"DELIVERY_STORE_BACKEND": "deliveries.stores.Nope"}, 1, "deliveries.E001"),
            ({"DELIVERY_STORE_BACKEND": "os.path"}, 1, "deliveries.E001"),
            ({"DELIVERY_STORE_ROOT": afile.name}, 1, "deliveries.E003"),
            (
                {
                    "DELIVERY_STORE_BACKEND": "deliveries.stores.DbmDeliveryStore",
                    "DELIVERY_STORE_DBM_FILENAME": f"{afile.name}/x.dbm",
                },
                1,
                "deliveries.E003",
            ),
        ]
        for env, status, message in cases:
            with self.subTest(env=env):
                result = manage("check", **env)
                self.assertEqual(result.returncode, status, result.stderr)
                self.assertIn(message, result.stderr)
                self.assertNotIn("Traceback", result.stderr)
