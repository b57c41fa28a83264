"""
A throwaway Deliverystore site for load tests, served by gunicorn on 127.0.0.1.

The site runs the project's own settings (DEBUG off) in child processes, with its own SQLite file
and FsDeliveryStore in a temporary directory, a superuser and a few files (SITE_FILES). The test
talks to it over HTTP only. ``python -m tests.support.loadsite seed`` is the seeding step; it
runs with the site's environment (the password in LOADSITE_PASSWORD) and prints what it made as JSON.
"""

import contextlib
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
USERNAME = "load-admin"
BIG_SIZE = 6 * 1024 * 1024 + 123

PYTHON_SOURCE = 'def greet(name):\n    """Say hello."""\n    return f"Hello, {name}"\n' * 40


def site_files():
    """
    {delivery index: {filename: bytes}}: the first delivery has a large binary, source, text and
    an image; the second changes the source, so the two compare.
    """
    from tests.support.admin_fixtures import png_bytes

    return {
        0: {
            "big.bin": random.Random(7).randbytes(BIG_SIZE),
            "hello.py": PYTHON_SOURCE.encode(),
            "notes.txt": b"first line\nsecond line\n" * 100,
            "photo.png": png_bytes((320, 240)),
        },
        1: {
            "hello.py": PYTHON_SOURCE.replace("Hello", "Goodbye").encode(),
            "notes.txt": b"first line\nsecond line\n" * 100,
        },
    }


