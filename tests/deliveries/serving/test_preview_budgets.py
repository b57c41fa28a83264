"""
Every preview within its budget: the hostile inputs of issue 15, each of which held a web worker
for seconds to minutes or took hundreds of MiB before previews had budgets. The budgets are made
small here through the settings, so that each test is fast and would fail without the bound.
"""

import zipfile

from django.test import TestCase, override_settings

from deliveries.models import Delivery, FileMeta
from deliveries.serving import compare, previews
from deliveries.serving.previews import budgets
from deliveries.stores import MemoryDeliveryStore, swap_deliverystore
from deliveries.testhelpers import make_delivery
from tests.support import hostile_files


class CountingStore(MemoryDeliveryStore):
    """A memory store that counts the bytes reads take from it."""

    bytes_read = 0

    def iter_chunks(self, filemeta, start=0, length=None, chunk_size=None):
        for chunk in super().iter_chunks(filemeta, start=start, length=length, chunk_size=chunk_size):
            self.bytes_read += len(chunk)
            yield chunk


class BudgetTestCase(TestCase):
    def setUp(self):
        self.store = self.enterContext(swap_deliverystore(FileMeta, CountingStore()))
        self.delivery = make_delivery("budget")

    def add(self, name, data, delivery=None, **kwargs):
        return (delivery or self.delivery).add_file(name, [data], **kwargs)


@override_settings(PREVIEW_TIME_LIMIT=0.5)
class TestHighlightingDeadline(BudgetTestCase):
    def test_backtracking_lexers_fall_back_to_plain_text(self):
        """The `.as` and `.htaccess` files that took 33 s and 110 s are shown plain, escaped, with why."""
        cases = [("quotes.as", hostile_files.actionscript_quotes()), (".htaccess", hostile_files.htaccess_angles())]
        for name, data in cases:
            with self.subTest(name=name):
                preview = previews.build_preview(self.add(name, data))
                self.assertEqual(preview.kind, "text")
                self.assertEqual(
                    preview.notes,
                    ["Shown without highlighting: highlighting took longer than the preview's time limit of 0.5 s."],
                )
                # assertTrue, not assertIn: a failure must not print 64 KiB of HTML.
                self.assertTrue(("&lt;" * 100 if name == ".htaccess" else "\\'" * 100) in preview.html)
                self.assertFalse('<span class="' in preview.html.partition("<code>")[2])

    def test_positive_control_highlighted_within_the_deadline(self):
        """An ordinary file of the same languages is highlighted, with no note."""
        for name, data in (("ok.as", b"var x:int = 1;\n"), (".htaccess", b"<Directory />\n</Directory>\n")):
            with self.subTest(name=name):
                preview = previews.build_preview(self.add(name, data))
                self.assertEqual(preview.notes, [])
                self.assertIn('<span class="', preview.html)


class TestZipDirectoryBudget(BudgetTestCase):
    def test_zip64_record_declaring_a_million_members(self):
        """A ZIP64 end record (the classic one saying 1 member) is followed only as far as the read budget."""
        data = hostile_files.zip64_with_members(40_000, declared=1_000_000)
        self.assertEqual(len(zipfile.ZipFile(__import__("io").BytesIO(data)).infolist()), 40_000)  # zipfile reads all
        filemeta = self.add("many.zip", data)
        self.store.bytes_read = 0
        preview = previews.archive_preview(filemeta, self.store)
        self.assertLess(
            self.store.bytes_read, budgets.ARCHIVE_DIRECTORY_READ + 70_000
        )  # the directory's 1 MiB, the tail
        self.assertEqual(len(preview.members), budgets.ARCHIVE_MEMBERS)
        self.assertEqual(preview.members[0], ("m0", 0, 0, "1980-01-01 00:00"))
        self.assertIsNone(preview.member_count)
        self.assertIn("declares 1,000,000 members; a preview does not read all of it.", preview.notes[0])
        self.assertIn("Listing the first 1,000 members", preview.notes[1])

    def test_directory_declaring_fewer_members_than_it_holds(self):
        """A directory holding more members than its end records declare is listed as it is, with a note."""
        filemeta = self.add("liar.zip", hostile_files.zip64_with_members(30, declared=3))
        preview = previews.build_preview(filemeta)
        self.assertEqual((preview.kind, preview.member_count, len(preview.members)), ("archive", 30, 30))
        self.assertEqual(preview.notes, ["The archive's end record declares 3 members; its directory holds 30."])

    def test_zip64_directory_past_the_bytes_present(self):
        """A ZIP64 record whose directory lies outside the file is refused without reading it."""
        data = bytearray(hostile_files.zip64_with_members(3))
        end64 = data.rfind(b"PK\x06\x06")
        data[end64 + 40 : end64 + 48] = (10**12).to_bytes(8, "little")  # directory size: 1 TB
        preview = previews.build_preview(self.add("huge.zip", bytes(data)))
        self.assertEqual(preview.kind, "hex")
        self.assertIn("The zip's directory claims 1,000,000,000,000 bytes", preview.reason)


