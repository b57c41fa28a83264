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
* A search by students' names matches only where the user sees names (``access.names_visible``):
  on an anonymous assignment, only the other search fields count for examiners.

Adding, changing and deleting still need their permissions: examining a group grants none.
"""

from django.http import Http404

from .. import access

__all__ = ["NameSearchMixin", "ScopedAdminMixin", "ScopedInlineMixin"]


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


class NameSearchMixin:
    """
    Search fields that name students (``name_search_fields``, a subset of ``search_fields``) match
    only on rows where the user sees names; elsewhere the search runs without them. An
    administrator's search is Django's own.
    """

    name_search_fields = ()

    def get_search_fields(self, request):
        fields = super().get_search_fields(request)
        if getattr(request, "_deliveries_search_without_names", False):
            return [field for field in fields if field not in self.name_search_fields]
        return fields

    def get_search_results(self, request, queryset, search_term):
        if not search_term or not self.name_search_fields or access.is_administrator(request.user):
            return super().get_search_results(request, queryset, search_term)
        names_shown = access.names_visible(request.user, access.GROUP_PATHS[self.model._meta.model_name])
        with_names, named_duplicates = super().get_search_results(request, queryset.filter(names_shown), search_term)
        # The request, not this shared ModelAdmin, carries the switch: requests run in parallel.
        request._deliveries_search_without_names = True
        try:
            without_names, other_duplicates = super().get_search_results(
                request, queryset.exclude(names_shown), search_term
            )
        finally:
            del request._deliveries_search_without_names
        return with_names | without_names, named_duplicates or other_duplicates
