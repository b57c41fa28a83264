"""
Fuzzing every preview (hypothesis): generated and mutated zips, images, PDFs, notebooks and text
go through the previews, which must answer within their budget: a preview or hex with a reason
(or a refused image with its reason), never an exception, within the time limit for each
worker they start plus the cost of starting it, and without the web process's memory growing.
And a scan of every Pygments lexer a preview can pick, with pathological inputs.

`make test` runs a short round; `make fuzz` a long one: FUZZ_EXAMPLES examples a kind (default
12) and FUZZ_TEXT_BYTES bytes of each pathological input of the lexer scan (default 4096).
"""

import io
import json
import os
import resource
import time
import zipfile
from dataclasses import dataclass

from django.test import SimpleTestCase, override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from pygments.lexers import find_lexer_class, get_all_lexers

from deliveries.content_types import sniff_content_type
from deliveries.serving import previews
from deliveries.serving.previews import text
from tests.support import notebooks, pdfs

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
TEXT_BYTES = int(os.environ.get("FUZZ_TEXT_BYTES", "4096"))
TIME_LIMIT = 1.0
# Starting a worker and moving the bytes to it, on a loaded machine: generous on purpose, the
# point being that nothing runs for the minutes an unbounded preview took.
STARTUP = 3.0
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)


@dataclass
class FakeFile:
    """What previews read of a FileMeta, holding its bytes (no database: thousands of examples)."""

    filename: str
    data: bytes
    content_type: str = ""
    pk: int = 1

    def __post_init__(self):
        self.size = len(self.data)
        self.content_type = self.content_type or sniff_content_type(self.data[:16], self.filename)


class BytesStore:
    """A store of one file's bytes, read the way previews read: ranged chunks."""

    def iter_chunks(self, filemeta, start=0, length=None, chunk_size=None):
        end = filemeta.size if length is None else min(filemeta.size, start + length)
        for at in range(start, end, 65536):
            yield filemeta.data[at : min(at + 65536, end)]


STORE = BytesStore()


def mutate(data, draw_ops):
    """Apply (kind, position, value) mutations: flip a byte, truncate, insert, overwrite a 4-byte number."""
    data = bytearray(data)
    for kind, position, value in draw_ops:
        if not data:
            break
        at = position % len(data)
        if kind == "flip":
            data[at] ^= value & 0xFF or 1
        elif kind == "truncate":
            del data[at:]
        elif kind == "insert":
            data[at:at] = bytes([value & 0xFF]) * (value % 64 + 1)
        else:  # a declared size, count or offset replaced by something large or odd
            data[at : at + 4] = (value & 0xFFFFFFFF).to_bytes(4, "little")
    return bytes(data)


mutations = st.lists(
    st.tuples(
        st.sampled_from(["flip", "truncate", "insert", "number"]),
        st.integers(min_value=0, max_value=2**31),
        st.integers(min_value=0, max_value=2**32 - 1),
    ),
    max_size=6,
)


@st.composite
def zips(draw):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))) as z:
        for i in range(draw(st.integers(0, 40))):
            name = draw(st.text(min_size=1, max_size=20)) + str(i)
            info = zipfile.ZipInfo(name)
            with z.open(info, "w", force_zip64=draw(st.booleans())) as member:
                member.write(draw(st.binary(max_size=200)))
    return mutate(out.getvalue(), draw(mutations))


@st.composite
def images(draw):
    fmt = draw(st.sampled_from(["PNG", "GIF", "JPEG", "WEBP"]))
    mode = "RGB" if fmt == "JPEG" else draw(st.sampled_from(["RGB", "RGBA", "L", "P"]))
    if fmt == "JPEG" and mode != "RGB":
        mode = "RGB"
    size = (draw(st.integers(1, 300)), draw(st.integers(1, 300)))
    out = io.BytesIO()
    Image.new(mode, size, draw(st.integers(0, 255)) if mode in ("L", "P") else (10, 20, 30)).save(
        out, "WEBP" if fmt == "WEBP" else fmt
    )
    return fmt, mutate(out.getvalue(), draw(mutations))


@st.composite
def pdf_files(draw):
    base = draw(
        st.sampled_from(
            [
                lambda: pdfs.text_pdf(draw(st.integers(1, 4))),
                pdfs.deeply_nested_pdf,
                pdfs.huge_page_count_pdf,
                pdfs.huge_page_pdf,
            ]
        )
    )()
    return mutate(base, draw(mutations))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=30,
)


@st.composite
def notebook_files(draw):
    if draw(st.booleans()):
        return json.dumps(draw(json_values)).encode()  # any JSON at all
    cells = []
    for _ in range(draw(st.integers(0, 8))):
        cell = {"cell_type": draw(st.sampled_from(["code", "markdown", "raw", "other", 3]))}
        cell["source"] = draw(st.one_of(st.text(max_size=200), st.lists(st.text(max_size=40), max_size=5), json_values))
        cell["outputs"] = draw(
            st.lists(
                st.one_of(
                    json_values,
                    st.fixed_dictionaries({"output_type": st.just("stream"), "text": st.text(max_size=100)}),
                    st.fixed_dictionaries(
                        {
                            "output_type": st.just("display_data"),
                            "data": st.fixed_dictionaries(
                                {"image/png": st.sampled_from(["", "not base64!", "iVBORw0KGgo="])}
                            ),
                        }
                    ),
                ),
                max_size=3,
            )
        )
        cells.append(cell)
    return mutate(notebooks.notebook_bytes(cells, draw(st.sampled_from(["python", "r", "nope", ""]))), draw(mutations))


