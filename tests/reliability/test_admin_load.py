"""
The admin under load: 16 concurrent clients downloading (whole files, ranges, the zip) and
previewing against gunicorn on 127.0.0.1, for ADMIN_LOAD_SECONDS (15 s by default).

Every answer is checked (status, and the SHA-256 of every byte that came back), no worker may
die or be replaced, and the workers' memory must stay bounded. The figures are printed.
"""

import hashlib
import http.client
import io
import os
import random
import threading
import time
import zipfile
from collections import Counter

import pytest

from tests.support.loadsite import BIG_SIZE, LoadSite, site_files

CLIENTS = 16
SECONDS = float(os.environ.get("ADMIN_LOAD_SECONDS", "15"))
# Growth of a worker's resident memory, from after the warm-up to its peak under load.
RSS_GROWTH_LIMIT = 64 * 1024 * 1024
MAX_RANGE = 2 * 1024 * 1024

pytestmark = pytest.mark.slow


class Reply:
    """One response: status, headers, the body's length and SHA-256, and the body when asked to keep it."""

    def __init__(self, response, keep):
        self.status, self.headers = response.status, response.msg
        digest, body, self.length = hashlib.sha256(), bytearray(), 0
        while chunk := response.read(256 * 1024):
            digest.update(chunk)
            self.length += len(chunk)
            if keep:
                body += chunk
        self.sha256, self.body = digest.hexdigest(), bytes(body)


class LoadClient:
    """
    One logged-in client on its own keep-alive connection, going round every kind of request
    (starting at a different one per client) until told to stop. Problems go to ``errors``.
    """

    def __init__(self, index, site, cookie, files):
        self.index, self.site, self.cookie, self.files = index, site, cookie, files
        self.rng = random.Random(index)
        self.served, self.errors, self.bytes_received = Counter(), [], 0
        self.connection = None
        self.until = None  # None: one round of every kind, then stop
        self.done = False  # set when run() returns normally: a thread that died never sets it
        self.kinds = [name for name in dir(self) if name.startswith("kind_")]
        self.kinds = self.kinds[index % len(self.kinds) :] + self.kinds[: index % len(self.kinds)]

    def fetch(self, path, headers=None, keep=False):
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.site.port, timeout=60)
        self.connection.request("GET", path, headers={"Cookie": self.cookie, **(headers or {})})
        reply = Reply(self.connection.getresponse(), keep)
        self.bytes_received += reply.length
        return reply

    def check(self, kind, reply, status, **expected):
        problems = [f"status {reply.status}, not {status}"] if reply.status != status else []
        for name, value in expected.items():
            actual = reply.headers.get(name.replace("_", "-")) if name != "sha256" else reply.sha256
            if actual != value:
                problems.append(f"{name} {actual!r}, not {value!r}")
        if problems:
            self.errors.append(f"{kind}: {'; '.join(problems)}")

    def run(self):
        self.done = False
        self._run()
        self.done = True

    def _run(self):
        while True:
            for kind in self.kinds:
                if self.until is not None and time.monotonic() >= self.until:
                    self.close()
                    return
                try:
                    getattr(self, kind)(kind)
                    self.served[kind] += 1
                except Exception as e:  # a dropped connection, a timeout, a broken zip: all errors
                    self.errors.append(f"{kind}: {e!r}")
                    self.close()
            if self.until is None:
                return

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    # ---- The requests: each checks its answer ---------------------------------------------------

    def url(self, name, view, delivery=0):
        return f"/admin/deliveries/filemeta/{self.files[f'{delivery}/{name}'].pk}/{view}/"

    def kind_download_big(self, kind):
        big = self.files["0/big.bin"]
        self.check(
            kind, self.fetch(self.url("big.bin", "download")), 200, sha256=big.sha256, content_length=str(big.size)
        )

    def kind_range(self, kind):
        big = self.files["0/big.bin"]
        first = self.rng.randrange(big.size)
        last = min(first + self.rng.randrange(1, MAX_RANGE), big.size - 1)
        reply = self.fetch(self.url("big.bin", "download"), {"Range": f"bytes={first}-{last}"})
        self.check(
            kind, reply, 206, sha256=big.slice_sha256(first, last + 1), content_range=f"bytes {first}-{last}/{big.size}"
        )

    def kind_suffix_range(self, kind):
        big = self.files["0/big.bin"]
        n = self.rng.randrange(1, MAX_RANGE)
        reply = self.fetch(self.url("big.bin", "download"), {"Range": f"bytes=-{n}"})
        self.check(kind, reply, 206, sha256=big.slice_sha256(big.size - n, big.size))

    def kind_download_source(self, kind):
        self.check(kind, self.fetch(self.url("hello.py", "download", 1)), 200, sha256=self.files["1/hello.py"].sha256)

    def kind_not_modified(self, kind):
        source = self.files["0/hello.py"]
        reply = self.fetch(self.url("hello.py", "download"), {"If-None-Match": f'"sha256-{source.sha256}"'})
        self.check(kind, reply, 304, sha256=hashlib.sha256(b"").hexdigest())

    def check_page(self, kind, path, needle):
        """An admin page: 200, and ``needle`` (bytes) on it."""
        reply = self.fetch(path, keep=True)
        self.check(kind, reply, 200)
        if needle not in reply.body:
            self.errors.append(f"{kind}: {needle!r} is not on {path}")

    def kind_preview_text(self, kind):
        self.check_page(kind, self.url("hello.py", "preview"), b'<span class="k">def</span>')

    def kind_preview_hex(self, kind):
        offset = self.rng.randrange(BIG_SIZE) // 4096 * 4096
        row = f'<td class="offset">{offset:08x}</td>'.encode()
        self.check_page(kind, self.url("big.bin", "preview") + f"?mode=hex&offset={offset}", row)

    def kind_file_page(self, kind):
        self.check_page(kind, self.url("photo.png", "change"), b'class="image-preview"')

    def kind_thumbnail(self, kind):
        reply = self.fetch(self.url("photo.png", "preview/image"), keep=True)
        self.check(kind, reply, 200, content_type="image/png")
        if not reply.body.startswith(b"\x89PNG"):
            self.errors.append(f"{kind}: not a PNG")

    def kind_zip(self, kind):
        reply = self.fetch(f"/admin/deliveries/delivery/{self.site.made['deliveries'][0]}/download/", keep=True)
        self.check(kind, reply, 200, content_type="application/zip")
        archive = zipfile.ZipFile(io.BytesIO(reply.body))
        got = {name.rsplit("/", 1)[-1]: hashlib.sha256(archive.read(name)).hexdigest() for name in archive.namelist()}
        want = {key.split("/", 1)[1]: f.sha256 for key, f in self.files.items() if key.startswith("0/")}
        if got != want:
            self.errors.append(f"{kind}: members {sorted(got)} do not match the delivered files")

    def kind_compare(self, kind):
        self.check_page(kind, f"/admin/deliveries/delivery/{self.site.made['deliveries'][1]}/compare/", b"diff_chg")


