"""
Download an assignment's hand-ins, ``/admin/deliveries/assignment/<pk>/download/``: without
parameters, a page offering the choice (each group's last delivery, or every delivery) with what
each holds; with ``?deliveries=last`` or ``?deliveries=all``, the zip itself, streamed
(``deliveries.serving.assignment_zip``).

Access follows the rule for files, since the zip is files' bytes: active staff (``admin_view``);
seeing files at all (``access.may_see_bytes``: the global view permission on files, or
examining groups; 403 otherwise); seeing files of this assignment (404 otherwise). The zip holds
only the groups whose files the viewer may see, with names as the viewer may see them.
"""

import logging

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from .. import access
from ..models import FileMeta
from ..serving.assignment_zip import CHOICES, AssignmentZip
from ..serving.headers import untrusted_bytes

logger = logging.getLogger(__name__)

__all__ = ["AssignmentDownloadViews"]


class AssignmentDownloadViews:
    """Mixed into AssignmentAdmin: the download page and zip, its URL, and its button."""

    def download_urls(self):
        """The page's URL pattern; it must come before the admin's catch-all patterns."""
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view(require_GET(self.download_view))
        return [path("<path:object_id>/download/", view, name=f"{info[0]}_{info[1]}_download")]

    def may_download(self, request):
        """May the user download hand-ins at all (all of them, or their own groups')?"""
        return access.may_see_bytes(request.user)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["can_download_hand_ins"] = self.may_download(request)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def download_view(self, request, object_id):
        if not self.may_download(request):
            raise PermissionDenied("Downloading hand-ins needs the view permission on files.")
        assignment = self._assignment(object_id)
        if assignment is None or not access.can_see(request.user, assignment, models=[FileMeta]):
            raise Http404(f"No assignment with id {object_id!r}.")
        choice = request.GET.get("deliveries")
        if choice is None:
            return self._choice_page(request, assignment)
        if choice not in CHOICES:
            return self._choice_page(request, assignment, f"Choose which deliveries to download ({choice!r} is none).")
        archive = AssignmentZip(request.user, assignment, every=choice == "all")
        response = StreamingHttpResponse(archive.stream(), content_type="application/zip")
        response["Content-Disposition"] = content_disposition_header(True, archive.filename)
        untrusted_bytes(response)
        logger.info("download: zip of assignment %s (%s deliveries) by user %s", assignment.pk, choice, request.user.pk)
        return response

    def _assignment(self, object_id):
        """The assignment, or None. Not ``get_object``: the admin's list is scoped by the permissions on assignments."""
        try:
            return self.model._default_manager.get(pk=self.opts.pk.to_python(unquote(object_id)))
        except (self.model.DoesNotExist, ValidationError, ValueError):
            return None

    def _choice_page(self, request, assignment, error=""):
        archive = AssignmentZip(request.user, assignment)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": assignment,
            "title": f"Download the hand-ins of {assignment}",
            "assignment": assignment,
            "summary": archive.summary(),
            "choices": CHOICES,
            "names_shown": access.shows_names(request.user, assignment),
            "error": error,
        }
        status = 400 if error else 200
        return TemplateResponse(request, "admin/deliveries/assignment/download.html", context, status=status)
