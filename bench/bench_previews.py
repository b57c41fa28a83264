"""
Previews in the bounded worker (deliveries/serving/sandbox.py) against the same work done in the
web process itself, the baseline (what previews did before they had budgets):

1. the cost of one worker call: a no-op in a forkserver child, against a fresh interpreter that
   imports the preview libraries (the other way to get a clean process per call);
2. highlighting 64 KiB of Python: in the worker, against Pygments in-process;
3. a 100-page PDF: one page drawn by PDFium (pypdfium2) in the worker, against pypdfium2 drawing
   the same page in-process; and a whole preview page view (page count and three pages);
4. the worker's peak memory (VmHWM of the child) drawing a page, against the in-process baseline's
   peak growth (VmHWM reset through /proc/self/clear_refs).

Environment: BENCH_REPEAT (default 5), BENCH_PDF_PAGES (default 100).
"""

import os
import subprocess
import sys

from bench.harness import best_of, print_table

REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))
PDF_PAGES = int(os.environ.get("BENCH_PDF_PAGES", "100"))
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak():
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # resets VmHWM to the current RSS


def measured(function, *args):
    """Run in the worker: ``function(*args)``, and the child's (RSS before, peak after) in KiB."""
    before = _status_kib("VmRSS")
    result = function(*args)
    return result, before, _status_kib("VmHWM")


def main():
    from bench.harness import django_in_tempdir

    django_in_tempdir("bench-previews-")
    import pypdfium2

    from deliveries.models import FileMeta
    from deliveries.serving import previews, sandbox, workers
    from deliveries.serving.previews import budgets, text
    from deliveries.testhelpers import make_delivery
    from tests.support.pdfs import text_pdf

    limits = budgets.limits(time=60)
    store = FileMeta.deliverystore
    delivery = make_delivery("bench-previews")
    pdf_bytes = text_pdf(PDF_PAGES)
    pdf = delivery.add_file("report.pdf", [pdf_bytes])
    source = (open(os.path.join(ROOT, "deliveries", "models.py")).read() * 4)[: budgets.TEXT_LIMIT]
    lexer = text.lexer_class_for("models.py", "text/x-python")

    def in_process_page():
        document = pypdfium2.PdfDocument(pdf_bytes)
        page = document[PDF_PAGES // 2]
        bitmap = page.render(scale=budgets.PDF_PAGE_WIDTH / page.get_size()[0])
        import io

        bitmap.to_pil().save(io.BytesIO(), "PNG")
        document.close()

    # The in-process baseline's peak first, before anything else grows this process.
    in_process_page()  # warm: the library loaded, its fonts read
    rss = _status_kib("VmRSS")
    _reset_peak()
    in_process_page()
    baseline_peak = (_status_kib("VmHWM") - rss) / 1024

    sandbox.run(len, b"", limits=limits)  # start the forkserver
    fresh = [sys.executable, "-c", "import deliveries.serving.workers"]
    timings = {
        "worker call (no-op)": (
            best_of(REPEAT, lambda: sandbox.run(len, b"", limits=limits)),
            best_of(REPEAT, lambda: subprocess.run(fresh, cwd=ROOT, check=True)),
            "fresh interpreter",
        ),
        "highlight 64 KiB of Python": (
            best_of(REPEAT, lambda: text.highlighted(source, lexer)),
            best_of(REPEAT, lambda: workers.highlight(source, lexer)),
            "Pygments in-process",
        ),
        f"PDF page {PDF_PAGES // 2} of {PDF_PAGES}": (
            best_of(REPEAT, lambda: previews.page_image(pdf, PDF_PAGES // 2, store)),
            best_of(REPEAT, in_process_page),
            "pypdfium2 in-process",
        ),
    }
    view = best_of(
        REPEAT,
        lambda: [previews.page_image(pdf, n, store) for n in previews.build_preview(pdf, store).pages],
    )
    rows = [
        (name, f"{ours * 1000:.1f} ms", baseline_name, f"{theirs * 1000:.1f} ms", f"{ours / theirs:.2f}x")
        for name, (ours, theirs, baseline_name) in timings.items()
    ]
    rows.append(
        (
            f"PDF preview view: count + {len(previews.build_preview(pdf, store).pages)} pages",
            f"{view * 1000:.1f} ms",
            "",
            "",
            "",
        )
    )
    print_table(
        f"Previews in the bounded worker against the same work in-process ({len(pdf_bytes) // 1024} KB PDF of {PDF_PAGES} pages; best of {REPEAT})",
        ["work", "worker", "baseline", "baseline time", "worker / baseline"],
        rows,
    )

    _png, before, peak = sandbox.run(
        measured,
        workers.pdf_page,
        pdf_bytes,
        PDF_PAGES // 2 - 1,
        budgets.PDF_PAGE_WIDTH,
        budgets.PDF_PAGE_PIXELS,
        limits=limits,
    )
    print_table(
        "Peak memory drawing one page",
        ["way", "RSS at start", "peak", "growth"],
        [
            (
                "worker process (forkserver child)",
                f"{before / 1024:.1f} MiB",
                f"{peak / 1024:.1f} MiB",
                f"{(peak - before) / 1024:.1f} MiB",
            ),
            ("in-process baseline (growth of this process)", "", "", f"{baseline_peak:.1f} MiB"),
        ],
    )


if __name__ == "__main__":
    main()
