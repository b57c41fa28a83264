"""``{% identical_files filemeta %}``: on a file's page, the other groups' files with the same bytes."""

from django import template
from django.urls import reverse
from django.utils.http import urlencode

from ..identical import MAX_SHOWN, same_bytes

register = template.Library()

__all__ = ["identical_files"]


@register.inclusion_tag("admin/deliveries/filemeta/_identical.html", takes_context=True)
def identical_files(context, filemeta):
    """The matches ``same_bytes`` finds for the viewing user, and a search for all of them when there are more."""
    matches, more = same_bytes(context["request"].user, filemeta)
    search = reverse("admin:deliveries_filemeta_changelist") + "?" + urlencode({"q": filemeta.checksum})
    return {"filemeta": filemeta, "matches": matches, "more": more, "max_shown": MAX_SHOWN, "search_url": search}
