"""
The admin's own pages, beyond the ModelAdmin classes in ``deliveries/admin.py``: ``views`` (the
file and delivery byte views: preview, download, verify, zip, compare), ``handin`` and
``uploads`` (a group's hand-in page and how its upload is received), ``assignment_download`` (an
assignment's hand-ins as one zip), ``health`` (the "Store health" page over recorded check runs)
and ``pagination`` (the key-first changelist that keeps the query count flat at millions of rows).

May import ``serving``, ``health``, the domain and ``stores``; nothing imports it but ``admin``.
"""
