"""
The hand-in page of a group, ``/admin/deliveries/assignmentgroup/<pk>/deliver/``: an administrator
hands in files for the group (a student mailed them when the upload failed).

GET shows the group, its deadline, whether a hand-in now would be late, and a form taking several
files at once (a file picker, and a drop zone when JavaScript runs). POST takes the files in the
field ``files`` and hands them in with ``deliveries.handins.hand_in``: all or nothing, delivered by
the administrator, with a LogEntry on the new delivery. A refused file is named with its reason
and nothing is kept.

Access, in this order: active staff (``admin_view``, else the login page); the permission to add
deliveries (403 without it, the same for every group, so it tells nothing); seeing the group
(``deliveries.access``; 404 otherwise, as for a group that does not exist).
"""

import logging

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, TooManyFilesSent
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from .. import access
from ..handins import HandInFailed, Refusal, UploadLimits, hand_in, too_many_files
from ..lateness import humanize_duration
from ..models import Delivery
from .uploads import FIELD, prepare_hand_in_upload

logger = logging.getLogger(__name__)

__all__ = ["HandInViews"]

ADD_DELIVERY = "deliveries.add_delivery"


class HandInViews:
    """Mixed into AssignmentGroupAdmin: the hand-in page, its URL, and its button on the group's page."""

    def hand_in_urls(self):
        """The page's URL pattern; it must come before the admin's catch-all patterns."""
        info = self.opts.app_label, self.opts.model_name
        # csrf_exempt: the upload's handlers must be installed before anything reads the body, and
        # Django's CSRF check reads it. deliver_view checks the token itself, right after.
        view = self.admin_site.admin_view(csrf_exempt(self.deliver_view))
        return [path("<path:object_id>/deliver/", view, name=f"{info[0]}_{info[1]}_deliver")]

    def may_hand_in(self, request, group):
        """May the user hand in for ``group``: the add permission on deliveries, and seeing the group."""
        return request.user.has_perm(ADD_DELIVERY) and access.can_see(request.user, group)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["can_hand_in"] = self.may_hand_in(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def deliver_view(self, request, object_id):
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        if not request.user.has_perm(ADD_DELIVERY):
            raise PermissionDenied("Handing in for a group needs the permission to add deliveries.")
        group = self.get_object(request, unquote(object_id))
        if group is None or not access.can_see(request.user, group):
            raise Http404(f"No group with id {object_id!r}.")
        if request.method == "GET":
            return csrf_protect(self._deliver_page)(request, group)  # the form's token
        limits = UploadLimits.from_settings()
        handler = prepare_hand_in_upload(request, limits)
        try:
            request.FILES  # read the body now, through the hand-in's handler  # noqa: B018
        except TooManyFilesSent:
            return self._deliver_page(request, group, [Refusal("", too_many_files(limits))])
        except (MultiPartParserError, UnreadablePostError) as e:
            logger.warning("Hand-in for group %s not received whole: %s", group.pk, e)
            reason = "the upload did not arrive whole (the connection broke or the form was malformed); try again."
            return self._deliver_page(request, group, [Refusal("", reason)])
        return csrf_protect(self._deliver_post)(request, group, handler)

    def _deliver_post(self, request, group, handler):
        uploads = request.FILES.getlist(FIELD)
        if handler.check.refusals:
            return self._deliver_page(request, group, handler.check.refusals)
        try:
            delivery = hand_in(group, request.user, uploads, handler.check.limits)
        except HandInFailed as e:
            return self._deliver_page(request, group, e.refusals, status=503 if e.server_fault else 400)
        names = ", ".join(filemeta.filename for filemeta in delivery.filemetas.order_by("pk"))
        self.log_addition(
            request, delivery, f"Handed in by {access.user_label(request.user)} for the group: files {names}."
        )
        late_by = delivery.late_by
        count = len(uploads)
        self.message_user(
            request,
            f"Handed in {count} file{'s' if count != 1 else ''} for {group.label} as delivery #{delivery.number}"
            + (f", late by {humanize_duration(late_by)}." if late_by else "."),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:deliveries_delivery_change", args=[delivery.pk]))

    def _deliver_page(self, request, group, refusals=(), status=None):
        """The page: the group, its deadline, the form, and why the last try kept nothing (``refusals``)."""
        assignment = group.assignment
        now = timezone.now()
        late_now = Delivery(assignment_group=group, time_of_delivery=now).late_by
        limits = UploadLimits.from_settings()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": group,
            "title": f"Hand in files for {group.label}",
            "group": group,
            "assignment": assignment,
            "students": [
                access.student_label(request.user, candidate, assignment)
                for candidate in group.candidate_set.select_related("user")
            ],
            "deadline": group.effective_deadline,
            "is_extension": group.deadline is not None,
            "late_now": humanize_duration(late_now) if late_now else "",
            "time_left": humanize_duration(group.effective_deadline - now)
            if group.effective_deadline and group.effective_deadline > now
            else "",
            "next_number": group.last_delivery_number + 1,
            "limits": limits,
            "field": FIELD,
            "refusals": [str(refusal) for refusal in refusals],
        }
        if status is None:
            status = 400 if refusals else 200
        return TemplateResponse(request, "admin/deliveries/assignmentgroup/deliver.html", context, status=status)
