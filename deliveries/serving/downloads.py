"""
Serve a FileMeta's bytes to a browser: streamed, ranged, conditional, and with the headers that
untrusted bytes need.

Permission checks are the caller's (the admin views); this module only turns a FileMeta and a
request into a response. Bytes are reached through the store's ``iter_chunks`` only, so memory
stays bounded whatever the file's size. Big files may instead be handed to the store itself: a
redirect to a short-lived presigned URL (PresignedDownloads, an option).
"""

import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotModified, HttpResponseRedirect, StreamingHttpResponse
from django.utils.http import content_disposition_header, http_date

from ..content_types import ANNOUNCED_AS_IS, OCTET_STREAM, normalize
from ..models import FileMeta
from ..stores import DeliveryStoreFileNotFound
from .headers import untrusted_bytes

logger = logging.getLogger(__name__)

__all__ = [
    "ByteRange",
    "PresignedDownloads",
    "RangeNotSatisfiable",
    "SizeChanged",
    "download_response",
    "etag_for",
    "exact_chunks",
    "parse_range",
    "presigned_redirect",
    "safe_content_type",
]

_RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
# Positions beyond any file (an exabyte): a longer number stands for "past the end" rather than
# reaching int(), which refuses strings of more than 4,300 digits (and costs quadratic time below).
_MAX_DIGITS = 18
_BEYOND = 10**_MAX_DIGITS


def _position(digits):
    """A byte position from the header's digits; anything longer than 18 digits is past every file."""
    return int(digits) if len(digits) <= _MAX_DIGITS else _BEYOND


class RangeNotSatisfiable(Exception):
    """The Range header asks for bytes the file does not have (answer 416)."""


class ByteRange:
    """An inclusive byte range ``first``..``last`` of a file of ``size`` bytes."""

    def __init__(self, first, last, size):
        self.first, self.last, self.size = first, last, size

    @property
    def length(self):
        return self.last - self.first + 1

    def content_range(self):
        return f"bytes {self.first}-{self.last}/{self.size}"

    def __eq__(self, other):
        return isinstance(other, ByteRange) and (self.first, self.last, self.size) == (
            other.first,
            other.last,
            other.size,
        )

    def __repr__(self):
        return f"ByteRange({self.first}, {self.last}, {self.size})"


def etag_for(filemeta):
    """A strong ETag: the SHA-256 names the bytes exactly."""
    return f'"sha256-{filemeta.checksum}"'


def safe_content_type(content_type):
    """The Content-Type to announce for stored bytes: allow-listed, else application/octet-stream."""
    content_type = normalize(content_type)
    return content_type if content_type in ANNOUNCED_AS_IS else OCTET_STREAM


def parse_range(header, size):
    """
    Parse a ``Range`` header for a file of ``size`` bytes (RFC 9110, one range).

    Returns a ByteRange, or None to send the whole file (no header, a header we do not handle such
    as several ranges, or one covering the whole file). Raises RangeNotSatisfiable for a
    well-formed range that starts past the end.
    """
    if not header:
        return None
    match = _RANGE_RE.match(header.strip())
    if not match or match.group(1) == match.group(2) == "":
        return None  # malformed or several ranges: a server may ignore Range and send it all
    first, last = match.group(1), match.group(2)
    if first == "":  # "bytes=-N": the last N bytes
        suffix = _position(last)
        if suffix == 0:
            raise RangeNotSatisfiable(header)
        first, last = max(size - suffix, 0), size - 1
    else:
        first = _position(first)
        asked_last = first if last == "" else _position(last)
        if asked_last < first:
            return None  # "bytes=9-3" is invalid syntax: ignore it
        last = size - 1 if last == "" else min(asked_last, size - 1)
    if first >= size:
        raise RangeNotSatisfiable(header)
    if first == 0 and last == size - 1:
        return None
    return ByteRange(first, last, size)


def _etag_matches(header, etag):
    if not header:
        return False
    if header.strip() == "*":
        return True
    return etag in {tag.strip().removeprefix("W/") for tag in header.split(",")}


class SizeChanged(OSError):
    """The stored bytes turned out shorter or longer than recorded while they were being sent."""


def exact_chunks(chunks, expected, what):
    """
    Yield the chunks of ``chunks`` while checking that they hold exactly ``expected`` bytes
    (``chunks`` may hold one byte more, asked for to see whether the bytes grew): SizeChanged,
    naming ``what``, as soon as they prove longer, or when they end short. A response streaming
    them is aborted then, so the client sees a broken download, never a hang on a Content-Length
    that never comes nor a file that is silently wrong.
    """
    sent = 0
    for chunk in chunks:
        if sent + len(chunk) > expected:
            raise SizeChanged(f"{what} holds more bytes than the {expected} recorded")
        sent += len(chunk)
        yield chunk
    if sent < expected:
        raise SizeChanged(f"{what} ended after {sent} of the {expected} bytes recorded")


def open_stream(filemeta, store=None, start=0, length=None, total=None):
    """
    Return an iterator of the bytes ``start``.. (``length`` bytes, default to the end) of
    ``filemeta``, whose bytes number ``total`` (default: as recorded), the store already opened:
    a missing file raises DeliveryStoreFileNotFound here, before any response. The iterator
    yields exactly ``length`` bytes or raises SizeChanged (see ``exact_chunks``); a part that
    reaches the end reads one byte more to tell.
    """
    store = store or FileMeta.deliverystore
    total = filemeta.size if total is None else total
    if length is None:
        length = total - start
    to_the_end = start + length >= total
    chunks = store.iter_chunks(filemeta, start=start, length=length + 1 if to_the_end else length)
    first = next(chunks, b"")  # opens the reader now: a missing file raises here, not mid-response
    what = f"file {filemeta.pk} ({filemeta.filename})"
    return _Stream(chunks, exact_chunks(_chain(first, chunks), length, what))


