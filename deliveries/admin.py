"""
Admin for every model of the deliveries app: the registry of ModelAdmins.

Navigation runs both ways along Subject > Period > Assignment > AssignmentGroup > Delivery >
FileMeta: every list links each row to its parent and to its children's list. The views that show
bytes live in deliveries/admin_pages/views.py; the FileMeta list is built to stay fast at a million
rows (see FileMetaAdmin).
"""

import re

from django.contrib import admin
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.text import smart_split, unescape_string_literal

from .admin_pages.jobs import verify_or_start
from .admin_pages.pagination import LargeTableChangeList, LargeTablePaginator
from .admin_pages.views import DeliveryViews, FileMetaViews, can_view_bytes
from .content_types import Family, types_of
from .identical import also_handed_in_elsewhere
from .models import Assignment, AssignmentGroup, Candidate, Delivery, FileMeta, Period, Subject

CHECKSUM_RE = re.compile(r"[0-9a-f]{64}")


def change_link(obj, label=None):
    """A link to ``obj``'s admin page."""
    if obj is None:
        return "-"
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, label if label is not None else obj)


STATUS_COLOURS = {"intact": "#1b7f1b", "missing": "#b00", "corrupt": "#b00", "unverified": "#777"}


def status_badge(filemeta):
    """The integrity status as a small coloured label."""
    return format_html(
        '<span class="status-badge status-{}" style="color:{};font-weight:600">{}</span>',
        filemeta.status,
        STATUS_COLOURS.get(filemeta.status, "#777"),
        filemeta.get_status_display(),
    )


def children_link(model, label, **filters):
    """A link to ``model``'s list filtered by ``filters`` (e.g. ``subject__id__exact=3``)."""
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return format_html('<a href="{}?{}">{}</a>', url, urlencode(filters), label)


class ParentListFilter(admin.RelatedFieldListFilter):
    """
    A related-object filter whose choices are named in one query: Period, Assignment and
    AssignmentGroup names include their parents', which the stock filter fetches one by one.
    """

    name_relations = {
        "period": ["subject"],
        "assignment": ["period__subject"],
        "assignmentgroup": ["assignment__period__subject"],
    }

    def field_choices(self, field, request, model_admin):
        model = field.related_model
        queryset = model._default_manager.select_related(*self.name_relations.get(model._meta.model_name, []))
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            queryset = queryset.order_by(*ordering)
        return [(obj.pk, str(obj)) for obj in queryset]


