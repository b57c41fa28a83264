"""
Deliveries: what students hand in, kept, browsed and verified.

The top level is the domain: ``models`` (Subject > ... > Delivery > FileMeta), ``filenames``,
``content_types``, ``integrity`` (the one verification), ``exit_status``, ``checks`` (system
checks) and ``apps``; ``admin`` holds the ModelAdmin classes; ``testhelpers`` the store contract
mixin. Each concern beyond that is a package:

* ``stores/``       the DeliveryStore interface, one module per backend (imports nothing above it)
* ``health/``       checks of a store: probe, light, deep, run records, orphan removal
* ``serving/``      bytes over HTTP: downloads, previews, zip streaming, comparison
* ``admin_pages/``  the admin's own views: file and delivery byte pages, store health, the large-table changelist
* ``seeding/``      the demo and any-model seeding through ``factory``
* ``operations/``   what operators run besides checks: copying between stores, the first
                    superuser, and the commands' shared parsing, prompts and progress bars
* ``management/commands/``  thin: parse, call one of the above, print

Imports flow one way: commands and admin pages -> serving, health, seeding, operations ->
the domain -> stores.
"""