def _chain(first, chunks):
    if first:
        yield first
        yield from chunks


class _Stream:
    """The bytes of a download; ``close()`` closes the store's reader even if iteration never began."""

    def __init__(self, chunks, checked):
        self._chunks, self._checked = chunks, checked

    def __iter__(self):
        try:
            yield from self._checked
        except SizeChanged:
            logger.warning("download aborted", exc_info=True)
            raise

    def close(self):
        self._checked.close()
        self._chunks.close()  # the generator's `with read_open(...)` closes the reader


def download_response(request, filemeta, *, store=None, as_attachment=True, content_type=None, as_stored=False):
    """
    Return the response serving ``filemeta``'s bytes for ``request``: 200 (all), 206 (one range),
    304 (If-None-Match matches), or 416 (range past the end). HEAD takes the same decisions and
    gets the same headers, without the body.

    ``as_stored`` serves whatever the store holds now, for bytes known to differ from the record
    (a download "anyway" of a corrupt file): the whole of it, its length measured now, without the
    recorded SHA-256 as ETag, so no cache or resumed download mistakes it for the recorded bytes.

    Raises DeliveryStoreFileNotFound when the store has no bytes for it; the caller shows a page.
    """
    store = store or FileMeta.deliverystore
    if as_stored:
        size, etag, common = store.size(filemeta), None, {}
    else:
        size, etag = filemeta.size, etag_for(filemeta)
        common = {"ETag": etag, "Accept-Ranges": "bytes", "Last-Modified": http_date(filemeta.created.timestamp())}
        if _etag_matches(request.headers.get("If-None-Match"), etag):
            return untrusted_bytes(HttpResponseNotModified(), common)

    byte_range = None
    if etag and request.method in ("GET", "HEAD") and _if_range_allows(request.headers.get("If-Range"), etag):
        try:
            byte_range = parse_range(request.headers.get("Range"), size)
        except RangeNotSatisfiable:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return untrusted_bytes(response, common)

    start, length = (byte_range.first, byte_range.length) if byte_range else (0, size)
    content_type = content_type or safe_content_type(filemeta.content_type)
    status = 206 if byte_range else 200
    stream = open_stream(filemeta, store, start, length, total=size)
    if request.method == "HEAD":
        # The headers only, after the same decision as GET: the store was opened as for the bytes
        # (a missing, unreadable or unreachable file answers here as it would there).
        stream.close()
        response = HttpResponse(status=status, content_type=content_type)
    else:
        response = StreamingHttpResponse(stream, status=status, content_type=content_type)
    response["Content-Length"] = str(length)
    if byte_range:
        response["Content-Range"] = byte_range.content_range()
    response["Content-Disposition"] = content_disposition_header(as_attachment, filemeta.filename)
    untrusted_bytes(response, common)
    logger.info(
        "download: file %s (sha256 %s) by user %s, bytes %s%s",
        filemeta.pk,
        filemeta.checksum,
        getattr(request.user, "pk", None),
        byte_range.content_range() if byte_range else f"all/{size}",
        " as stored (differing from the record)" if as_stored else "",
    )
    return response


def _if_range_allows(header, etag):
    """If-Range: honour Range only when the validator names these bytes (a date never does)."""
    return not header or header.strip() == etag


@dataclass(frozen=True)
class PresignedDownloads:
    """
    When a download goes to the store directly: ``enabled``, for files of at least ``min_size``
    bytes, through a URL valid ``expires`` seconds. ``from_settings()`` reads the
    DELIVERY_STORE_PRESIGNED_* settings; the stores know nothing of it.
    """

    enabled: bool = False
    min_size: int = 8 * 1024 * 1024
    expires: int = 300

    @classmethod
    def from_settings(cls):
        return cls(
            enabled=settings.DELIVERY_STORE_PRESIGNED_DOWNLOADS,
            min_size=settings.DELIVERY_STORE_PRESIGNED_MIN_SIZE,
            expires=settings.DELIVERY_STORE_PRESIGNED_EXPIRES,
        )

    def signer(self, filemeta, store):
        """The store's ``presigned_url`` if this download should use it, else None."""
        if not self.enabled or filemeta.size < self.min_size:
            return None
        return getattr(store, "presigned_url", None)


def presigned_redirect(request, filemeta, policy, *, store=None):
    """
    A 302 to a presigned URL of ``filemeta``'s bytes (attachment, safe Content-Type) when
    ``policy`` and the store allow it for this request, else None: the caller streams.

    Only GET is redirected: a presigned URL is signed for one method, and HEAD costs nothing to
    answer here. Ranges need nothing from us: the browser sends its Range to the store, which
    serves it. The object's existence is checked first, so a missing file still gets the caller's
    page (DeliveryStoreFileNotFound) rather than the store's XML error; an unreachable store
    raises OSError as a streamed download would.
    """
    store = store or FileMeta.deliverystore
    signer = policy.signer(filemeta, store)
    if signer is None or request.method != "GET":
        return None
    if not store.exists(filemeta):
        raise DeliveryStoreFileNotFound(filemeta.key)
    url = signer(
        filemeta, filemeta.filename, expires=policy.expires, content_type=safe_content_type(filemeta.content_type)
    )
    response = HttpResponseRedirect(url)
    # The URL is a bearer token for the bytes until it expires: no cache may keep or reuse it,
    # and the store's access logs need not learn which admin page sent the browser.
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    logger.info(
        "download: file %s (sha256 %s) by user %s, redirected to the store (URL valid %s s)",
        filemeta.pk,
        filemeta.checksum,
        getattr(request.user, "pk", None),
        policy.expires,
    )
    return response
