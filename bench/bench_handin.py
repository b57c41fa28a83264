"""
Memory of the admin's hand-in page and assignment zip, in a real server process.

A throwaway site (tests/support/loadsite.py: gunicorn, one worker, DEBUG off, SQLite and an
FsDeliveryStore in a temporary directory) is seeded with the seedfactory demo and a group holding
one big file. Over HTTP on 127.0.0.1, each way below runs once while the worker's peak resident
size (VmHWM, reset before each way through /proc/<pid>/clear_refs) is watched:

* baseline: downloading the big file (BENCH_HANDIN_MIB MiB, default 512) through the download view;
* handing in a file of the same size through the hand-in page (a multipart POST, streamed by the
  client, spooled to disk by Django, streamed into the store);
* the assignment zip, every delivery, of the demo's assignment with the most files;
* the assignment zip, every delivery, of the assignment holding the big file and its hand-in.

Aim (issue 16): each grows the worker by less than 32 MiB above idle, as the baseline does.
Environment: BENCH_HANDIN_MIB (default 512), BENCH_HANDIN_DEMO (small, medium or large; default
medium), BENCH_DIR (where the site's temporary directory goes; default the system's).
"""

import http.client
import json
import os
import re
import sys
import time

from bench.harness import print_table

MiB = 1024 * 1024
SIZE_MIB = int(os.environ.get("BENCH_HANDIN_MIB", "512"))
DEMO = os.environ.get("BENCH_HANDIN_DEMO", "medium")
AIM_MIB = 32
BOUNDARY = "BenchHandInBoundary"


