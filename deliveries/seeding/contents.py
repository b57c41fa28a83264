"""
The bytes of demo deliveries: source code, text, PDFs, PNG images and zips, as students hand in.

Every generator takes a ``random.Random`` and returns the same bytes for the same draws, so a
seeded demo writes the same files on every run (zips carry fixed timestamps, PNGs no metadata).
``ContentPool`` makes a few variants of each kind once and hands them out, so a large demo costs
the generation of a few hundred files, not of a hundred thousand.
"""

import hashlib
import io
import zipfile
from dataclasses import dataclass

from ..content_types import SNIFF_BYTES, sniff_content_type

__all__ = ["KINDS", "Content", "ContentPool"]

WORDS = (
    "the algorithm sorts each element in place and returns a list of results while the test suite "
    "checks every edge case we found including empty input negative numbers and very long strings "
    "performance was measured on random data and the complexity is linear in the number of nodes "
    "we chose a hash map because lookups dominate the running time and memory stays bounded"
).split()
ZIP_TIME = (2026, 1, 1, 0, 0, 0)


def _sentence(rng, words=12):
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(words // 2, words)))
    return text[0].upper() + text[1:] + "."


def _paragraphs(rng, count):
    return "\n\n".join(" ".join(_sentence(rng) for _ in range(rng.randint(2, 5))) for _ in range(count))


def python_source(rng):
    funcs = []
    for i in range(rng.randint(2, 6)):
        body = "\n".join(f"        total += {rng.randint(1, 99)} * i  # step {k}" for k in range(rng.randint(2, 8)))
        funcs.append(
            f'def solve_{i}(n):\n    """{_sentence(rng, 8)}"""\n    total = 0\n'
            f"    for i in range(n):\n{body}\n    return total\n"
        )
    main = f'if __name__ == "__main__":\n    print(solve_0({rng.randint(5, 50)}))\n'
    return ('"""' + _sentence(rng) + '"""\n\n\n' + "\n\n".join(funcs) + "\n\n" + main).encode()


def java_source(rng):
    name = rng.choice(["Oblig", "Graph", "Sorter", "Queue", "Parser"])
    methods = "\n".join(
        f"    static int step{i}(int n) {{\n        // {_sentence(rng, 8)}\n"
        f"        int total = 0;\n        for (int i = 0; i < n; i++) total += {rng.randint(1, 99)} * i;\n"
        f"        return total;\n    }}\n"
        for i in range(rng.randint(2, 6))
    )
    return f"public class {name} {{\n{methods}\n    public static void main(String[] args) {{\n        System.out.println(step0({rng.randint(5, 50)}));\n    }}\n}}\n".encode()


def c_source(rng):
    body = "\n".join(
        f"    total += {rng.randint(1, 99)} * i; /* {_sentence(rng, 6)} */" for _ in range(rng.randint(3, 10))
    )
    return f'#include <stdio.h>\n\nint main(void) {{\n    long total = 0;\n    for (int i = 0; i < {rng.randint(10, 1000)}; i++) {{\n{body}\n    }}\n    printf("%ld\\n", total);\n    return 0;\n}}\n'.encode()


def text(rng):
    title = _sentence(rng, 5).rstrip(".")
    return f"# {title}\n\n{_paragraphs(rng, rng.randint(2, 6))}\n".encode()


def pdf(rng):
    """A small, valid one-page-per-paragraph PDF (Helvetica text, a correct xref table)."""
    pages = [_sentence(rng, 10).replace("(", "").replace(")", "") for _ in range(rng.randint(1, 4))]
    n = len(pages)
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(n))
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n} >>".encode())
    font = 3 + 2 * n
    for i, line in enumerate(pages):
        stream = f"BT /F1 14 Tf 72 720 Td ({line}) Tj ET".encode()
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * i} 0 R "
            f"/Resources << /Font << /F1 {font} 0 R >> >> >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def png(rng):
    """A screenshot-like PNG: a background and a few coloured boxes."""
    from PIL import Image, ImageDraw

    width, height = rng.choice([(320, 240), (640, 400), (200, 200)])
    image = Image.new("RGB", (width, height), tuple(rng.randrange(180, 256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(3, 12)):
        x, y = rng.randrange(width), rng.randrange(height)
        box = (x, y, min(width - 1, x + rng.randint(10, 120)), min(height - 1, y + rng.randint(10, 80)))
        draw.rectangle(box, fill=tuple(rng.randrange(256) for _ in range(3)))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=False)
    return buffer.getvalue()


def zip_archive(rng):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("project/src/main.py", ZIP_TIME), python_source(rng))
        archive.writestr(zipfile.ZipInfo("project/src/Main.java", ZIP_TIME), java_source(rng))
        archive.writestr(zipfile.ZipInfo("project/README.md", ZIP_TIME), text(rng))
    return buffer.getvalue()


# kind -> (generator, filenames a student might give it)
KINDS = {
    "python": (python_source, ["solution.py", "main.py", "oblig.py", "graph.py", "test_solution.py"]),
    "java": (java_source, ["Oblig.java", "Main.java", "Graph.java", "Sorter.java"]),
    "c": (c_source, ["main.c", "solution.c", "queue.c"]),
    "text": (text, ["README.md", "README.txt", "notes.txt", "answers.md"]),
    "pdf": (pdf, ["report.pdf", "answers.pdf", "oblig-report.pdf"]),
    "image": (png, ["screenshot.png", "diagram.png", "plot.png"]),
    "zip": (zip_archive, ["project.zip", "delivery.zip", "src.zip"]),
}


@dataclass(frozen=True, slots=True)
class Content:
    data: bytes
    size: int
    checksum: str  # SHA-256 hex
    head: bytes  # the first bytes, for content type sniffing

    @classmethod
    def of(cls, data):
        return cls(data, len(data), hashlib.sha256(data).hexdigest(), data[:SNIFF_BYTES])

    def content_type(self, filename):
        return sniff_content_type(self.head, filename)


class ContentPool:
    """``variants`` contents of each kind, made on first use from ``rng``."""

    def __init__(self, rng, variants):
        self.rng = rng
        self.variants = variants
        self._pool = {}

    def pick(self, kind):
        """A content of ``kind``: one of its variants, drawn from the pool's random."""
        contents = self._pool.get(kind)
        if contents is None:
            generate = KINDS[kind][0]
            contents = self._pool[kind] = [Content.of(generate(self.rng)) for _ in range(self.variants)]
        return self.rng.choice(contents)
