"""
S3DeliveryStore: bytes as objects in an S3-compatible bucket (AWS S3, SeaweedFS, MinIO, Ceph RGW).

Why not django-storages' S3Storage: it reads a whole object into memory on first access and
overwrites silently. This store streams both ways with bounded memory:

* Writes buffer one part (``part_size``), with at most ``upload_threads`` more in flight. An
  object no bigger than one part is one ``PutObject``; a bigger one is a multipart upload,
  created on the first full part. Nothing is visible before ``close()`` (a multipart upload is
  invisible until completed), and an error or an exception inside the ``with`` aborts the upload.
* The whole-file SHA-256 is computed while streaming. S3 cannot take metadata after an upload has
  started, and copying a finished object onto itself just to add metadata would read every byte
  again, so the hash is kept where it can be without a second pass: in the user metadata
  ``x-amz-meta-sha256`` *and* the object tag ``sha256`` for single-part objects, in the tag
  ``sha256`` (set right after completion) for multipart ones. ``object_sha256()`` reads either,
  and answers "" (unknown) for an object without: the tag is a convenience, never what a
  verification trusts (that is the FileMeta's SHA-256). So a failed tagging after a completed
  upload or copy is logged and leaves the new bytes in place: the upload has replaced the old
  ones already, and deleting it would leave the key empty.
  With ``checksums`` on, every request also carries ``x-amz-checksum-sha256`` of its own bytes, so
  the server rejects (``BadDigest``) a body damaged in transit.
* Reads HEAD once (size and ETag), then stream one ranged GET from the position onwards; a seek
  drops the stream and the next read opens a new range. Every GET names the ETag (``If-Match``),
  so an object replaced mid-read fails the read instead of mixing two versions.

Deleting a missing key raises ``DeliveryStoreFileNotFound`` (the contract), after a HEAD, since S3
itself answers 204 either way.
"""

import base64
import hashlib
import io
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor, wait

from django.utils.http import content_disposition_header

from .base import (
    CHUNK_SIZE,
    KEY_RE,
    DeliveryStoreFileNotFound,
    DeliveryStoreInterface,
    InvalidStoreError,
    Leftover,
    Option,
    StoredObject,
    StoreFacts,
    StoreWriter,
    boolean,
    one_of,
    optional,
    positive_int,
    positive_number,
    relative_directory,
    safe_relative_parts,
)

try:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError as e:  # pragma: no cover - boto3 is in requirements.txt
    raise InvalidStoreError(f"S3DeliveryStore needs boto3 (pip install boto3): {e}") from e

__all__ = ["S3DeliveryStore", "S3StoreUnavailable"]

logger = logging.getLogger(__name__)

MiB = 1024 * 1024
MIN_PART_SIZE = 5 * MiB  # S3's floor for every part but the last
MAX_PARTS = 10_000
# CopyObject copies at most 5 GiB; bigger objects are copied part by part on the server.
MAX_COPY_OBJECT = 5 * 1024 * MiB
CHECKSUM_MODES = ("sha256", "off")
MULTIPART_LEFTOVER = "multipart"

_NOT_FOUND_CODES = {"404", "NoSuchKey", "NotFound", "NoSuchUpload"}
_PRECONDITION_CODES = {"412", "PreconditionFailed"}


class S3StoreUnavailable(OSError):
    """The S3 endpoint could not be reached or did not answer in time."""


def _sha256_b64(data):
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def _key_prefix(prefix):
    """A prefix for object keys: "" or a relative path ending in '/' ("/a/b" and "a/b/" give "a/b/")."""
    prefix = str(prefix or "").strip("/")
    return relative_directory(prefix) + "/" if prefix else ""


def _part_size(value):
    """Bytes per multipart part: S3 refuses parts below 5 MiB (but the last)."""
    size = positive_int(value)
    if size < MIN_PART_SIZE:
        raise ValueError(f"S3 needs at least {MIN_PART_SIZE} bytes (5 MiB)")
    return size