@admin.register(Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ["short_name", "long_name", "periods"]
    search_fields = ["short_name", "long_name"]

    @admin.display(description="Periods")
    def periods(self, obj):
        return children_link(Period, "periods", subject__id__exact=obj.pk)


@admin.register(Period)
class PeriodAdmin(admin.ModelAdmin):
    list_display = ["short_name", "long_name", "subject_link", "start_time", "end_time", "assignments"]
    list_select_related = ["subject"]
    list_filter = ["subject"]
    search_fields = ["short_name", "long_name", "subject__short_name"]
    date_hierarchy = "start_time"

    @admin.display(description="Subject", ordering="subject__short_name")
    def subject_link(self, obj):
        return change_link(obj.subject)

    @admin.display(description="Assignments")
    def assignments(self, obj):
        return children_link(Assignment, "assignments", period__id__exact=obj.pk)


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["short_name", "long_name", "period_link", "publishing_time", "first_deadline", "groups"]
    list_select_related = ["period__subject"]
    list_filter = ["period__subject", ("period", ParentListFilter)]
    search_fields = ["short_name", "long_name", "period__short_name", "period__subject__short_name"]

    @admin.display(description="Period", ordering="period")
    def period_link(self, obj):
        return change_link(obj.period)

    @admin.display(description="Groups")
    def groups(self, obj):
        return children_link(AssignmentGroup, "groups", assignment__id__exact=obj.pk)


class CandidateInline(admin.TabularInline):
    model = Candidate
    raw_id_fields = ["user"]
    extra = 0


@admin.register(AssignmentGroup)
class AssignmentGroupAdmin(admin.ModelAdmin):
    list_display = ["__str__", "assignment_link", "candidate_list", "deliveries"]
    list_select_related = ["assignment__period__subject"]
    list_filter = [("assignment__period", ParentListFilter), ("assignment", ParentListFilter)]
    search_fields = ["name", "=candidate_set__candidate_id", "candidates__username", "=examiners__username"]
    inlines = [CandidateInline]
    raw_id_fields = ["examiners", "assignment"]
    readonly_fields = ["deliveries"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("candidate_set__user")

    @admin.display(description="Assignment", ordering="assignment")
    def assignment_link(self, obj):
        return change_link(obj.assignment)

    @admin.display(description="Candidates")
    def candidate_list(self, obj):
        return ", ".join(str(candidate) for candidate in obj.candidate_set.all()) or "-"

    @admin.display(description="Deliveries")
    def deliveries(self, obj):
        return children_link(Delivery, "deliveries", assignment_group__id__exact=obj.pk) if obj.pk else "-"


class FileMetaInline(admin.TabularInline):
    """A delivery's files, read-only, each linking to its own page (preview, download, verify)."""

    model = FileMeta
    fields = ["file_link", "human_size", "content_type", "status_label", "verified_at", "download"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="File")
    def file_link(self, obj):
        return change_link(obj, obj.filename)

    @admin.display(description="Size")
    def human_size(self, obj):
        return filesizeformat(obj.size)

    @admin.display(description="Status")
    def status_label(self, obj):
        return status_badge(obj)

    @admin.display(description="Download")
    def download(self, obj):
        return format_html('<a href="{}">download</a>', reverse("admin:deliveries_filemeta_download", args=[obj.pk]))


@admin.register(Delivery)
class DeliveryAdmin(DeliveryViews, admin.ModelAdmin):
    list_display = ["__str__", "group_link", "number", "time_of_delivery", "delivered_by", "successful", "files"]
    list_select_related = ["assignment_group__assignment__period__subject", "delivered_by"]
    list_filter = [
        "successful",
        ("assignment_group__assignment__period", ParentListFilter),
        ("assignment_group__assignment", ParentListFilter),
    ]
    search_fields = ["=assignment_group__candidate_set__candidate_id", "=delivered_by__username"]
    date_hierarchy = "time_of_delivery"
    raw_id_fields = ["delivered_by"]
    # A delivery's group and number come from Delivery.begin(), which numbers it race-free; moving
    # it to another group here would collide with that group's numbers.
    readonly_fields = ["assignment_group", "number", "files"]
    inlines = [FileMetaInline]
    actions = ["verify_selected"]
    paginator = LargeTablePaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER

    def has_add_permission(self, request):
        # Deliveries are handed in through Delivery.begin()/add_file(), never typed into a form.
        return False

    def get_urls(self):
        return self.byte_urls() + super().get_urls()

    def get_changelist(self, request, **kwargs):
        return LargeTableChangeList

    @admin.display(description="Group", ordering="assignment_group")
    def group_link(self, obj):
        return change_link(obj.assignment_group)

    @admin.display(description="Files")
    def files(self, obj):
        return children_link(FileMeta, "files", delivery__id__exact=obj.pk) if obj.pk else "-"

    @admin.action(description="Verify the files of the selected deliveries", permissions=["verify"])
    def verify_selected(self, request, queryset):
        return verify_or_start(self, request, FileMeta.objects.filter(delivery__in=queryset))


class ContentTypeFamilyFilter(admin.SimpleListFilter):
    """
    Filter by the kind of file (``deliveries.content_types``' families). Each family is an IN list
    of exact types, never a LIKE or a range: the database can then walk the (created, id) index
    and keep the list's order, instead of sorting every matching row.
    """

    title = "content type"
    parameter_name = "type"
    families = {f.value: (f.label, types_of(f)) for f in Family}

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _) in self.families.items()]

    def queryset(self, request, queryset):
        family = self.families.get(self.value())
        return queryset.filter(content_type__in=family[1]) if family else queryset


class IdenticalFilesFilter(admin.SimpleListFilter):
    """Files whose exact bytes another group handed in too (``deliveries.identical``), as far as the viewer sees."""

    title = "identical files"
    parameter_name = "identical"

    def lookups(self, request, model_admin):
        return [("elsewhere", "Also handed in by another group")]

    def queryset(self, request, queryset):
        return also_handed_in_elsewhere(request.user, queryset) if self.value() == "elsewhere" else queryset


