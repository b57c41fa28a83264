"""
Raster images (PNG, JPEG, GIF, WebP): re-encoded by Pillow as a PNG thumbnail in a bounded
worker, so the browser never decodes the stored bytes and no image can cost a web worker more
than the preview's budget: refused above MAX_IMAGE_PIXELS pixels or PREVIEW_IMAGE_MAX_BYTES of
decoded pixels (a 16-bit RGBA PNG costs eight bytes a pixel), and killed past the time and
memory limits.
"""

from ...content_types import RASTER_FORMATS, normalize
from .. import sandbox, workers
from .base import Preview, read
from .budgets import image_budget, limits, mib

__all__ = ["ImagePreviewError", "image_preview", "image_thumbnail", "thumbnail_of"]


class ImagePreviewError(Exception):
    """The bytes cannot be previewed as an image; the message says why, for a person."""


def thumbnail_of(function, *args):
    """PNG bytes from ``function(*args, budget)`` run in the sandbox; ImagePreviewError with the reason otherwise."""
    try:
        result = sandbox.run(function, *args, limits=limits())
    except sandbox.SandboxError as e:
        raise ImagePreviewError(f"The image is not previewed: decoding it {e}.") from e
    if isinstance(result, workers.Refused):
        raise ImagePreviewError(result.reason)
    return result


def _too_big(filemeta, budget):
    if filemeta.size > budget.max_decoded_bytes:
        return f"The image file is {mib(filemeta.size)}; previews stop at {mib(budget.max_decoded_bytes)}."
    return ""


def image_preview(filemeta, head):
    """
    The Preview of an image: shown through ``image_thumbnail``'s URL, or, when its header (in
    ``head``, its first bytes) already says it is over the budget, the reason instead.
    """
    budget = image_budget()
    reason = _too_big(filemeta, budget)
    if not reason:
        expected = RASTER_FORMATS[normalize(filemeta.content_type)]
        try:
            refused = sandbox.run(workers.image_refusal, head, expected, budget, limits=limits())
        except sandbox.SandboxError:
            refused = None  # the thumbnail's own request will say why
        reason = refused.reason if refused else ""
    return Preview("image", reason=reason)


def image_thumbnail(filemeta, store=None):
    """
    PNG bytes of a thumbnail of ``filemeta``'s raster image. Raises ImagePreviewError for
    anything else or past the budget, DeliveryStoreFileNotFound when the bytes are gone.
    """
    from ...models import FileMeta

    store = store or FileMeta.deliverystore
    expected = RASTER_FORMATS.get(normalize(filemeta.content_type))
    if expected is None:
        raise ImagePreviewError("Only PNG, JPEG, GIF and WebP images are previewed.")
    budget = image_budget()
    # The compressed bytes go to the worker whole: they are never more than the decoded ones.
    reason = _too_big(filemeta, budget)
    if reason:
        raise ImagePreviewError(reason)
    return thumbnail_of(workers.thumbnail, read(filemeta, store, 0, filemeta.size), expected, budget)
