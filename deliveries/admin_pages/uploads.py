"""
Receiving a hand-in's files over HTTP: Django's own upload machinery, with two additions that must
be in place before the request's body is read (``prepare_hand_in_upload``).

* ``HandInUploadHandler``, first in ``request.upload_handlers``: judges each file by
  ``HandInCheck`` as its bytes arrive and makes Django skip a refused file at once (``SkipFile``),
  so a file over the limits is never spooled whole. Accepted bytes go on to Django's own
  handlers: memory for a small request, a temporary file (TemporaryFileUploadHandler) for
  anything over FILE_UPLOAD_MAX_MEMORY_SIZE, so nothing big is ever held in memory.
* ``RawNameMultiPartParser``: Django's parser, except that it passes each filename on as the
  client sent it (Django's own sanitising would turn "../../x" into "x" and drop control
  characters quietly; here ``clean_filename`` refuses such a name with its reason instead), and
  that a body which ends before its Content-Length is an error. Django's parser drops a file cut
  short by a broken connection but keeps the files before it; a hand-in must not lose a file
  that way without anyone noticing.
"""

from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http.multipartparser import MultiPartParser, MultiPartParserError

from ..handins import HandInCheck, Refusal

__all__ = ["FIELD", "HandInUploadHandler", "RawNameMultiPartParser", "prepare_hand_in_upload"]

#: The form field that carries the files.
FIELD = "files"


class _CountingReader:
    """Reads from ``stream``, counting the bytes. Not iterable, so Django reads it by ``read()`` only."""

    def __init__(self, stream):
        self.stream = stream
        self.count = 0

    def read(self, size=-1):
        data = self.stream.read(size)
        self.count += len(data)
        return data


class RawNameMultiPartParser(MultiPartParser):
    """
    Django's MultiPartParser, handing filenames on unchanged (only an empty one means "no file"),
    and raising MultiPartParserError when the body ends short of its Content-Length.
    """

    def sanitize_file_name(self, file_name):
        return file_name or None

    def parse(self):
        reader = self._input_data = _CountingReader(self._input_data)
        post, files = super().parse()  # reads the body to its end, also past a skipped file
        if reader.count < self._content_length:
            for _, uploads in files.lists():
                for upload in uploads:
                    upload.close()  # a spooled file is removed now, not when collected
            raise MultiPartParserError(f"The body ended after {reader.count} of its {self._content_length} bytes.")
        return post, files


class HandInUploadHandler(FileUploadHandler):
    """
    Counts each file of the field ``files`` against the hand-in's limits while it arrives; a
    refused file, or one in another field, is skipped, its refusal kept in ``check.refusals``.
    It passes every accepted chunk on to the next handler and keeps nothing itself.
    """

    def __init__(self, limits, request=None):
        super().__init__(request)
        self.check = HandInCheck(limits)

    def new_file(self, field_name, file_name, *args, **kwargs):
        if field_name != FIELD:
            reason = f"it was sent in the form field {field_name!r}; files are handed in in {FIELD!r}."
            self.check.refusals.append(Refusal(file_name, reason))
            raise SkipFile
        if self.check.start(file_name):
            raise SkipFile  # before any later handler opens a file for it
        super().new_file(field_name, file_name, *args, **kwargs)

    def receive_data_chunk(self, raw_data, start):
        if self.check.grow(len(raw_data)):
            raise SkipFile  # the later handlers' partial file is closed (and deleted) by Django
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler makes the UploadedFile


def prepare_hand_in_upload(request, limits):
    """
    Make ``request`` read its body through the hand-in's handler and parser; return the handler.
    Call before anything touches ``request.POST`` or ``request.FILES`` (so the view must be
    csrf_exempt, and check the CSRF token itself after this).
    """
    handler = HandInUploadHandler(limits, request)
    request.upload_handlers.insert(0, handler)
    request.multipart_parser_class = RawNameMultiPartParser
    return handler
