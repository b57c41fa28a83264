"""
The admin's extra views: everything that shows stored bytes (download, preview, the image
thumbnail, the delivery's zip, the comparison of two deliveries) and "verify now".

Each view is mounted by a ModelAdmin (deliveries/admin.py) through ``admin_site.admin_view``, so
anonymous users and inactive or non-staff users are sent to the login page. Who may see which
bytes is ``deliveries.access``'s to say: a user who may see no bytes at all, or not the object's
model, gets a 403; an object outside what the user sees (another group's, for an examiner) a 404,
as one that does not exist. Missing or unreadable bytes give a clear page, never a server error.
"""

import functools
import logging

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST, require_safe

from .. import access
from ..integrity import failure_reason, verify_filemeta
from ..models import FileMeta
from ..serving import compare, downloads, previews, zipstream
from ..serving.headers import untrusted_bytes
from ..stores import DeliveryStoreFileNotFound, InvalidStoreError
from ..verification_history import verification_message

logger = logging.getLogger(__name__)

__all__ = ["BytesViewsMixin", "DeliveryViews", "FileMetaViews", "report_outcome"]


def report_outcome(model_admin, request, tally):
    """Tell the user how a verification of many files went, as an admin message of the right level."""
    level = messages.SUCCESS if tally.all_intact else messages.WARNING
    model_admin.message_user(request, tally.summary(), level)


def _unavailable(request, model_admin, obj, reason, status):
    """The clear page shown instead of bytes that cannot be served (of a FileMeta or a Delivery)."""
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": obj._meta,
        "title": f"The bytes of {obj} are unavailable",
        "subject": str(obj),
        "filemeta": obj if isinstance(obj, FileMeta) else None,
        "reason": reason,
        "store": FileMeta.deliverystore.describe(),
        "change_url": reverse(f"admin:deliveries_{obj._meta.model_name}_change", args=[obj.pk]),
    }
    return TemplateResponse(request, "admin/deliveries/bytes_unavailable.html", context, status=status)


def _store_failed(request, model_admin, obj, error):
    """The store failed (I/O error, server unreachable): a 503 page that says so, never a 500."""
    logger.exception("Could not read the bytes of %s %s", obj._meta.model_name, obj.pk)
    return _unavailable(request, model_admin, obj, f"The store could not be read: {failure_reason(error)}.", 503)


def _missing_reason(filemeta):
    return (
        f"The store has no bytes for this file (key {filemeta.key}). They were lost or removed outside "
        "the application; `manage.py checkstore` lists every such file."
    )


class BytesViewsMixin:
    """What every byte view of a ModelAdmin starts with."""

    def has_verify_permission(self, request):
        """The "verify" action permission: reading files' bytes needs access to bytes too (the rows are the user's own)."""
        return access.may_see_bytes(request.user) and self.has_view_or_change_permission(request)

    def get_object_showing_bytes(self, request, object_id):
        """
        The object, after the checks every byte view makes: may the user see bytes at all, and
        this model (403)? Is the object among what they see (404)? Its bytes too (403)?
        """
        if not access.may_see_bytes(request.user):
            raise PermissionDenied("Seeing delivered bytes needs the view permission on files, or examining the group.")
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        obj = self.get_object(request, unquote(object_id))  # get_queryset holds only what the user sees
        if obj is None:
            raise Http404(f"No {self.opts.verbose_name} with id {object_id!r}.")
        if not access.can_see_bytes(request.user, obj):
            raise PermissionDenied
        return obj


