"""
Jupyter notebooks: the cells in order, Markdown and raw cells as escaped text, code highlighted,
text outputs as text, image outputs re-encoded like any image (``notebook_image``). Nothing of
the notebook's HTML or JavaScript is ever shown or run: outputs show their plain-text form.
Parsed in a bounded worker; a notebook whose highlighting runs out of time is shown again
without it, with a note saying why.
"""

from django.conf import settings

from .. import sandbox, workers
from .base import Preview, hex_preview, read
from .budgets import NOTEBOOK_CELLS, NOTEBOOK_OUTPUT_CHARS, image_budget, limits, too_big
from .images import ImagePreviewError, thumbnail_of

__all__ = ["notebook_image", "notebook_preview"]


def _too_big(filemeta):
    return too_big(filemeta, settings.PREVIEW_NOTEBOOK_MAX_BYTES, "notebook")


def notebook_preview(filemeta, store):
    """The Preview of a notebook: its first NOTEBOOK_CELLS cells; hex (with why) when it cannot be read."""
    reason = _too_big(filemeta)
    if reason:
        return hex_preview(filemeta, store, reason=reason)
    data = read(filemeta, store, 0, filemeta.size)
    notes = []
    try:
        result = sandbox.run(workers.notebook_cells, data, NOTEBOOK_CELLS, NOTEBOOK_OUTPUT_CHARS, True, limits=limits())
    except sandbox.SandboxTimeout as e:
        notes.append(f"Code is shown without highlighting: highlighting {e}.")
        try:
            result = sandbox.run(
                workers.notebook_cells, data, NOTEBOOK_CELLS, NOTEBOOK_OUTPUT_CHARS, False, limits=limits()
            )
        except sandbox.SandboxError as e:
            return hex_preview(filemeta, store, reason=f"The notebook is not previewed: reading it {e}.")
    except sandbox.SandboxError as e:
        return hex_preview(filemeta, store, reason=f"The notebook is not previewed: reading it {e}.")
    if isinstance(result, workers.Refused):
        return hex_preview(filemeta, store, reason=result.reason)
    cells, count = result
    if count > len(cells):
        notes.append(f"Showing the first {len(cells):,} of {count:,} cells.")
    return Preview("notebook", cells=cells, cell_count=count, truncated=count > len(cells), notes=notes)


def notebook_image(filemeta, store, number):
    """PNG bytes of image ``number`` (from 1) of a notebook's outputs. Raises ImagePreviewError."""
    reason = _too_big(filemeta)
    if reason:
        raise ImagePreviewError(reason)
    data = read(filemeta, store, 0, filemeta.size)
    return thumbnail_of(workers.notebook_image, data, number - 1, image_budget(), NOTEBOOK_CELLS)
