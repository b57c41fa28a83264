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
    "download_response",
    "etag_for",
    "parse_range",
    "presigned_redirect",
    "safe_content_type",
]

_RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")


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
        suffix = int(last)
        if suffix == 0:
            raise RangeNotSatisfiable(header)
        first, last = max(size - suffix, 0), size - 1
    else:
        first = int(first)
        last = size - 1 if last == "" else min(int(last), size - 1)
        if int(match.group(2) or first) < first:
            return None  # "bytes=9-3" is invalid syntax: ignore it
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


def open_stream(filemeta, store=None, start=0, length=None):
    """
    Return an iterator of the bytes ``start``.. (``length`` bytes) of ``filemeta``, the store
    already opened: a missing file raises DeliveryStoreFileNotFound here, before any response.
    """
    store = store or FileMeta.deliverystore
    chunks = store.iter_chunks(filemeta, start=start, length=length)
    first = next(chunks, b"")  # opens the reader now: a missing file raises here, not mid-response

    return _Stream(first, chunks)


class _Stream:
    """The bytes of a download; ``close()`` closes the store's reader even if iteration never began."""

    def __init__(self, first, chunks):
        self._first, self._chunks = first, chunks

    def __iter__(self):
        if self._first:
            yield self._first
            yield from self._chunks

    def close(self):
        self._chunks.close()  # the generator's `with read_open(...)` closes the reader


def download_response(request, filemeta, *, store=None, as_attachment=True, content_type=None):
    """
    Return the response serving ``filemeta``'s bytes for ``request``: 200 (all), 206 (one range),
    304 (If-None-Match matches), or 416 (range past the end). HEAD gets the same headers only.

    Raises DeliveryStoreFileNotFound when the store has no bytes for it; the caller shows a page.
    """
    etag = etag_for(filemeta)
    common = {"ETag": etag, "Accept-Ranges": "bytes", "Last-Modified": http_date(filemeta.created.timestamp())}
    if _etag_matches(request.headers.get("If-None-Match"), etag):
        return untrusted_bytes(HttpResponseNotModified(), common)

    byte_range = None
    if request.method in ("GET", "HEAD") and _if_range_allows(request.headers.get("If-Range"), etag):
        try:
            byte_range = parse_range(request.headers.get("Range"), filemeta.size)
        except RangeNotSatisfiable:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{filemeta.size}"
            return untrusted_bytes(response, common)

    start, length = (byte_range.first, byte_range.length) if byte_range else (0, filemeta.size)
    content_type = content_type or safe_content_type(filemeta.content_type)
    status = 206 if byte_range else 200
    if request.method == "HEAD":  # the headers only: the store is asked whether, not read
        if not (store or FileMeta.deliverystore).exists(filemeta):
            raise DeliveryStoreFileNotFound(filemeta.key)
        response = HttpResponse(status=status, content_type=content_type)
    else:
        response = StreamingHttpResponse(
            open_stream(filemeta, store, start, length), status=status, content_type=content_type
        )
    response["Content-Length"] = str(length)
    if byte_range:
        response["Content-Range"] = byte_range.content_range()
    response["Content-Disposition"] = content_disposition_header(as_attachment, filemeta.filename)
    untrusted_bytes(response, common)
    logger.info(
        "download: file %s (sha256 %s) by user %s, bytes %s",
        filemeta.pk,
        filemeta.checksum,
        getattr(request.user, "pk", None),
        byte_range.content_range() if byte_range else f"all/{filemeta.size}",
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
