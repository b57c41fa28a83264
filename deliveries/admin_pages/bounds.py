"""
What a list's URL may ask of the database, bounded: no query string can cause a 500.

* Searches: at most ``MAX_SEARCH_TERMS`` words are searched, each one a condition (a thousand
  words made SQLite refuse the query, "Expression tree is too large", and cost a query per word
  where a word is looked up first). The words past the bound are left out, and the page says so.
  ``search_terms`` is the one helper every ``get_search_results`` calls; ``BoundedSearch`` applies
  it to Django's own search for the lists that use that.
* Date hierarchies: ``<field>__year``, ``__month`` and ``__day`` must be a date Django can step
  to the next year, month or day of, and convert to UTC (years 2 to 9998); anything else is
  refused as bad lookup parameters (the admin's own "?e=1" page), where ``?created__year=9999``
  overflowed a datetime.

``BoundedChangeList`` and ``BoundedAdminMixin`` put both on a ModelAdmin.
"""

from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.utils.text import smart_split, unescape_string_literal

__all__ = [
    "MAX_SEARCH_TERMS",
    "BoundedAdminMixin",
    "BoundedChangeList",
    "BoundedSearch",
    "check_date_hierarchy",
    "search_terms",
]

#: Words searched at most; each is a condition (and maybe a lookup) of its own.
MAX_SEARCH_TERMS = 10
#: Years a date hierarchy may ask for: one more year (or month, or day) must still be a datetime,
#: and so must the UTC time of its first and last moment in any time zone.
YEARS = (2, 9998)
_PARTS = {"year": YEARS, "month": (1, 12), "day": (1, 31)}
_NOTED = "_deliveries_search_bound_noted"


def _words(search_term):
    return list(smart_split(search_term or ""))


def _note_left_out(request, searched, left_out):
    """Tell the user once per request which words were not searched."""
    if request is None or getattr(request, _NOTED, False):
        return
    setattr(request, _NOTED, True)
    messages.warning(
        request,
        f"Searched for the first {searched} words only; the other {left_out} were left out. "
        "Narrow the list with its filters, or search for fewer, longer words.",
    )


def search_terms(request, search_term, limit=MAX_SEARCH_TERMS):
    """
    The words of ``search_term`` to search for, at most ``limit``, as Django's admin splits them
    (quoted phrases are one word, unquoted here). When there are more, a warning on ``request``
    says how many were left out.
    """
    words = _words(search_term)
    if len(words) > limit:
        _note_left_out(request, limit, len(words) - limit)
        words = words[:limit]
    return [unescape_string_literal(w) if w[:1] in "\"'" and w[-1:] == w[:1] and len(w) > 1 else w for w in words]


class BoundedSearch:
    """A ModelAdmin mixin: Django's own search, over at most MAX_SEARCH_TERMS words."""

    def get_search_results(self, request, queryset, search_term):
        words = _words(search_term)
        if len(words) > MAX_SEARCH_TERMS:
            _note_left_out(request, MAX_SEARCH_TERMS, len(words) - MAX_SEARCH_TERMS)
            search_term = " ".join(words[:MAX_SEARCH_TERMS])  # quoted phrases keep their quotes
        return super().get_search_results(request, queryset, search_term)


def check_date_hierarchy(field, params):
    """
    Refuse (IncorrectLookupParameters) a date-hierarchy value in ``params`` (the query string as
    lists) that is not a whole number within its bounds: year 2-9998, month 1-12, day 1-31.
    """
    for part, (low, high) in _PARTS.items():
        for value in params.get(f"{field}__{part}", []):
            if not (value.isascii() and value.isdigit() and len(value) <= 4 and low <= int(value) <= high):
                raise IncorrectLookupParameters(f"{field}__{part}={value[:20]!r}: use a {part} from {low} to {high}")


class BoundedChangeList(ChangeList):
    """A ChangeList whose date hierarchy refuses values no datetime can hold."""

    def get_filters(self, request):
        if self.date_hierarchy:
            check_date_hierarchy(self.date_hierarchy, self.filter_params)
        return super().get_filters(request)


class BoundedAdminMixin(BoundedSearch):
    """A ModelAdmin mixin: bounded search and a bounded date hierarchy."""

    def get_changelist(self, request, **kwargs):
        return BoundedChangeList