class _S3Writer(StoreWriter):
    """
    Fills one part-sized buffer; sends each full part to the store's upload threads, at most
    ``upload_threads`` parts in flight, so memory stays near ``(upload_threads + 1) * part_size``
    whatever the file's size; completes the upload on commit and aborts it on any failure.
    """

    def __init__(self, key, store):
        super().__init__(key)
        self._store = store
        self._object_key = store._object_key(key)
        # Grows to one part while the first part fills (small files stay small), then is reused.
        self._buffer = bytearray()
        self._filled = 0
        self._digest = hashlib.sha256()
        self._upload_id = None
        self._pending = []  # futures of parts in flight, oldest first
        self._parts = []

    def _write(self, data):
        self._digest.update(data)
        part_size = self._store.part_size
        while data:
            n = min(part_size - self._filled, len(data))
            if self._filled == len(self._buffer):
                self._buffer += data[:n]
            else:
                self._buffer[self._filled : self._filled + n] = data[:n]  # same length: in place
            self._filled += n
            data = data[n:]
            if self._filled == part_size:
                self._send_buffer()

    def _take_buffer(self):
        """The buffered bytes as ``bytes`` (botocore wraps a body in BytesIO, which copies a
        bytearray but shares bytes, so a part in flight is held once); the buffer is then empty."""
        data = bytes(memoryview(self._buffer)[: self._filled])
        self._filled = 0
        return data

    def _send_buffer(self):
        store = self._store
        if self._upload_id is None:
            kwargs = {"ChecksumAlgorithm": "SHA256"} if store.checksums == "sha256" else {}
            response = store._call(
                "create_multipart_upload", self.key, Bucket=store.bucket, Key=self._object_key, **kwargs
            )
            self._upload_id = response["UploadId"]
        number = len(self._parts) + len(self._pending) + 1
        if number > MAX_PARTS:
            raise OSError(f"{self.key}: more than {MAX_PARTS} parts of {store.part_size} bytes; raise part_size.")
        # Wait for a free slot before copying the buffer: memory stays bounded.
        while len(self._pending) >= store.upload_threads:
            self._parts.append(self._pending.pop(0).result())
        self._pending.append(store._upload_pool().submit(self._upload_part, number, self._take_buffer()))

    def _upload_part(self, number, data):
        """Upload one part (in an upload thread); return its entry for CompleteMultipartUpload."""
        store = self._store
        part = {"PartNumber": number}
        kwargs = {}
        if store.checksums == "sha256":
            part["ChecksumSHA256"] = kwargs["ChecksumSHA256"] = _sha256_b64(data)
        response = store._call(
            "upload_part",
            self.key,
            Bucket=store.bucket,
            Key=self._object_key,
            UploadId=self._upload_id,
            PartNumber=number,
            Body=data,
            **kwargs,
        )
        part["ETag"] = response["ETag"]
        return part

    def _commit(self):
        store = self._store
        sha256 = self._digest.hexdigest()
        conditional = {"IfNoneMatch": "*"} if store.create_only else {}
        if self._upload_id is None:
            body = self._take_buffer()
            kwargs = {"ChecksumSHA256": _sha256_b64(body)} if store.checksums == "sha256" else {}
            store._call(
                "put_object",
                self.key,
                Bucket=store.bucket,
                Key=self._object_key,
                Body=body,
                Metadata={"sha256": sha256},
                Tagging=f"sha256={sha256}",
                ContentType="application/octet-stream",
                **kwargs,
                **conditional,
            )
            self._buffer = None
            return
        if self._filled:
            self._send_buffer()
        self._buffer = None
        while self._pending:
            self._parts.append(self._pending.pop(0).result())
        store._call(
            "complete_multipart_upload",
            self.key,
            Bucket=store.bucket,
            Key=self._object_key,
            UploadId=self._upload_id,
            MultipartUpload={"Parts": self._parts},
            **conditional,
        )
        self._upload_id = None  # completed: nothing left to abort
        store._tag_sha256(self.key, sha256)

    def _cancel_parts(self):
        """Cancel queued parts and wait for those being sent, so the abort comes after them."""
        for future in self._pending:
            future.cancel()
        wait(self._pending)
        self._pending = []

    def _abort(self):
        self._buffer = None
        self._cancel_parts()
        if self._upload_id is not None:
            upload_id, self._upload_id = self._upload_id, None
            try:
                self._store._call(
                    "abort_multipart_upload",
                    self.key,
                    Bucket=self._store.bucket,
                    Key=self._object_key,
                    UploadId=upload_id,
                )
            except Exception:
                # The parts stay invisible; iter_leftovers reports the upload so checkstore can clean it.
                logger.warning(
                    "Could not abort multipart upload %s of %s in %s", upload_id, self.key, self._store.describe()
                )