class FileMetaViews(BytesViewsMixin):
    """The byte views of one FileMeta; mixed into FileMetaAdmin."""

    def download_view(self, request, object_id):
        """
        The bytes as an attachment: streamed, with Range, ETag and safe headers; or, for big files
        when DELIVERY_STORE_PRESIGNED_DOWNLOADS is on and the store can sign URLs, a redirect to
        a short-lived presigned URL, after the same checks.
        """
        filemeta = self.get_object_showing_bytes(request, object_id)
        corrupt = filemeta.status == FileMeta.Status.CORRUPT
        if corrupt and "anyway" not in request.GET:
            return _unavailable(
                request,
                self,
                filemeta,
                "The last verification found these bytes corrupt (their size or SHA-256 differs from the "
                "recorded one). You can still download what the store holds.",
                409,
            )
        try:
            redirect = downloads.presigned_redirect(request, filemeta, downloads.PresignedDownloads.from_settings())
            # "anyway": what the store holds, however long, never passed off as the recorded bytes.
            return redirect or downloads.download_response(request, filemeta, as_stored=corrupt)
        except DeliveryStoreFileNotFound:
            return _unavailable(request, self, filemeta, _missing_reason(filemeta), 404)
        except OSError as e:
            return _store_failed(request, self, filemeta, e)
        except InvalidStoreError as e:  # the store could not sign a download URL
            logger.exception("Could not sign a download URL for file %s", filemeta.pk)
            return _unavailable(request, self, filemeta, str(e), 503)

    def preview_view(self, request, object_id):
        """A page showing the bytes: highlighted text, an image, or a hex dump (?mode=hex&offset=N)."""
        filemeta = self.get_object_showing_bytes(request, object_id)
        context = {
            **self.admin_site.each_context(request),
            **self.preview_context(request, filemeta),
            "opts": self.opts,
            "original": filemeta,
            "title": f"Preview of {filemeta.filename}",
        }
        return TemplateResponse(request, "admin/deliveries/filemeta/preview.html", context)

    def preview_context(self, request, filemeta):
        """Template context for the preview fragment: the Preview, or why there is none."""
        mode = "hex" if request.GET.get("mode") == "hex" else None
        context = {
            "filemeta": filemeta,
            "highlight_css": previews.highlight_css(),
            "preview_url": reverse("admin:deliveries_filemeta_preview", args=[filemeta.pk]),
            "image_url": reverse("admin:deliveries_filemeta_preview_image", args=[filemeta.pk]),
            "download_url": reverse("admin:deliveries_filemeta_download", args=[filemeta.pk]),
        }
        try:
            context["preview"] = previews.build_preview(
                filemeta, mode=mode, offset=request.GET.get("offset", 0), page=request.GET.get("page", 1)
            )
        except DeliveryStoreFileNotFound:
            context["preview_error"] = _missing_reason(filemeta)
        except OSError as e:
            logger.exception("Could not read the bytes of file %s", filemeta.pk)
            context["preview_error"] = f"The store could not be read: {failure_reason(e)}."
        return context

    def preview_image_view(self, request, object_id):
        """A PNG thumbnail of a raster image, re-encoded under a pixel cap; inline but sandboxed."""
        filemeta = self.get_object_showing_bytes(request, object_id)
        return self._png_response(request, filemeta, previews.image_thumbnail, f"{filemeta.filename}.preview.png")

    def preview_page_view(self, request, object_id, number):
        """A PNG of page ``number`` of a PDF (or image ``number`` of a notebook), drawn in the preview's sandbox."""
        filemeta = self.get_object_showing_bytes(request, object_id)
        draw = functools.partial(previews.page_image, number=number)
        return self._png_response(request, filemeta, draw, f"{filemeta.filename}.page-{number}.png")

    def _png_response(self, request, filemeta, draw, name):
        """The PNG ``draw(filemeta)`` makes, inline with the untrusted-bytes headers; or a page saying why not."""
        try:
            png = draw(filemeta)
        except DeliveryStoreFileNotFound:
            return _unavailable(request, self, filemeta, _missing_reason(filemeta), 404)
        except previews.ImagePreviewError as e:
            return _unavailable(request, self, filemeta, str(e), 415)
        except OSError as e:
            return _store_failed(request, self, filemeta, e)
        response = untrusted_bytes(HttpResponse(png, content_type="image/png"))
        response["Content-Disposition"] = content_disposition_header(False, name)
        return response

    def verify_view(self, request, object_id):
        """
        POST: re-read the bytes, check size and SHA-256, record and report the outcome. A read that
        fails records nothing: the message says why, and the file keeps its status.
        """
        filemeta = self.get_object_showing_bytes(request, object_id)
        result = verify_filemeta(filemeta)
        text, level = verification_message(filemeta, result)
        self.message_user(request, text, level)
        if result.status is not None:  # an unreadable file keeps its status: nothing changed, nothing to log
            self.log_change(request, filemeta, text)
        return HttpResponseRedirect(reverse("admin:deliveries_filemeta_change", args=[filemeta.pk]))

    def byte_urls(self):
        """URL patterns of these views; they must come before the admin's catch-all patterns."""
        from django.urls import path

        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/download/",
                wrap(require_safe(self.download_view), cacheable=True),
                name="deliveries_filemeta_download",
            ),
            path("<path:object_id>/preview/", wrap(require_GET(self.preview_view)), name="deliveries_filemeta_preview"),
            path(
                "<path:object_id>/preview/image/",
                wrap(require_GET(self.preview_image_view), cacheable=True),
                name="deliveries_filemeta_preview_image",
            ),
            path(
                "<path:object_id>/preview/page/<int:number>/",
                wrap(require_GET(self.preview_page_view), cacheable=True),
                name="deliveries_filemeta_preview_page",
            ),
            path("<path:object_id>/verify/", wrap(require_POST(self.verify_view)), name="deliveries_filemeta_verify"),
        ]