@override_settings(PREVIEW_IMAGE_MAX_BYTES=16 * 1024 * 1024)
class TestImageDecodedBytes(BudgetTestCase):
    def test_16bit_rgba_png_is_refused_by_decoded_bytes(self):
        """A small 16-bit RGBA PNG within the pixel cap is refused for the bytes its pixels decode to."""
        data = hostile_files.png_16bit_rgba(2000, 2000)  # 4 Mpx, 31 KB; 8 bytes a pixel: 30 MiB decoded
        self.assertLess(len(data), 64 * 1024)
        filemeta = self.add("deep.png", data)
        with self.assertRaisesMessage(
            previews.ImagePreviewError,
            "Decoding the image would take 30 MiB; previews stop at 16 MiB of decoded pixels.",
        ):
            previews.image_thumbnail(filemeta)

    def test_positive_control_8bit_image_of_the_same_pixels(self):
        """The same pixels at 8 bits a sample fit the budget and are previewed."""
        from PIL import Image

        out = __import__("io").BytesIO()
        Image.new("RGB", (2000, 2000)).save(out, "PNG")
        png = previews.image_thumbnail(self.add("flat.png", out.getvalue()))
        self.assertEqual(Image.open(__import__("io").BytesIO(png)).size, (1024, 1024))

    @override_settings(PREVIEW_IMAGE_MAX_BYTES=1024 * 1024 * 1024, PREVIEW_MEMORY_LIMIT=128 * 1024 * 1024)
    def test_memory_limit_catches_what_the_estimate_lets_through(self):
        """With the decoded-bytes check out of the way, the worker's memory limit still stops the decode."""
        filemeta = self.add("deep.png", hostile_files.png_16bit_rgba(4000, 5000))  # 152 MiB decoded
        with self.assertRaisesMessage(
            previews.ImagePreviewError, "needed more than the preview's memory limit of 128 MiB"
        ):
            previews.image_thumbnail(filemeta)


@override_settings(PREVIEW_TIME_LIMIT=2)
class TestDiffBudget(BudgetTestCase):
    def setUp(self):
        super().setUp()
        self.new = Delivery.begin(self.delivery.assignment_group)

    def test_many_near_identical_blocks_give_a_unified_diff(self):
        """81 blocks of 60 near-identical lines (47 s as a side-by-side table) come back as a unified diff."""
        old, new = hostile_files.near_identical_blocks()
        self.add("data.py", old)
        self.add("data.py", new, delivery=self.new)
        change = compare.compare_deliveries(self.delivery, self.new).changed[0]
        self.assertEqual(change.note, "A large rewrite: shown as a unified diff.")
        self.assertIn('<pre class="unified-diff">', change.diff_html)

    def test_the_page_shares_one_time_budget(self):
        """Once the page's diffs have used up the time limit, the remaining files get a summary."""
        for i in range(3):
            self.add(f"f{i}.txt", b"a\nb\n")
            self.add(f"f{i}.txt", b"a\nc\nd\n", delivery=self.new)
        with override_settings(PREVIEW_TIME_LIMIT=0):
            changes = compare.compare_deliveries(self.delivery, self.new).changed
        for change in changes:
            with self.subTest(file=change.filename):
                self.assertEqual(change.diff_html, "")
                self.assertEqual(
                    change.note,
                    "Not diffed: this page's diffs used up the time limit of 0 s. "
                    "2 lines before, 3 after; download both versions to compare.",
                )

    def test_a_diff_past_the_deadline_is_summarised(self):
        """A diff still running at the deadline is killed and summarised."""
        old, new = hostile_files.near_identical_blocks()
        self.add("data.py", old)
        self.add("data.py", new, delivery=self.new)
        with (
            __import__("unittest").mock.patch.object(compare, "DIFF_MAX_REPLACE_PAIRS", 10**9),
            override_settings(PREVIEW_TIME_LIMIT=0.5),
        ):
            change = compare.compare_deliveries(self.delivery, self.new).changed[0]
        self.assertEqual(
            change.note,
            "Not diffed: this page's diffs took longer than the time limit of 0.5 s. "
            "4,941 lines before, 4,941 after; download both versions to compare.",
        )
