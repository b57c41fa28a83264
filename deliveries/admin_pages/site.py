"""
The admin site: Django's own, with people named as people in every autocomplete box ("Amira
Khan (amira.khan)", ``access.user_label``) instead of a bare username. A project installs it
through its admin AppConfig's ``default_site`` (see project/apps.py).
"""

from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.auth import get_user_model

from .. import access

__all__ = ["DeliveriesAdminSite", "PeopleAutocompleteJsonView"]


class PeopleAutocompleteJsonView(AutocompleteJsonView):
    """Autocomplete results in which users read as ``access.user_label`` has them."""

    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        if isinstance(obj, get_user_model()):
            result["text"] = access.user_label(obj)
        return result


class DeliveriesAdminSite(admin.AdminSite):
    def autocomplete_view(self, request):
        return PeopleAutocompleteJsonView.as_view(admin_site=self)(request)