@admin.register(FileMeta)
class FileMetaAdmin(FileMetaViews, admin.ModelAdmin):
    """
    Files: read-only metadata plus their bytes (preview, download, verify).

    Fast at a million rows: one capped COUNT (LargeTablePaginator) instead of two full ones,
    joins instead of per-row queries, no facets, filters on indexed columns, sorting only on
    indexed columns, and ``-created`` order walking the (created, id) index.
    """

    list_display = [
        "filename",
        "human_size",
        "delivery_link",
        "group_link",
        "assignment_link",
        "created_at",
        "status_label",
    ]
    list_select_related = ["delivery__assignment_group__assignment__period__subject"]
    list_filter = [
        "status",
        ContentTypeFamilyFilter,
        IdenticalFilesFilter,
        ("delivery__assignment_group__assignment__period", ParentListFilter),
        ("delivery__assignment_group__assignment", ParentListFilter),
    ]
    # The search box needs search_fields; get_search_results below does the searching.
    search_fields = ["filename"]
    search_help_text = "A part of a filename, a whole SHA-256, a candidate id or a student's username."
    date_hierarchy = "created"
    ordering = ["-created", "-id"]
    sortable_by = ["filename", "created_at"]
    paginator = LargeTablePaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    actions = ["verify_selected"]
    fields = [
        "filename",
        "size_detail",
        "checksum",
        "content_type",
        "created",
        "status_label",
        "verified_at",
        "delivery_link",
        "group_link",
        "assignment_link",
    ]
    readonly_fields = fields

    def get_urls(self):
        return self.byte_urls() + super().get_urls()

    def get_changelist(self, request, **kwargs):
        return LargeTableChangeList

    def get_search_results(self, request, queryset, search_term):
        """
        Each word must match. A whole SHA-256 matches that checksum; a candidate id or a username
        of a group's candidate matches every file of that group; any other word, a part of the
        filename. The first two are index lookups; the last is a scan (LIKE '%word%'), so it is
        only made when the word names no candidate. No join is added, so rows never repeat.
        """
        for word in smart_split(search_term):
            if word[:1] in "\"'" and word[-1:] == word[:1] and len(word) > 1:
                word = unescape_string_literal(word)
            if CHECKSUM_RE.fullmatch(word.lower()):
                queryset = queryset.filter(checksum=word.lower())
                continue
            groups = list(
                Candidate.objects.filter(Q(candidate_id=word) | Q(user__username=word))
                .values_list("assignment_group_id", flat=True)
                .distinct()
            )
            if groups:
                queryset = queryset.filter(
                    delivery_id__in=Delivery.objects.filter(assignment_group_id__in=groups).values("pk")
                )
            else:
                queryset = queryset.filter(filename__icontains=word)
        return queryset, False

    def has_add_permission(self, request):
        # Files come in through Delivery.add_file, which streams the bytes into the store.
        return False

    def has_change_permission(self, request, obj=None):
        # Nothing on a file is edited by hand: its status changes only by verifying its bytes.
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        filemeta = self.get_object(request, object_id)
        if filemeta is not None and self.has_view_or_change_permission(request, filemeta):
            extra_context["can_view_bytes"] = can_view_bytes(request.user)
            if extra_context["can_view_bytes"]:
                extra_context.update(self.preview_context(request, filemeta))
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="Size", ordering="size")
    def human_size(self, obj):
        return filesizeformat(obj.size)

    @admin.display(description="Created", ordering="created")
    def created_at(self, obj):
        return date_format(timezone.localtime(obj.created), "Y-m-d H:i")

    @admin.display(description="Size")
    def size_detail(self, obj):
        return filesizeformat(obj.size) if obj.size < 1024 else f"{filesizeformat(obj.size)} ({obj.size:,} bytes)"

    @admin.display(description="Status", ordering="status")
    def status_label(self, obj):
        return status_badge(obj)

    @admin.display(description="Delivery", ordering="delivery")
    def delivery_link(self, obj):
        return change_link(obj.delivery, f"#{obj.delivery.number}")

    @admin.display(description="Group")
    def group_link(self, obj):
        group = obj.delivery.assignment_group
        return change_link(group, group.name or group.pk)

    @admin.display(description="Assignment")
    def assignment_link(self, obj):
        return change_link(obj.delivery.assignment_group.assignment)

    @admin.action(description="Verify selected files (re-read and check size and SHA-256)", permissions=["verify"])
    def verify_selected(self, request, queryset):
        return verify_or_start(self, request, queryset)


from .admin_pages import health as admin_health  # noqa: E402,F401  (registers the "Store health" page)
