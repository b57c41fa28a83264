"""The admin app, with the deliveries app's site (people named as people in autocomplete boxes)."""

from django.contrib.admin.apps import AdminConfig


class DeliverystoreAdminConfig(AdminConfig):
    default_site = "deliveries.admin_pages.site.DeliveriesAdminSite"
