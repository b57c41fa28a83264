"""
Paging through a table of a million rows in the admin: never count them all, never let a join
decide the plan.

``LargeTablePaginator`` reads the ordered primary keys of at most ``count_limit`` matching rows,
once (the filters and ORDER BY on the table alone, which an index walk answers). Their number is
the count, capped: past the limit it reports ``count_limit`` and sets ``count_is_capped``, and
the pages stop there too (which also bounds what OFFSET would cost). A page is a slice of those
keys, and its rows, with the parents that ``list_select_related`` joins, are then fetched by key.
So every page, of any list, costs two queries. Asked in one query with the joins, a planner may
start from the small joined tables and sort every matching row before returning the first 100.

Searches, filters and the date hierarchy narrow a list to what a person can page through.
"""

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

from .bounds import BoundedChangeList

__all__ = ["LargeTableChangeList", "LargeTablePaginator"]


class LargeTablePaginator(Paginator):
    #: Rows counted (and keys read) at most: 100 pages of the admin's default 100 rows.
    count_limit = 10_000

    count_is_capped = False

    def _by_keys(self):
        """Can this list be paged by its keys? (A plain, unsliced, non-DISTINCT QuerySet.)"""
        rows = self.object_list
        return isinstance(rows, QuerySet) and not rows.query.is_sliced and not rows.query.distinct

    @cached_property
    def _keys(self):
        return list(self.object_list.values_list("pk", flat=True)[: self.count_limit])

    @cached_property
    def count(self):
        """The number of rows, or ``count_limit`` when there are at least that many."""
        rows = self.object_list
        if self._by_keys():
            counted = len(self._keys)
        elif isinstance(rows, QuerySet):
            counted = (rows if rows.query.is_sliced else rows.order_by())[: self.count_limit].count()
        else:
            counted = min(len(rows), self.count_limit)
        self.count_is_capped = counted >= self.count_limit
        return counted

    def page(self, number):
        number = self.validate_number(number)
        if not self._by_keys():
            return super().page(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(self.rows(bottom, bottom + self.per_page), number, self)

    def rows(self, bottom, top):
        """The objects from position ``bottom`` up to ``top`` (within the counted keys), in order."""
        keys = self._keys[bottom:top]
        rows = self.object_list
        # By key alone, with the same joined parents: the filters have done their work.
        by_key = rows.model._default_manager.filter(pk__in=keys)
        by_key.query.select_related = rows.query.select_related
        by_key = by_key.prefetch_related(*rows._prefetch_related_lookups)
        position = {key: i for i, key in enumerate(keys)}
        return sorted(by_key, key=lambda obj: position[obj.pk])


class LargeTableChangeList(BoundedChangeList):
    """
    A ChangeList (with a bounded date hierarchy) that fetches every list through its LargeTablePaginator, also a list that fits
    on one page or "show all" (Django's ChangeList then runs the plain query, joins and all).
    """

    def get_results(self, request):
        super().get_results(request)
        if isinstance(self.result_list, QuerySet) and self.paginator._by_keys():
            per_page = self.list_max_show_all if self.show_all else self.list_per_page
            self.result_list = self.paginator.rows(0, per_page)
