"""
S3DeliveryStore against django-storages' S3Storage (the baseline) on one SeaweedFS server.

Both write the same 256 MiB (a seekable, generated stream, so the source itself holds one
block) and read it back in 1 MiB reads, hashing every byte. Each step runs in a fresh Python
process, so its peak memory is its own: the figure is the growth of the process's peak RSS
during the step (ru_maxrss), which counts C buffers too. Ratios are ours / baseline.

Run: ``python -m bench.bench_s3 [--size-mib N]`` (or ``make bench``).
"""

import argparse
import hashlib
import io
import json
import os
import random
import resource
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MiB = 1024 * 1024
BLOCK = random.Random(0).randbytes(MiB)
STEPS = ("ours-write", "ours-read", "storages-write", "storages-read")


class RepeatReader(io.RawIOBase):
    """``size`` bytes of BLOCK repeated: a seekable source that holds one block, not the object."""

    def __init__(self, size):
        super().__init__()
        self.size, self.pos = size, 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def seek(self, offset, whence=io.SEEK_SET):
        self.pos = {io.SEEK_SET: 0, io.SEEK_CUR: self.pos, io.SEEK_END: self.size}[whence] + offset
        return self.pos

    def tell(self):
        return self.pos

    def readinto(self, buffer):
        n = min(len(buffer), self.size - self.pos, MiB - self.pos % MiB)
        if n <= 0:
            return 0
        start = self.pos % MiB
        buffer[:n] = BLOCK[start : start + n]
        self.pos += n
        return n


def expected_sha256(size):
    digest = hashlib.sha256()
    for _ in range(size // MiB):
        digest.update(BLOCK)
    digest.update(BLOCK[: size % MiB])
    return digest.hexdigest()


# ---- one step, in a child process ---------------------------------------------------------------


def _setup_django(server):
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "project.settings",
            "AWS_CONFIG_FILE": os.devnull,  # nobody's ~/.aws leaks into the run
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        }
    )
    sys.path.insert(0, ROOT)
    import django
    from django.conf import settings

    django.setup()
    settings.STORAGES = {
        **settings.STORAGES,
        "bench": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": server["bucket"],
                "location": "bench-storages",
                "endpoint_url": server["endpoint_url"],
                "region_name": "us-east-1",
                "access_key": server["access_key"],
                "secret_key": server["secret_key"],
                "addressing_style": "path",
                "signature_version": "s3v4",
                "file_overwrite": True,
            },
        },
    }


def _ours(server):
    from deliveries.stores import S3DeliveryStore

    return S3DeliveryStore(
        bucket=server["bucket"],
        prefix="bench-ours",
        endpoint_url=server["endpoint_url"],
        region="us-east-1",
        access_key_id=server["access_key"],
        secret_access_key=server["secret_key"],
        chunk_size=MiB,
    )


def _storages():
    from django.core.files.storage import storages

    return storages["bench"]


def _hash_reads(reader):
    digest = hashlib.sha256()
    while chunk := reader.read(MiB):
        digest.update(chunk)
    return digest.hexdigest()


def run_step(step, server, size):
    """Do one step; return (seconds, sha256 of what was read or "")."""
    if step.startswith("ours"):
        store = _ours(server)
        store.exists("warmup")  # make the client (and its connection) before the clock starts
    else:
        storage = _storages()
        storage.exists("warmup")
    source = io.BufferedReader(RepeatReader(size), MiB)  # full reads, as s3transfer expects
    start = time.perf_counter()
    sha256 = ""
    if step == "ours-write":
        with store.write_open("bench") as writer:
            while chunk := source.read(MiB):
                writer.write(chunk)
    elif step == "ours-read":
        with store.read_open("bench") as reader:
            sha256 = _hash_reads(reader)
    elif step == "storages-write":
        from django.core.files import File

        storage.save("bench", File(source, name="bench"))
    else:
        with storage.open("bench", "rb") as reader:
            sha256 = _hash_reads(reader)
    return time.perf_counter() - start, sha256


def child(argv):
    step, size = argv[0], int(argv[1])
    server = json.loads(os.environ["BENCH_S3_SERVER"])
    _setup_django(server)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    seconds, sha256 = run_step(step, server, size)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    print(json.dumps({"seconds": seconds, "sha256": sha256, "peak_kib": peak}))


# ---- the driver ------------------------------------------------------------------------------


def measure(server, size):
    """Run every step in its own process; return {step: result}."""
    env = {**os.environ, "BENCH_S3_SERVER": json.dumps(server)}
    results = {}
    for step in STEPS:
        out = subprocess.run(
            [sys.executable, "-m", "bench.bench_s3", "--child", step, str(size)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode:
            raise SystemExit(f"bench_s3 step {step} failed:\n{out.stderr[-3000:]}")
        results[step] = json.loads(out.stdout.strip().splitlines()[-1])
    expected = expected_sha256(size)
    for step in ("ours-read", "storages-read"):
        if results[step]["sha256"] != expected:
            raise SystemExit(f"bench_s3: {step} read back different bytes")
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=256, help="Object size in MiB (default 256).")
    args = parser.parse_args(argv if argv is not None else [])
    sys.path.insert(0, ROOT)
    from bench.harness import print_table
    from tests.support.seaweedfs import SeaweedFS

    size = args.size_mib * MiB
    with SeaweedFS(bucket="bench") as weed:
        server = {
            "endpoint_url": weed.endpoint_url,
            "bucket": weed.bucket,
            "access_key": weed.access_key,
            "secret_key": weed.secret_key,
        }
        results = measure(server, size)
    rows = []
    for op in ("write", "read"):
        ours, base = results[f"ours-{op}"], results[f"storages-{op}"]
        speed = [size / MiB / r["seconds"] for r in (ours, base)]
        peak = [r["peak_kib"] / 1024 for r in (ours, base)]
        rows.append(
            [
                op,
                f"{speed[0]:.0f}",
                f"{speed[1]:.0f}",
                f"{speed[0] / speed[1]:.2f}",
                f"{peak[0]:.0f}",
                f"{peak[1]:.0f}",
                f"{peak[0] / peak[1]:.2f}" if peak[1] else "-",
            ]
        )
    print_table(
        f"S3DeliveryStore vs django-storages S3Storage, {args.size_mib} MiB object, SeaweedFS on loopback",
        ["op", "ours MiB/s", "S3Storage MiB/s", "speed ratio", "ours peak MiB", "S3Storage peak MiB", "memory ratio"],
        rows,
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2:])
    else:
        main(sys.argv[1:])
