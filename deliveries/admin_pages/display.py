"""
How the admin shows things: links to objects and lists, long text cut with an ellipsis (the
whole text in its title), status and lateness labels, and columns that depend on who looks.

Columns that show students must know the viewer (``access.student_label``), but Django calls a
list column or a read-only field with the row alone. ``@viewer_display`` marks an admin method
``(self, obj, viewer)``; ``ViewerColumnsMixin`` binds it to ``request.user`` each time Django
asks for the columns or fields of a request, so nothing about the viewer is kept on the shared
ModelAdmin.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from ..lateness import describe

__all__ = [
    "ViewerColumnsMixin",
    "change_link",
    "children_link",
    "ellipsis",
    "lateness_badge",
    "status_badge",
    "viewer_display",
]


def ellipsis(text):
    """``text`` in one line, cut with an ellipsis where its column ends; the whole of it on hover."""
    return format_html('<span class="ellipsis" title="{}">{}</span>', text, text)


def change_link(obj, label=None):
    """A link to ``obj``'s admin page, cut with an ellipsis when long."""
    if obj is None:
        return "-"
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    label = str(obj) if label is None else str(label)
    return format_html('<a href="{}" class="ellipsis" title="{}">{}</a>', url, label, label)


def children_link(model, label, **filters):
    """A link to ``model``'s list filtered by ``filters`` (e.g. ``subject__id__exact=3``)."""
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return format_html('<a href="{}?{}">{}</a>', url, urlencode(filters), label)


STATUS_COLOURS = {"intact": "#1b7f1b", "missing": "#b00", "corrupt": "#b00", "unverified": "#777"}


def status_badge(filemeta):
    """The integrity status as a small coloured label."""
    return format_html(
        '<span class="status-badge status-{}" style="color:{};font-weight:600">{}</span>',
        filemeta.status,
        STATUS_COLOURS.get(filemeta.status, "#777"),
        filemeta.get_status_display(),
    )


def lateness_badge(time, deadline):
    """ "on time", "late by 1 day 3 h" (in red) or "no deadline", with the deadline on hover."""
    words = describe(time, deadline)
    kind = "late" if words.startswith("late") else "on-time" if words == "on time" else "no-deadline"
    title = f"Deadline {deadline:%Y-%m-%d %H:%M %Z}" if deadline else "No deadline is set"
    return format_html(
        '<span class="ellipsis lateness lateness-{}" title="{}: {}">{}</span>', kind, title, words, words
    )


def viewer_display(description, **options):
    """Like ``admin.display``, for an admin method ``(self, obj, viewer)`` that needs the viewing user."""

    def mark(method):
        method = admin.display(description=description, **options)(method)
        method.needs_viewer = True
        return method

    return mark


class _BoundToViewer:
    """An admin method bound to one viewer, as Django wants a column: ``column(obj)``."""

    def __init__(self, method, viewer):
        self.method, self.viewer = method, viewer
        self.__name__ = method.__name__
        for attribute in ("short_description", "admin_order_field", "boolean", "empty_value_display"):
            if hasattr(method, attribute):
                setattr(self, attribute, getattr(method, attribute))

    def __call__(self, obj):
        return self.method(obj, self.viewer)

    # Django asks "is this field read-only?" by membership in a list it built in another call.
    def __eq__(self, other):
        return isinstance(other, _BoundToViewer) and (self.__name__, self.viewer) == (other.__name__, other.viewer)

    def __hash__(self):
        return hash((self.__name__, self.viewer.pk))

    def __repr__(self):
        return f"<{self.__name__} for {self.viewer}>"


class ViewerColumnsMixin:
    """Binds every ``@viewer_display`` method named in list_display, fields or readonly_fields to the viewer."""

    def _bind(self, names, request):
        bound = []
        for name in names:
            if isinstance(name, (list, tuple)):  # fields shown on one line
                bound.append(tuple(self._bind(name, request)))
                continue
            method = getattr(self, name, None) if isinstance(name, str) else None
            bound.append(_BoundToViewer(method, request.user) if getattr(method, "needs_viewer", False) else name)
        return bound

    def get_fieldsets(self, request, obj=None):
        return [
            (title, {**options, "fields": self._bind(options["fields"], request)})
            for title, options in super().get_fieldsets(request, obj)
        ]

    def get_list_display(self, request):
        return self._bind(super().get_list_display(request), request)

    def get_fields(self, request, obj=None):
        return self._bind(super().get_fields(request, obj), request)

    def get_readonly_fields(self, request, obj=None):
        return self._bind(super().get_readonly_fields(request, obj), request)
