"""
A paginator that never counts a whole big table.

The admin's changelist asks its paginator for ``count`` on every page. On a table of a million
rows a ``COUNT(*)`` costs more than the page itself, so this paginator counts at most
``count_limit`` rows (``SELECT COUNT(*) FROM (... LIMIT n)``): cheap whatever the table's size.
Past the limit it reports ``count_limit`` and sets ``count_is_capped``; the pages it offers stop
there too, which also bounds the cost of OFFSET. Searches, filters and the date hierarchy narrow
a list to what a person can page through.
"""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

__all__ = ["CappedCountPaginator"]


class CappedCountPaginator(Paginator):
    #: Rows counted at most: 100 pages of the admin's default 100 rows.
    count_limit = 10_000

    @cached_property
    def count(self):
        """The number of rows, or ``count_limit`` when there are at least that many."""
        counted = self.object_list[: self.count_limit].count()
        self.count_is_capped = counted >= self.count_limit
        return counted

    count_is_capped = False