class DeliveryViews(BytesViewsMixin):
    """The zip of a delivery and its comparison with the previous one; mixed into DeliveryAdmin."""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The delivery's page links to its zip and comparison for those who may see its bytes."""
        extra_context = dict(extra_context or {})
        delivery = self.get_object(request, unquote(object_id))
        extra_context["can_view_bytes"] = delivery is not None and access.can_see_bytes(request.user, delivery)
        return super().change_view(request, object_id, form_url, extra_context)

    def zip_view(self, request, object_id):
        """
        All files of the delivery as one zip, streamed; a clear page if any bytes are missing, and,
        as for one file's download, a page first if the last verification found any corrupt
        (``?anyway=1`` zips what the store holds).
        """
        delivery = self.get_object_showing_bytes(request, object_id)
        store = FileMeta.deliverystore
        members = zipstream.delivery_members(delivery)
        corrupt = [m for m in members if m.filemeta.status == FileMeta.Status.CORRUPT]
        try:
            missing = [m.filemeta for m in members if not store.exists(m.filemeta)]
            if corrupt and "anyway" in request.GET and not missing:
                for member in corrupt:  # what the store holds now, however long
                    member.size = store.size(member.filemeta)
        except OSError as e:
            return _store_failed(request, self, delivery, e)
        if corrupt and "anyway" not in request.GET:
            context = {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "original": delivery,
                "title": f"Files of {delivery} are corrupt",
                "corrupt": [m.filemeta for m in corrupt],
            }
            return TemplateResponse(request, "admin/deliveries/delivery/zip_corrupt.html", context, status=409)
        if missing:
            context = {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "original": delivery,
                "title": f"Cannot zip {delivery}",
                "missing": missing,
                "store": store.describe(),
            }
            return TemplateResponse(request, "admin/deliveries/delivery/zip_missing.html", context, status=404)
        response = StreamingHttpResponse(zipstream.iter_zip(members, store), content_type="application/zip")
        response["Content-Disposition"] = content_disposition_header(True, f"{zipstream.folder_name(delivery)}.zip")
        untrusted_bytes(response)
        logger.info("download: zip of delivery %s (%d files) by user %s", delivery.pk, len(members), request.user.pk)
        return response

    def compare_view(self, request, object_id):
        """Files added, removed and changed since the previous delivery, with diffs of text files."""
        delivery = self.get_object_showing_bytes(request, object_id)
        previous = compare.previous_delivery(delivery)
        try:
            comparison = compare.compare_deliveries(previous, delivery)
        except OSError as e:  # a file vanished meanwhile, or the store failed
            return _store_failed(request, self, delivery, e)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": delivery,
            "title": f"Compare {delivery} with the previous delivery",
            "previous": previous,
            "comparison": comparison,
            "highlight_css": previews.highlight_css(),
        }
        return TemplateResponse(request, "admin/deliveries/delivery/compare.html", context)

    def byte_urls(self):
        from django.urls import path

        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/download/", wrap(require_GET(self.zip_view)), name="deliveries_delivery_download"),
            path("<path:object_id>/compare/", wrap(require_GET(self.compare_view)), name="deliveries_delivery_compare"),
        ]
