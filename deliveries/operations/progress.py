"""Progress bars for long work: a tqdm bar on a terminal, nothing elsewhere."""

import sys

__all__ = ["progress_factory", "no_progress"]


def progress_factory(enabled):
    """
    A ``progress(total=, unit=, desc=)`` callable: a tqdm bar on stderr when ``enabled`` (a
    terminal, no machine output), otherwise one that shows nothing.
    """

    def progress(total=None, unit="it", desc=None):
        if not enabled:
            # No tqdm at all: even a disabled one starts tqdm's monitor thread, which then lives
            # on in the process (and makes a later fork() of it unsafe).
            return _SilentBar()
        from tqdm import tqdm

        return tqdm(
            total=total,
            unit=unit,
            desc=desc,
            disable=not enabled,
            file=sys.stderr,
            unit_scale=unit == "B",
            unit_divisor=1024 if unit == "B" else 1000,
            leave=False,
        )

    return progress


class _SilentBar:
    """What a disabled tqdm bar offers, without tqdm."""

    disable = True

    def update(self, n=1):
        pass

    def close(self):
        pass


no_progress = progress_factory(False)  # a bar that shows nothing
