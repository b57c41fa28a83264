"""deliveries.operations.progress: the commands' progress bars."""

from django.test import SimpleTestCase

from deliveries.operations.progress import progress_factory


class TestProgress(SimpleTestCase):
    def test_progress_disabled(self):
        """Off a terminal the progress bar is silent but accepts updates."""
        bar = progress_factory(False)(total=10, unit="B", desc="x")
        bar.update(5)
        bar.close()
        self.assertTrue(bar.disable)
