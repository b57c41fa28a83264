"""URLs: the admin is the product's user interface."""

from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

# The product's name, not "Django administration", on every admin page and in the browser's tab.
admin.site.site_header = "Deliverystore"
admin.site.site_title = "Deliverystore"
admin.site.index_title = "Hand-ins, their files and the store that keeps them"
# The lists need the width more than a second copy of the index: with the navigation sidebar,
# nine columns and the filters do not fit on a 1440-pixel screen. Breadcrumbs lead home.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
]