class _S3RawReader(io.RawIOBase):
    """Seekable reader over ranged GETs: one open stream from the position; a seek reopens lazily."""

    def __init__(self, store, key, size, etag):
        super().__init__()
        self._store = store
        self._key = key
        self._size = size
        self._etag = etag
        self._pos = 0
        self._body = None

    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):
        return self._pos

    def seek(self, offset, whence=io.SEEK_SET):
        if whence == io.SEEK_SET:
            pos = offset
        elif whence == io.SEEK_CUR:
            pos = self._pos + offset
        elif whence == io.SEEK_END:
            pos = self._size + offset
        else:
            raise ValueError(f"invalid whence ({whence})")
        if pos < 0:
            raise ValueError(f"negative seek position {pos}")
        if pos != self._pos:
            self._close_body()
            self._pos = pos
        return pos

    def _open_body(self):
        store = self._store
        response = store._call(
            "get_object",
            self._key,
            Bucket=store.bucket,
            Key=store._object_key(self._key),
            Range=f"bytes={self._pos}-",
            IfMatch=self._etag,
        )
        self._body = response["Body"]

    def _close_body(self):
        if self._body is not None:
            self._body.close()
            self._body = None

    def _read_body(self, want):
        if self._body is None:
            self._open_body()
        try:
            data = self._body.read(want)
        except (BotoCoreError, OSError) as e:
            self._close_body()
            raise self._store._unavailable(e) from e
        if not data:
            self._close_body()
            raise OSError(
                f"{self._store.describe()}: object {self._key} ended early at byte {self._pos} of {self._size}"
            )
        return data

    def readinto(self, buffer):
        want = min(len(buffer), self._size - self._pos)
        if want <= 0:
            return 0
        try:
            data = self._read_body(want)
        except OSError:
            # A stream left idle (a slow download) may have been closed by the server: open a
            # new range at the same position, once. The ETag pin keeps the bytes of one version.
            data = self._read_body(want)
        n = len(data)
        buffer[:n] = data
        self._pos += n
        return n

    def close(self):
        self._close_body()
        super().close()


