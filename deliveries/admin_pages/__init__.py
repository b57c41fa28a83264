"""
The admin's own pages and parts, beyond the ModelAdmin classes in ``deliveries/admin.py``:
``views`` (the file and delivery byte views: preview, download, verify, zip, compare), ``handin``
and ``uploads`` (a group's hand-in page and how its upload is received), ``assignment_download``
(an assignment's hand-ins as one zip), ``health`` (the "Store health" page over recorded check
runs), ``pagination`` (the key-first changelist that keeps the query count flat at millions of
rows), ``display`` (links, ellipses, labels and columns that depend on who looks), ``filters``
(the list filters), ``people`` (finding people by name, naming users in choice boxes),
``history`` (what goes into objects' histories), ``site`` (the admin site, naming people in
autocomplete boxes) and ``bounds`` (what a list's query string may ask: searches cut to ten
words, date-hierarchy values a datetime can hold).

May import ``serving``, ``health``, the domain and ``stores``; nothing imports it but ``admin``
(and the project's admin configuration, which installs ``site``).
"""
