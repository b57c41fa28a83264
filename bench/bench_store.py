"""
FsDeliveryStore write and read of 256 MiB in 1 MiB chunks, against:

* plain Python open/write/fsync/rename (the durable baseline for the default, fsync=True),
* Django's FileSystemStorage.save (no fsync: the baseline for fsync=False),
* a plain Python read of the same file (the baseline for reads).

Aims (issue 2): durable write >= 0.9x plain durable; fsync=False >= 0.9x FileSystemStorage;
read >= 0.9x plain read.
"""

import os
import shutil
import tempfile

from bench.harness import best_of, print_table, setup_django

MiB = 1024 * 1024
SIZE = int(os.environ.get("BENCH_STORE_MIB", "256")) * MiB
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))


def main():
    setup_django()
    from django.core.files.base import File
    from django.core.files.storage import FileSystemStorage

    from deliveries.stores import FsDeliveryStore

    chunk = os.urandom(MiB)
    chunks = SIZE // MiB
    tmp = tempfile.mkdtemp(prefix="bench-store-", dir=os.environ.get("BENCH_DIR"))
    try:
        counter = iter(range(10**9))

        def plain_durable():
            n = next(counter)
            path, tmp_path = os.path.join(tmp, f"plain-{n}"), os.path.join(tmp, f".plain-{n}")
            with open(tmp_path, "wb") as f:
                for _ in range(chunks):
                    f.write(chunk)
                f.flush()
                os.fsync(f.fileno())
            os.rename(tmp_path, path)
            dir_fd = os.open(tmp, os.O_RDONLY)
            os.fsync(dir_fd)
            os.close(dir_fd)
            os.unlink(path)

        def store_write(store):
            def run():
                key = str(next(counter))
                with store.write_open(key) as writer:
                    for _ in range(chunks):
                        writer.write(chunk)
                store.remove(key)

            return run

        class Chunks(File):
            """Feeds FileSystemStorage.save the same 1 MiB chunks, without holding 256 MiB."""

            def __init__(self):
                super().__init__(None, name="bench.bin")
                self.size = SIZE

            def chunks(self, chunk_size=None):
                for _ in range(chunks):
                    yield chunk

        fss = FileSystemStorage(location=os.path.join(tmp, "django"))

        def django_save():
            name = fss.save(f"f{next(counter)}", Chunks())
            fss.delete(name)

        durable = FsDeliveryStore(root=os.path.join(tmp, "durable"))
        fast = FsDeliveryStore(root=os.path.join(tmp, "fast"), fsync=False)

        results = {
            "plain open/write/fsync/rename": best_of(REPEAT, plain_durable),
            "FsDeliveryStore (fsync=True)": best_of(REPEAT, store_write(durable)),
            "FileSystemStorage.save (no fsync)": best_of(REPEAT, django_save),
            "FsDeliveryStore (fsync=False)": best_of(REPEAT, store_write(fast)),
        }

        # Reads: the same file, from the page cache, in 1 MiB chunks.
        with durable.write_open("1") as writer:
            for _ in range(chunks):
                writer.write(chunk)
        path = os.path.join(durable.root, "0", "000", "1")

        def plain_read():
            with open(path, "rb", buffering=0) as f:
                while f.read(MiB):
                    pass

        def store_read():
            for _ in durable.iter_chunks("1", chunk_size=MiB):
                pass

        plain_read()  # warm the page cache for both
        results["plain read"] = best_of(REPEAT, plain_read)
        results["FsDeliveryStore.iter_chunks"] = best_of(REPEAT, store_read)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    mib = SIZE / MiB

    def row(name, baseline, aim):
        speed, base = mib / results[name], mib / results[baseline]
        return [name, f"{speed:,.0f}", baseline, f"{base:,.0f}", f"{speed / base:.2f}x", aim]

    print_table(
        f"DeliveryStore: {mib:.0f} MiB in 1 MiB chunks, best of {REPEAT} (MiB/s)",
        ["measured", "MiB/s", "baseline", "MiB/s", "ratio", "aim"],
        [
            row("FsDeliveryStore (fsync=True)", "plain open/write/fsync/rename", ">= 0.9x"),
            row("FsDeliveryStore (fsync=False)", "FileSystemStorage.save (no fsync)", ">= 0.9x"),
            row("FsDeliveryStore.iter_chunks", "plain read", ">= 0.9x"),
        ],
    )


if __name__ == "__main__":
    main()