def seed():
    """In the site's environment: the superuser, the demo, and a group with one big file; print what was made."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from deliveries.models import Assignment
    from deliveries.seeding.demo import seed_demo
    from deliveries.testhelpers import make_delivery
    from tests.support.loadsite import USERNAME

    get_user_model().objects.create_superuser(USERNAME, "", os.environ["LOADSITE_PASSWORD"])
    seed_demo(DEMO, seed=1)
    delivery = make_delivery("bench-handin")
    block = os.urandom(MiB)
    big = delivery.add_file("big.bin", (block for _ in range(SIZE_MIB)))
    delivery.finish()
    busiest = Assignment.objects.annotate(files=Count("groups__deliveries__filemetas")).order_by("-files").first()
    return {
        "group": delivery.assignment_group_id,
        "big_file": big.pk,
        "big_assignment": delivery.assignment_group.assignment_id,
        "demo_assignment": busiest.pk,
        "demo_files": busiest.files,
    }


class Client:
    """HTTP to the site as the logged-in superuser; every body read in chunks and dropped."""

    def __init__(self, site):
        self.site = site
        self.cookie = site.login()

    def connection(self):
        return http.client.HTTPConnection("127.0.0.1", self.site.port, timeout=600)

    def get(self, path):
        """GET ``path``; return (status, headers, bytes received, body if it was small)."""
        conn = self.connection()
        conn.request("GET", path, headers={"Cookie": self.cookie})
        response = conn.getresponse()
        received, kept = 0, bytearray()
        while chunk := response.read(MiB):
            received += len(chunk)
            if len(kept) < MiB:
                kept += chunk
        conn.close()
        return response.status, response.msg, received, bytes(kept)

    def hand_in(self, group, size):
        """POST one file of ``size`` bytes to the group's hand-in page, the body streamed; return (status, Location)."""
        path = f"/admin/deliveries/assignmentgroup/{group}/deliver/"
        status, headers, _, page = self.get(path)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        cookies = "; ".join(headers.get_all("Set-Cookie") or [])
        csrf_cookie = re.search(r"csrftoken=([^;]+)", cookies).group(1)
        head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{token}\r\n'
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="handed-in.bin"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        block = os.urandom(MiB)

        def body():
            yield head
            for _ in range(size // MiB):
                yield block
            yield tail

        conn = self.connection()
        conn.request(
            "POST",
            path,
            body=body(),
            headers={
                "Cookie": f"{self.cookie}; csrftoken={csrf_cookie}",
                "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
                "Content-Length": str(len(head) + size + len(tail)),
            },
        )
        response = conn.getresponse()
        response.read()
        conn.close()
        return response.status, response.getheader("Location", "")


def measure(site, label, work):
    """Run ``work()`` (returns bytes moved) with the worker's peak reset; return a table row."""
    (pid,) = site.worker_pids()
    site.reset_peaks()
    idle = site.peaks()[pid][0]
    started = time.perf_counter()
    moved = work()
    seconds = time.perf_counter() - started
    peak = site.peaks()[pid][1]
    return {"label": label, "idle": idle, "above": max(peak - idle, 0), "moved": moved, "seconds": seconds}


def main():
    from tests.support.loadsite import LoadSite

    env = {
        "DELIVERY_STORE_FSYNC": "off",
        "DELIVERY_UPLOAD_MAX_FILE_SIZE": str(2 * SIZE_MIB * MiB),
        "DELIVERY_UPLOAD_MAX_TOTAL_SIZE": str(2 * SIZE_MIB * MiB),
        "BENCH_HANDIN_MIB": str(SIZE_MIB),
        "BENCH_HANDIN_DEMO": DEMO,
    }
    if os.environ.get("BENCH_DIR"):
        env["FILE_UPLOAD_TEMP_DIR"] = os.environ["BENCH_DIR"]
        os.environ["TMPDIR"] = os.environ["BENCH_DIR"]  # the site's directory goes there too
    site = LoadSite(workers=1, threads=2, seed_module="bench.bench_handin", env=env)
    started = time.perf_counter()
    site.start()
    seeded = time.perf_counter() - started
    try:
        made = site.made
        client = Client(site)
        zips = {
            "demo": f"/admin/deliveries/assignment/{made['demo_assignment']}/download/?deliveries=all",
            "big": f"/admin/deliveries/assignment/{made['big_assignment']}/download/?deliveries=all",
        }
        # Warm up every page once (imports, templates, session) with a few bytes each.
        client.get(f"/admin/deliveries/assignmentgroup/{made['group']}/deliver/")
        client.get(zips["demo"])
        client.hand_in(made["group"], MiB)

        def download():
            status, _, received, _ = client.get(f"/admin/deliveries/filemeta/{made['big_file']}/download/")
            assert status == 200 and received == SIZE_MIB * MiB, (status, received)
            return received

        def upload():
            status, location = client.hand_in(made["group"], SIZE_MIB * MiB)
            assert status == 302 and "/delivery/" in location, (status, location)
            return SIZE_MIB * MiB

        def zip_of(which):
            def work():
                status, headers, received, _ = client.get(zips[which])
                assert status == 200 and headers["Content-Type"] == "application/zip", status
                return received

            return work

        rows = [
            measure(site, f"download {SIZE_MIB} MiB (baseline)", download),
            measure(site, f"hand in {SIZE_MIB} MiB", upload),
            measure(site, f"assignment zip, {DEMO} demo ({made['demo_files']:,} files)", zip_of("demo")),
            measure(site, f"assignment zip with the {SIZE_MIB} MiB files", zip_of("big")),
        ]
    finally:
        log = site.stop()
    if "Traceback" in log:
        print(log[-3000:], file=sys.stderr)
    baseline = rows[0]["above"] or 1
    print_table(
        f"Worker memory (gunicorn, 1 worker, FsDeliveryStore) for the hand-in page and the assignment zip; "
        f"site seeded in {seeded:.0f} s. Baseline: the same worker serving a {SIZE_MIB} MiB download. "
        f"Aim: < {AIM_MIB} MiB above idle.",
        ["way", "idle MiB", "peak above idle MiB", "vs baseline", "MiB moved", "MiB/s", f"< {AIM_MIB} MiB"],
        [
            [
                row["label"],
                f"{row['idle'] / MiB:.1f}",
                f"{row['above'] / MiB:.1f}",
                f"{row['above'] / baseline:.2f}x",
                f"{row['moved'] / MiB:,.2f}",
                f"{row['moved'] / MiB / row['seconds']:.0f}",
                "yes" if row["above"] < AIM_MIB * MiB else "NO",
            ]
            for row in rows
        ],
    )


if __name__ == "__main__":
    if sys.argv[1:] == ["seed"]:
        print(json.dumps(seed()))
    else:
        main()
