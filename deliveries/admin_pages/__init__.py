"""
The admin's own pages, beyond the ModelAdmin classes in ``deliveries/admin.py``: ``views`` (the
file and delivery byte views: preview, download, verify, zip, compare), ``health`` (the "Store
health" page over recorded check runs), ``pagination`` (the key-first changelist that keeps
the query count flat at millions of rows) and ``bounds`` (what a list's query string may ask:
searches cut to ten words, date-hierarchy values a datetime can hold).

May import ``serving``, ``health``, the domain and ``stores``; nothing imports it but ``admin``.
"""