def seed(password):
    """Create the superuser and the deliveries of site_files(); return {"files": ..., "deliveries": ...}."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from deliveries.models import Delivery
    from deliveries.testhelpers import make_delivery

    get_user_model().objects.create_superuser(USERNAME, "", password)
    first = make_delivery("load")
    made = {"files": {}, "deliveries": []}
    for index, files in site_files().items():
        delivery = first if index == 0 else Delivery.begin(first.assignment_group)
        for name, data in files.items():
            made["files"][f"{index}/{name}"] = delivery.add_file(name, [data]).pk
        delivery.finish()
        made["deliveries"].append(delivery.pk)
    return made


class SiteError(RuntimeError):
    """The load site could not be set up or started."""


class LoadSite:
    """
    The site's temporary directory, database, store and gunicorn. ``start()`` migrates, seeds and
    serves; ``stop()`` ends gunicorn and removes everything. ``made`` is the seeding step's result:
    by default seed()'s; ``seed_module`` names another module whose ``seed`` step prints JSON the
    same way (run with the site's environment). ``env`` adds to the site's environment.
    """

    def __init__(self, workers=2, threads=8, *, seed_module="tests.support.loadsite", env=None):
        self.workers, self.threads = workers, threads
        self.seed_module = seed_module
        self.tmp = tempfile.mkdtemp(prefix="admin-load-")
        self.password = secrets.token_urlsafe(16)
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "project.settings",
            "DATABASE_URL": f"sqlite:///{os.path.join(self.tmp, 'db.sqlite3')}",
            "DELIVERY_STORE_BACKEND": "deliveries.stores.FsDeliveryStore",
            "DELIVERY_STORE_ROOT": os.path.join(self.tmp, "store"),
            "DEBUG": "off",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            # Plain HTTP on loopback: no HTTPS redirect, cookies without the Secure flag.
            "SECURE_SSL_REDIRECT": "off",
            "SESSION_COOKIE_SECURE": "off",
            "CSRF_COOKIE_SECURE": "off",
            "SECURE_HSTS_SECONDS": "0",
            "DELIVERIES_LOG_LEVEL": "WARNING",  # one INFO line per download would flood the log
            "LOADSITE_PASSWORD": self.password,
            **(env or {}),
        }
        self.log_path = os.path.join(self.tmp, "gunicorn.log")
        self.process = None
        self.port = None
        self.made = None

    def _run(self, *args, timeout=300):
        result = subprocess.run(
            [sys.executable, *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if result.returncode:
            raise SiteError(
                f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
            )
        return result.stdout

    def start(self):
        self._run("manage.py", "migrate", "--noinput")
        self.made = json.loads(self._run("-m", self.seed_module, "seed", timeout=1800).splitlines()[-1])
        # Bind the port here and hand the socket over: no window in which another process takes it.
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(128)
        listener.set_inheritable(True)
        self.port = listener.getsockname()[1]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "project.wsgi:application",
                    "--bind",
                    f"fd://{listener.fileno()}",
                    "--workers",
                    str(self.workers),
                    "--threads",
                    str(self.threads),
                    "--worker-class",
                    "gthread",
                    "--timeout",
                    "60",
                    "--graceful-timeout",
                    "10",
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=[listener.fileno()],
            )
        listener.close()
        self._wait_ready()

    def _wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SiteError(f"gunicorn exited with status {self.process.returncode}:\n{self.log()[-3000:]}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"{self.url}/admin/login/", timeout=5) as response:
                    if response.status == 200 and len(self.worker_pids()) == self.workers:
                        return
            time.sleep(0.2)
        raise SiteError(f"gunicorn did not answer within {timeout} s:\n{self.log()[-3000:]}")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def worker_pids(self):
        """The pids of gunicorn's workers: the master's children."""
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            with contextlib.suppress(OSError):
                with open(f"/proc/{entry}/stat") as f:
                    # The command name, in parentheses, may hold spaces: the fields follow the last ")".
                    fields = f.read().rsplit(")", 1)[1].split()
                if int(fields[1]) == self.process.pid:
                    pids.append(int(entry))
        return sorted(pids)

    def rss(self):
        """{worker pid: resident set size in bytes}."""
        sizes = {}
        for pid in self.worker_pids():
            with contextlib.suppress(OSError, TypeError):
                sizes[pid] = self._status_kib(pid, "VmRSS") * 1024
        return sizes

    def _status_kib(self, pid, field):
        with open(f"/proc/{pid}/status") as f:
            match = re.search(rf"^{field}:\s+(\d+) kB", f.read(), re.MULTILINE)
        return int(match.group(1)) if match else None

    def reset_peaks(self):
        """Make each worker's peak resident size (VmHWM) start again from its current size (Linux)."""
        for pid in self.worker_pids():
            with open(f"/proc/{pid}/clear_refs", "w") as f:
                f.write("5")

    def peaks(self):
        """{worker pid: (resident size, peak resident size since reset_peaks()) in bytes}."""
        return {
            pid: (self._status_kib(pid, "VmRSS") * 1024, self._status_kib(pid, "VmHWM") * 1024)
            for pid in self.worker_pids()
        }

    def login(self):
        """Log in as the superuser through the login form; return the Cookie header of the session."""
        opener = urllib.request.build_opener(NoRedirect)
        with opener.open(f"{self.url}/admin/login/", timeout=30) as response:
            page = response.read().decode()
            csrf_cookie = _cookie(response.headers, "csrftoken")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode(
            {"username": USERNAME, "password": self.password, "csrfmiddlewaretoken": token, "next": "/admin/"}
        )
        request = urllib.request.Request(
            f"{self.url}/admin/login/",
            data=form.encode(),
            headers={"Cookie": f"csrftoken={csrf_cookie}"},
            method="POST",
        )
        try:
            opener.open(request, timeout=30)
        except urllib.error.HTTPError as e:  # the 302 to /admin/, as NoRedirect leaves it
            if e.code != 302:
                raise SiteError(f"login failed: HTTP {e.code}") from e
            session = _cookie(e.headers, "sessionid")
        else:
            raise SiteError("login failed: the form was shown again (wrong password?)")
        if not session:
            raise SiteError("login failed: no session cookie")
        return f"sessionid={session}"

    def stop(self):
        """Stop gunicorn (SIGTERM, then SIGKILL) and remove the site's directory; return gunicorn's log."""
        log = ""
        try:
            if self.process and self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(30)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(10)
            if os.path.exists(self.log_path):
                log = self.log()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)
        return log


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _cookie(headers, name):
    for header in headers.get_all("Set-Cookie") or []:
        match = re.match(rf"{name}=([^;]*)", header)
        if match:
            return match.group(1)
    return None


if __name__ == "__main__":
    if sys.argv[1:] != ["seed"]:
        sys.exit("usage: LOADSITE_PASSWORD=... python -m tests.support.loadsite seed")
    print(json.dumps(seed(os.environ["LOADSITE_PASSWORD"])))