class S3DeliveryStore(DeliveryStoreInterface):
    """
    Objects in one bucket, under ``prefix`` + key.

    Options (keywords; defaults from the ``DELIVERY_STORE_S3_*`` settings):

    * ``bucket``: the bucket (required); ``prefix``: a key prefix such as ``deliveries/``.
    * ``endpoint_url``: an S3-compatible server (``http://127.0.0.1:8333``); empty for AWS.
    * ``region``: the region name; ``addressing_style``: ``path``, ``virtual`` or ``auto``;
      ``signature_version``: ``s3v4`` (older versions cannot sign presigned URLs for most servers).
    * ``access_key_id`` / ``secret_access_key``: both, or neither for boto3's usual chain
      (environment, ``~/.aws``, instance roles).
    * ``checksums``: ``sha256`` sends ``x-amz-checksum-sha256`` with every upload of bytes, so the
      server rejects damaged bodies; ``off`` sends no checksum header with the bytes (and tells
      boto3 to add none), for S3-compatible servers that reject them (boto3 >= 1.36 adds CRC32
      headers by default). boto3 still checksums the small requests S3 requires one for
      (PutObjectTagging).
    * ``part_size``: bytes per multipart part (>= 5 MiB) and the size up to which one PUT is used.
    * ``upload_threads``: parts of one file sent at once (memory: up to ``upload_threads + 1`` parts).
    * ``create_only``: refuse to replace an existing object (``If-None-Match: *``); a rewrite then
      raises ``FileExistsError``. Off by default because the store contract lets a key be rewritten.
    * ``connect_timeout`` / ``read_timeout`` (seconds) and ``max_attempts`` (retries).
    * ``chunk_size``: bytes per read when streaming.
    """

    options = {
        "bucket": Option("DELIVERY_STORE_S3_BUCKET", required=True),
        "prefix": Option("DELIVERY_STORE_S3_PREFIX", "", _key_prefix),
        "endpoint_url": Option("DELIVERY_STORE_S3_ENDPOINT_URL", "", optional),
        "region": Option("DELIVERY_STORE_S3_REGION", "", optional),
        "access_key_id": Option("DELIVERY_STORE_S3_ACCESS_KEY_ID", "", optional),
        "secret_access_key": Option("DELIVERY_STORE_S3_SECRET_ACCESS_KEY", "", optional),
        "addressing_style": Option("DELIVERY_STORE_S3_ADDRESSING_STYLE", "path", one_of("auto", "path", "virtual")),
        "signature_version": Option("DELIVERY_STORE_S3_SIGNATURE_VERSION", "s3v4"),
        "checksums": Option("DELIVERY_STORE_S3_CHECKSUMS", "sha256", one_of(*CHECKSUM_MODES)),
        "part_size": Option("DELIVERY_STORE_S3_PART_SIZE", 8 * MiB, _part_size),
        "create_only": Option("DELIVERY_STORE_S3_CREATE_ONLY", False, boolean),
        "upload_threads": Option("DELIVERY_STORE_S3_UPLOAD_THREADS", 4, positive_int),
        "connect_timeout": Option("DELIVERY_STORE_S3_CONNECT_TIMEOUT", 5.0, positive_number),
        "read_timeout": Option("DELIVERY_STORE_S3_READ_TIMEOUT", 60.0, positive_number),
        "max_attempts": Option("DELIVERY_STORE_S3_MAX_ATTEMPTS", 3, positive_int),
        "chunk_size": CHUNK_SIZE,
    }

    def __init__(self, **options):
        super().__init__(**options)
        if bool(self.access_key_id) != bool(self.secret_access_key):
            raise InvalidStoreError(
                "S3DeliveryStore needs both DELIVERY_STORE_S3_ACCESS_KEY_ID and DELIVERY_STORE_S3_SECRET_ACCESS_KEY, "
                "or neither (boto3's usual credential chain)."
            )
        self._init_runtime()

    def _init_runtime(self):
        """The parts that are made on first use and never pickled: the client and the upload threads."""
        self._client = None
        self._client_lock = threading.Lock()
        self._pool = None
        self._pool_lock = threading.Lock()
        self._pid = os.getpid()

    def _check_fork(self):
        # A forked child (a prefork server's worker, say) must not share the parent's pooled
        # connections, and the parent's upload threads do not exist in it: start afresh.
        if self._pid != os.getpid():
            self._init_runtime()

    def describe(self):
        where = self.endpoint_url or f"AWS ({self.region or 'default region'})"
        return f"S3DeliveryStore s3://{self.bucket}/{self.prefix} at {where}"

    def health_facts(self):
        # Whether the bucket exists and takes writes only a request can tell: checkstore --probe.
        return StoreFacts("bucket", f"s3://{self.bucket}/{self.prefix}", setting=self.options["bucket"].setting)

    # ---- the client: lazy, one per store -------------------------------------------------------
    # boto3 clients are thread-safe (sessions are not): one client made under a lock serves every
    # thread. A client per thread would load botocore's service models again in each (about
    # 20 MB and a third of a second apiece), which the part-upload threads would pay on every store.

    @property
    def client(self):
        self._check_fork()
        client = self._client
        if client is None:
            with self._client_lock:
                if self._client is None:
                    self._client = self._make_client()
                client = self._client
        return client

    def _make_client(self):
        when = "when_supported" if self.checksums == "sha256" else "when_required"
        config = Config(
            signature_version=self.signature_version,
            s3={"addressing_style": self.addressing_style},
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            retries={"max_attempts": self.max_attempts, "mode": "standard"},
            request_checksum_calculation=when,
            response_checksum_validation=when,
            max_pool_connections=max(10, 2 * self.upload_threads),
        )
        session = boto3.session.Session(
            aws_access_key_id=self.access_key_id, aws_secret_access_key=self.secret_access_key
        )
        return session.client("s3", endpoint_url=self.endpoint_url, region_name=self.region, config=config)

    def _upload_pool(self):
        """The threads that send parts, shared by this store's writers (and their clients reused)."""
        self._check_fork()
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self.upload_threads, thread_name_prefix="s3-part")
            return self._pool

    def __getstate__(self):
        state = self.__dict__.copy()
        for name in ("_client", "_client_lock", "_pool", "_pool_lock", "_pid"):  # clients and threads do not pickle
            del state[name]
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._init_runtime()

    # ---- error translation: the one place that reads botocore's errors ------------------------

    def _unavailable(self, error):
        return S3StoreUnavailable(
            f"S3 endpoint {self.endpoint_url or 'AWS'} did not answer ({self.describe()}): {error}"
        )

    def _call(self, operation, key, **kwargs):
        """Call one client operation, translating its errors (see ``_translate``)."""
        try:
            return getattr(self.client, operation)(**kwargs)
        except (ClientError, BotoCoreError) as e:
            raise self._translate(e, operation, key, conditional_read="IfMatch" in kwargs) from e

    def _translate(self, error, operation, key, conditional_read=False):
        """
        The exception to raise for a botocore error: a missing object becomes
        ``DeliveryStoreFileNotFound(key)``; a failed ``If-None-Match`` ``FileExistsError``; a
        missing bucket or refused credentials ``InvalidStoreError``; a network failure
        ``S3StoreUnavailable``; anything else an ``OSError`` naming the store and the operation.
        """
        if not isinstance(error, ClientError):
            return self._unavailable(error)
        details = error.response.get("Error", {})
        code = str(details.get("Code", ""))
        status = str(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
        if code == "NoSuchBucket":
            return InvalidStoreError(
                f"{self.describe()}: the bucket {self.bucket!r} does not exist. Create it or set DELIVERY_STORE_S3_BUCKET."
            )
        if code in _NOT_FOUND_CODES or status == "404":
            return DeliveryStoreFileNotFound(key)
        if code in _PRECONDITION_CODES or status == "412":
            if conditional_read:
                return OSError(f"{self.describe()}: object {key} changed while it was being read")
            return FileExistsError(f"{self.describe()}: object {key} exists and create_only is set")
        if status == "403" or code in ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
            return InvalidStoreError(
                f"{self.describe()}: access denied ({code or status}). Check DELIVERY_STORE_S3_ACCESS_KEY_ID and "
                "DELIVERY_STORE_S3_SECRET_ACCESS_KEY, and the bucket's policy."
            )
        return OSError(f"{self.describe()}: {operation} failed: {details.get('Message') or code or status}")

    def _object_key(self, key):
        return self.prefix + key

    def _head(self, key):
        return self._call("head_object", key, Bucket=self.bucket, Key=self._object_key(key))

    def _delete_quietly(self, object_key):
        try:
            self.client.delete_object(Bucket=self.bucket, Key=object_key)
        except Exception:
            logger.warning("Could not delete %s from %s", object_key, self.describe())

    # ---- the contract --------------------------------------------------------------------------

    def _write_open(self, key):
        return _S3Writer(key, self)

    def _read_open(self, key):
        head = self._head(key)
        raw = _S3RawReader(self, key, head["ContentLength"], head["ETag"])
        return io.BufferedReader(raw, buffer_size=self.chunk_size)

    def _exists(self, key):
        try:
            self._head(key)
        except DeliveryStoreFileNotFound:
            return False
        return True

    def _size(self, key):
        return self._head(key)["ContentLength"]

    def _remove(self, key):
        self._head(key)  # S3 deletes missing keys silently; the contract says to raise
        self._call("delete_object", key, Bucket=self.bucket, Key=self._object_key(key))

    def _copy(self, src_key, dst_key):
        head = self._head(src_key)
        source = {"Bucket": self.bucket, "Key": self._object_key(src_key)}
        if head["ContentLength"] <= MAX_COPY_OBJECT:
            # The server copies the bytes, the metadata and the tags; nothing passes through us.
            conditional = {"IfNoneMatch": "*"} if self.create_only else {}
            self._call(
                "copy_object",
                dst_key,
                Bucket=self.bucket,
                Key=self._object_key(dst_key),
                CopySource=source,
                **conditional,
            )
            return
        self._copy_multipart(src_key, dst_key, head, source)

    def _copy_multipart(self, src_key, dst_key, head, source):
        size = head["ContentLength"]
        part = max(self.part_size, -(-size // MAX_PARTS))
        dst = self._object_key(dst_key)
        sha256 = self.object_sha256(src_key)
        upload = self._call("create_multipart_upload", dst_key, Bucket=self.bucket, Key=dst)
        try:
            parts = []
            for number, start in enumerate(range(0, size, part), start=1):
                end = min(start + part, size) - 1
                response = self._call(
                    "upload_part_copy",
                    src_key,
                    Bucket=self.bucket,
                    Key=dst,
                    UploadId=upload["UploadId"],
                    PartNumber=number,
                    CopySource=source,
                    CopySourceRange=f"bytes={start}-{end}",
                    CopySourceIfMatch=head["ETag"],
                )
                parts.append({"PartNumber": number, "ETag": response["CopyPartResult"]["ETag"]})
            self._call(
                "complete_multipart_upload",
                dst_key,
                Bucket=self.bucket,
                Key=dst,
                UploadId=upload["UploadId"],
                MultipartUpload={"Parts": parts},
            )
        except BaseException:
            try:
                self._call("abort_multipart_upload", dst_key, Bucket=self.bucket, Key=dst, UploadId=upload["UploadId"])
            except Exception:
                logger.warning(
                    "Could not abort multipart copy %s to %s in %s", upload["UploadId"], dst_key, self.describe()
                )
            raise
        if sha256:
            self._tag_sha256(dst_key, sha256)

    def _tag_sha256(self, key, sha256):
        """
        Tag a completed object with its SHA-256. The object is the key's bytes already (the old
        ones are gone): a failure is logged, never undone by a delete, which would leave the key
        empty. Without the tag ``object_sha256`` answers "" (unknown), which nothing trusts.
        """
        try:
            self._call(
                "put_object_tagging",
                key,
                Bucket=self.bucket,
                Key=self._object_key(key),
                Tagging={"TagSet": [{"Key": "sha256", "Value": sha256}]},
            )
        except Exception:
            logger.warning(
                "Could not tag %s in %s with its SHA-256; its bytes are in place, untagged",
                key,
                self.describe(),
                exc_info=True,
            )

    # ---- listing -------------------------------------------------------------------------------

    def _list(self):
        """Yield (name relative to the prefix, listing entry) for every object under the prefix."""
        return self._paginate("list_objects_v2", "Contents", lambda entry: entry["Key"])

    def _paginate(self, operation, field, key_of):
        """Yield (name relative to the prefix, entry) from every page of a listing operation."""
        paginator = self.client.get_paginator(operation)
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
                for entry in page.get(field, ()):
                    yield key_of(entry)[len(self.prefix) :], entry
        except (ClientError, BotoCoreError) as e:
            raise self._translate(e, operation, "") from e

    def _iter_objects(self):
        for name, entry in self._list():
            if KEY_RE.match(name):
                yield StoredObject(name, entry["Size"], entry.get("LastModified"))

    def iter_leftovers(self):
        """Objects under the prefix whose names are not keys ("stray"), and unfinished multipart uploads."""
        for name, entry in self._list():
            if not KEY_RE.match(name):
                yield Leftover("stray", name, entry["Size"], entry.get("LastModified"))
        for key, upload in self._paginate("list_multipart_uploads", "Uploads", lambda upload: upload["Key"]):
            name = f"{MULTIPART_LEFTOVER}:{key}:{upload['UploadId']}"
            yield Leftover("temporary", name, 0, upload.get("Initiated"))

    def remove_leftover(self, leftover):
        # Keys are literal in S3, but some compatible servers resolve '..' like a file system:
        # a name must stay under the prefix whichever kind of server this is.
        if leftover.kind == "temporary":
            marker, _, rest = leftover.name.partition(":")
            key, _, upload_id = rest.rpartition(":")
            if marker != MULTIPART_LEFTOVER or not key or not upload_id:
                raise ValueError(f"Refusing to remove {leftover.name!r}: not a multipart upload of this store")
            safe_relative_parts(key)
            self._call("abort_multipart_upload", key, Bucket=self.bucket, Key=self.prefix + key, UploadId=upload_id)
            return
        safe_relative_parts(leftover.name)
        self._call("delete_object", leftover.name, Bucket=self.bucket, Key=self.prefix + leftover.name)

    # ---- S3 extras -----------------------------------------------------------------------------

    def object_sha256(self, filemeta):
        """The SHA-256 hex the store recorded with the object (metadata or tag), or "" if none."""
        key = self.key_for(filemeta)
        sha256 = self._head(key).get("Metadata", {}).get("sha256")
        if sha256:
            return sha256
        tags = self._call("get_object_tagging", key, Bucket=self.bucket, Key=self._object_key(key))
        return next((t["Value"] for t in tags.get("TagSet", ()) if t["Key"] == "sha256"), "")

    def presigned_url(self, filemeta, filename, expires=300, content_type=None):
        """
        A URL that downloads the bytes of ``filemeta`` as an attachment named ``filename`` for
        ``expires`` seconds, without passing through Django. Nothing is checked against the
        server: a URL for a missing object answers 404 when fetched.
        """
        params = {
            "Bucket": self.bucket,
            "Key": self._object_key(self.key_for(filemeta)),
            "ResponseContentDisposition": content_disposition_header(True, filename),
        }
        if content_type:
            params["ResponseContentType"] = content_type
        try:
            return self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=int(expires))
        except BotoCoreError as e:
            raise InvalidStoreError(f"{self.describe()}: cannot sign a download URL: {e}") from e