class Expected:
    """A delivered file as the test knows it: pk, size, SHA-256, and the SHA-256 of any slice."""

    def __init__(self, pk, data):
        self.pk, self.data, self.size = pk, data, len(data)
        self.sha256 = hashlib.sha256(data).hexdigest()

    def slice_sha256(self, start, end):
        return hashlib.sha256(memoryview(self.data)[start:end]).hexdigest()


class RssSampler(threading.Thread):
    """Samples the workers' resident memory every 0.2 s; keeps each worker's peak and how often it was sampled."""

    def __init__(self, site):
        super().__init__(name="rss-sampler", daemon=True)
        self.site, self.peak, self.samples, self.stopping = site, Counter(), Counter(), threading.Event()
        self.done = False  # set when the loop ends normally: a sampler that died never sets it

    def run(self):
        while not self.stopping.wait(0.2):
            for pid, rss in self.site.rss().items():
                self.peak[pid] = max(self.peak[pid], rss)
                self.samples[pid] += 1
        self.done = True

    def stop(self):
        self.stopping.set()
        self.join()


@pytest.fixture
def site():
    site = LoadSite(workers=2, threads=CLIENTS // 2)
    try:
        site.start()
        yield site
    finally:
        site.stop()


def run_clients(clients, until=None):
    for client in clients:
        client.until = until
    threads = [threading.Thread(target=client.run) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(client.done for client in clients), "a client thread died without reporting"


def test_16_clients_download_and_preview(site):
    """16 clients for a bounded time: no error response, every body's SHA-256 right, workers' memory bounded."""
    made = site.made["files"]
    files = {
        f"{index}/{name}": Expected(made[f"{index}/{name}"], data)
        for index, delivered in site_files().items()
        for name, data in delivered.items()
    }
    cookie = site.login()
    clients = [LoadClient(i, site, cookie, files) for i in range(CLIENTS)]
    workers = site.worker_pids()

    run_clients(clients)  # warm-up: one round of every kind per client, so every code path is loaded
    baseline = site.rss()
    sampler = RssSampler(site)
    sampler.start()
    started = time.monotonic()
    run_clients(clients, until=started + SECONDS)
    elapsed = time.monotonic() - started
    sampler.stop()
    after = site.rss()

    served = sum((client.served for client in clients), Counter())
    errors = [error for client in clients for error in client.errors]
    received = sum(client.bytes_received for client in clients)
    growth = {pid: sampler.peak[pid] - baseline[pid] for pid in baseline}
    print(
        f"\nadmin under load: {CLIENTS} clients, {elapsed:.1f} s (+ warm-up): {sum(served.values())} requests served "
        f"({received / 2**20:.0f} MiB), errors: {len(errors)}\n"
        f"  by kind: {', '.join(f'{k.removeprefix("kind_")} {n}' for k, n in sorted(served.items()))}\n"
        + "".join(
            f"  worker {pid}: RSS {baseline[pid] / 2**20:.1f} MiB after warm-up, peak {sampler.peak[pid] / 2**20:.1f} MiB, "
            f"{after.get(pid, 0) / 2**20:.1f} MiB after (growth to peak {growth[pid] / 2**20:+.1f} MiB)\n"
            for pid in sorted(baseline)
        )
    )
    assert errors == [], errors[:20]
    assert set(site.worker_pids()) == set(workers), "a worker died or was replaced under load"
    assert set(served) == set(clients[0].kinds) and min(served.values()) >= CLIENTS  # the warm-up's round at least
    # The bound below holds only if it was measured: the sampler ran to the end, sampling every worker.
    assert sampler.done, "the RSS sampler died"
    assert baseline and all(sampler.samples[pid] >= SECONDS for pid in baseline), sampler.samples  # ~5 a second
    for pid, grown in growth.items():
        assert grown < RSS_GROWTH_LIMIT, f"worker {pid} grew by {grown / 2**20:.1f} MiB"
    log = site.stop()
    for bad in ("Traceback", "[ERROR]", "[CRITICAL]", "WORKER TIMEOUT"):
        assert bad not in log, log[-3000:]
