"""deliveries.operations.progress: the commands' progress bars."""

import threading

from django.test import SimpleTestCase

from deliveries.operations.progress import progress_factory


class TestProgress(SimpleTestCase):
    def test_progress_disabled(self):
        """Off a terminal the progress bar is silent but accepts updates, and starts no thread (forks stay safe)."""
        before = threading.active_count()
        bar = progress_factory(False)(total=10, unit="B", desc="x")
        bar.update(5)
        bar.close()
        self.assertTrue(bar.disable)
        self.assertEqual(threading.active_count(), before)