SOURCE_NAMES = [
    "a.py",
    "a.as",
    ".htaccess",
    "a.md",
    "a.csv",
    "a.c",
    "a.js",
    "a.html",
    "a.sql",
    "a.rb",
    "a.txt",
    "noext",
]


class FuzzTestCase(SimpleTestCase):
    def setUp(self):
        self.peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    def tearDown(self):
        # ru_maxrss is in KiB: the web process's peak must not grow with what the workers decode.
        grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - self.peak_before) // 1024
        self.assertLess(grown, 200, f"the test process's peak memory grew by {grown} MiB")

    def assert_within_budget(self, started, workers=1):
        elapsed = time.monotonic() - started
        # workers=0: work done in the web process itself (reading a zip's directory), which must be quick.
        self.assertLess(elapsed, workers * TIME_LIMIT + max(workers, 1) * STARTUP, f"took {elapsed:.1f} s")

    def assert_previews(self, filemeta, workers=1):
        """build_preview answers a Preview (hex with a reason when it shows no other kind) within budget."""
        started = time.monotonic()
        preview = previews.build_preview(filemeta, STORE)
        self.assert_within_budget(started, workers)
        self.assertIn(preview.kind, {"text", "csv", "image", "archive", "pdf", "notebook", "hex", "empty"})
        if preview.kind == "hex" and filemeta.size:
            self.assertTrue(preview.reason)
        return preview

    def assert_image_or_reason(self, function, *args):
        started = time.monotonic()
        try:
            png = function(*args)
        except previews.ImagePreviewError as e:
            self.assertTrue(str(e))
        else:
            self.assertTrue(png.startswith(b"\x89PNG"))
        self.assert_within_budget(started)


@override_settings(PREVIEW_TIME_LIMIT=TIME_LIMIT)
class TestFuzzPreviews(FuzzTestCase):
    @FUZZ_SETTINGS
    @given(data=zips())
    def test_zips(self, data):
        """Generated and mutated zips: a member list or hex with why, within budget."""
        self.assert_previews(FakeFile("upload.zip", data, "application/zip"), workers=0)

    @FUZZ_SETTINGS
    @given(image=images())
    def test_images(self, image):
        """Generated and mutated PNG/GIF/JPEG/WebP: a thumbnail or a refusal with why, within budget."""
        fmt, data = image
        content_type = {"PNG": "image/png", "GIF": "image/gif", "JPEG": "image/jpeg", "WEBP": "image/webp"}[fmt]
        filemeta = FakeFile(f"upload.{fmt.lower()}", data, content_type)
        self.assert_previews(filemeta, workers=0)
        self.assert_image_or_reason(previews.image_thumbnail, filemeta, STORE)

    @FUZZ_SETTINGS
    @given(data=pdf_files())
    def test_pdfs(self, data):
        """Generated, hostile and mutated PDFs: pages or hex with why, and each page image or a refusal, within budget."""
        filemeta = FakeFile("upload.pdf", data, "application/pdf")
        preview = self.assert_previews(filemeta)
        for number in preview.pages[:2] or [1]:
            self.assert_image_or_reason(previews.page_image, filemeta, number, STORE)

    @FUZZ_SETTINGS
    @given(data=notebook_files())
    def test_notebooks(self, data):
        """Generated and mutated notebooks, and any JSON: cells or hex with why, within budget."""
        filemeta = FakeFile("upload.ipynb", data, "application/x-ipynb+json")
        self.assert_previews(filemeta, workers=2)  # highlighted, then plain after a timeout
        self.assert_image_or_reason(previews.page_image, filemeta, 1, STORE)

    @FUZZ_SETTINGS
    @given(name=st.sampled_from(SOURCE_NAMES), body=st.text(max_size=2000) | st.binary(max_size=2000))
    def test_text(self, name, body):
        """Any text or bytes under a source file's name: highlighted, plain or hex, within budget."""
        data = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
        self.assert_previews(FakeFile(name, data))


def lexers_previews_pick():
    """Every Pygments lexer a preview can pick: those a file's name or type selects."""
    lexers = []
    for name, _aliases, filenames, mimetypes in get_all_lexers():
        if filenames or mimetypes:
            lexers.append(find_lexer_class(name))
    return lexers


def pathological_inputs(size):
    """Inputs that make backtracking lexers slow: long runs of quotes, escapes, brackets and comment openers."""
    half = size // 2
    return {
        "escaped quotes": "'" + "\\'" * half,
        "angle brackets": "<" * size,
        "open brackets and quotes": '([{"' * (size // 4),
    }


@override_settings(PREVIEW_TIME_LIMIT=TIME_LIMIT)
class TestEveryLexer(FuzzTestCase):
    def test_every_lexer_the_previews_pick_stays_within_the_limit(self):
        """Each lexer, on each pathological input: highlighted, or plain with the note, within the limit, escaped."""
        lexers = lexers_previews_pick()
        self.assertGreater(len(lexers), 400)
        self.assertIn(text.lexer_class_for("quotes.as", ""), lexers)
        self.assertIn(text.lexer_class_for(".htaccess", ""), lexers)
        fell_back = set()
        for lexer in lexers:
            for label, source in pathological_inputs(TEXT_BYTES).items():
                with self.subTest(lexer=lexer.__name__, input=label):
                    started = time.monotonic()
                    html, note = text.highlighted(source, lexer)
                    self.assert_within_budget(started)
                    self.assertNotIn("<<", html)  # escaped, whatever happened
                    if note:
                        fell_back.add(lexer.__name__)
                        self.assertTrue(note.startswith("Shown without highlighting: highlighting "), note)
        # Reported, not asserted: which lexers needed the deadline on this machine.
        print(
            f"\n{len(lexers)} lexers x {len(pathological_inputs(0))} inputs; plain after the limit: {sorted(fell_back)}"
        )
