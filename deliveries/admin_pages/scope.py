"""
The admin's side of ``deliveries.access``: mixins that show each user of a ModelAdmin or an
inline only what the rule lets them see. They decide nothing themselves.

* Lists, pages, history, actions, raw-id pop-ups and autocomplete all read ``get_queryset``,
  narrowed here by ``access.visible``.
* The view permission, and with it the admin index's entries, is ``access.may_view`` (the model)
  and ``access.can_see`` (one object): an examiner with no model permissions gets the Deliveries
  section with Assignments, Assignment groups, Deliveries and Files, holding only their groups.
* An object outside what the user sees is a 404, exactly like one that does not exist, so a
  guessed id tells nothing. (Django answers a missing object with a redirect to the index.)
* A search by students' names matches only where the user sees names (``access.names_visible``,
  asked by ``admin_pages.people``): on an anonymous assignment, a candidate id finds a student.

Adding, changing and deleting still need their permissions: examining a group grants none.
"""

from django.http import Http404

from .. import access

__all__ = ["ScopedAdminMixin", "ScopedInlineMixin"]


class ScopedAdminMixin:
    """For the ModelAdmin of a model in ``access.GROUP_PATHS``; mix in before ``admin.ModelAdmin``."""

    def get_queryset(self, request):
        return access.visible(request.user, super().get_queryset(request))

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return access.may_view(request.user, self.model)
        return access.can_see(request.user, obj)

    def has_module_permission(self, request):
        return super().has_module_permission(request) or access.may_view(request.user, self.model)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django's one answer to "no such object" in the change, history and delete views.
        raise Http404(f"No {opts.verbose_name} with id {object_id!r}.")


class ScopedInlineMixin:
    """For an inline of a model in ``access.GROUP_PATHS``: its rows narrowed the same way."""

    def get_queryset(self, request):
        return access.visible(request.user, super().get_queryset(request))

    def has_view_permission(self, request, obj=None):
        # ``obj`` is the parent, which its own ModelAdmin has already let the user see.
        return access.may_view(request.user, self.model)
