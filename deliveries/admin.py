"""
Admin for every model of the deliveries app: the registry of ModelAdmins.

Navigation runs both ways along Subject > Period > Assignment > AssignmentGroup > Delivery >
FileMeta: every list links each row to its parent and to its children's list. Deliveries and
files are records: nothing on them is edited by hand. Students are shown as the viewer may see
them (``deliveries.access``), people by name with their username. The views that show bytes live
in admin_pages/views.py; the delivery and file lists are built to stay fast at a million rows
(see FileMetaAdmin).
"""

import re

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Count, Prefetch
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst

from . import access
from .admin_pages.assignment_download import AssignmentDownloadViews
from .admin_pages.bounds import BoundedAdminMixin
from .admin_pages.display import (
    ViewerColumnsMixin,
    change_link,
    children_link,
    ellipsis,
    lateness_badge,
    status_badge,
    viewer_display,
)
from .admin_pages.filters import (
    CandidateFilter,
    ContentTypeFamilyFilter,
    DeliveredByFilter,
    ExaminerFilter,
    FileLatenessFilter,
    HandInFilter,
    IdenticalFilesFilter,
    LatenessFilter,
    ParentListFilter,
)
from .admin_pages.handin import HandInViews
from .admin_pages.history import DeadlineHistoryMixin
from .admin_pages.jobs import verify_or_start
from .admin_pages.pagination import LargeTableChangeList, LargeTablePaginator
from .admin_pages.people import PeopleSearchMixin, UserLabelsMixin
from .admin_pages.scope import ScopedAdminMixin, ScopedInlineMixin
from .admin_pages.views import DeliveryViews, FileMetaViews
from .models import (
    LATENESS,
    Assignment,
    AssignmentGroup,
    AssignmentGroupQuerySet,
    Candidate,
    Delivery,
    FileMeta,
    Period,
    Subject,
    lateness_condition,
)

CHECKSUM_RE = re.compile(r"[0-9a-f]{64}")
# As git abbreviates object ids: 8 hex digits or more name the files whose SHA-256 starts so.
CHECKSUM_PREFIX_RE = re.compile(r"[0-9a-f]{8,63}")


def checksum_prefix(queryset, prefix):
    """
    ``queryset`` narrowed to the files whose SHA-256 starts with ``prefix`` (lowercase hex): a
    range on the indexed checksum column (every such checksum sorts from ``prefix`` up to, not
    including, ``prefix + "g"``), never a scan.
    """
    return queryset.filter(checksum__gte=prefix, checksum__lt=f"{prefix}g")


PEOPLE_SEARCH_HELP = (
    "A student's or examiner's name, full name, username or email, or a candidate id (whole words); {rest}."
)


def students_prefetch(group_path=""):
    """Prefetch the candidates, with their users, of each row's group: one query per page."""
    return Prefetch(
        f"{group_path}__candidate_set" if group_path else "candidate_set",
        queryset=Candidate.objects.select_related("user"),
    )


def students_of(viewer, group):
    """The group's students as ``viewer`` may see them (names, or candidate ids), on one line."""
    labels = [access.student_label(viewer, c, group.assignment) for c in group.candidate_set.all()]
    return ellipsis(", ".join(labels)) if labels else "-"


def local_time(value):
    return date_format(timezone.localtime(value), "Y-m-d H:i") if value else "-"


@admin.register(Subject)
class SubjectAdmin(BoundedAdminMixin, admin.ModelAdmin):
    list_display = ["short_name", "long_name_cut", "periods"]
    search_fields = ["short_name", "long_name"]

    @admin.display(description="Long name", ordering="long_name")
    def long_name_cut(self, obj):
        return ellipsis(obj.long_name)

    @admin.display(description="Periods")
    def periods(self, obj):
        return children_link(Period, "periods", subject__id__exact=obj.pk)


@admin.register(Period)
class PeriodAdmin(BoundedAdminMixin, admin.ModelAdmin):
    list_display = ["short_name", "long_name_cut", "subject_link", "start_time", "end_time", "assignments"]
    list_select_related = ["subject"]
    list_filter = ["subject"]
    search_fields = ["short_name", "long_name", "subject__short_name"]
    date_hierarchy = "start_time"

    long_name_cut = SubjectAdmin.long_name_cut

    @admin.display(description="Subject", ordering="subject__short_name")
    def subject_link(self, obj):
        return change_link(obj.subject)

    @admin.display(description="Assignments")
    def assignments(self, obj):
        return children_link(Assignment, "assignments", period__id__exact=obj.pk)


@admin.register(Assignment)
class AssignmentAdmin(
    BoundedAdminMixin,
    AssignmentDownloadViews,
    ScopedAdminMixin,
    DeadlineHistoryMixin,
    ViewerColumnsMixin,
    admin.ModelAdmin,
):
    list_display = [
        "short_name",
        "long_name_cut",
        "period_link",
        "publishing_time",
        "first_deadline",
        "anonymous",
        "groups",
    ]
    list_select_related = ["period__subject"]
    list_filter = [("period__subject", ParentListFilter), ("period", ParentListFilter), "anonymous"]
    search_fields = ["short_name", "long_name", "period__short_name", "period__subject__short_name"]
    autocomplete_fields = ["period"]
    fieldsets = [
        (None, {"fields": ["period", "short_name", "long_name"]}),
        ("Hand-in", {"fields": ["publishing_time", "first_deadline", "anonymous"]}),
        ("Groups", {"fields": ["hand_ins"]}),
    ]
    readonly_fields = ["hand_ins"]
    deadline_fields = ["first_deadline"]

    long_name_cut = SubjectAdmin.long_name_cut

    def get_urls(self):
        return self.download_urls() + super().get_urls()

    @admin.display(description="Period", ordering="period")
    def period_link(self, obj):
        return change_link(obj.period)

    @admin.display(description="Groups")
    def groups(self, obj):
        return children_link(AssignmentGroup, "groups", assignment__id__exact=obj.pk)

    @viewer_display("How the groups handed in")
    def hand_ins(self, obj, viewer):
        """For the groups ``viewer`` sees: how many delivered on time, late, or nothing; each a link to them."""
        if obj is None or obj.pk is None:
            return "-"
        groups = access.visible(viewer, AssignmentGroup.objects.filter(assignment=obj))
        counts = groups.hand_in_counts()
        deliveries = access.visible(viewer, Delivery.objects.filter(assignment_group__assignment=obj)).aggregate(
            on_time=Count("pk", filter=lateness_condition("on_time")),
            late=Count("pk", filter=lateness_condition("late")),
        )
        rows = []
        for kind, words in AssignmentGroupQuerySet.HAND_IN.items():
            group_link = children_link(
                AssignmentGroup,
                f"{counts[kind]} group{'s' if counts[kind] != 1 else ''}",
                assignment__id__exact=obj.pk,
                hand_in=kind,
            )
            if kind in deliveries:
                delivery_link = children_link(
                    Delivery,
                    f"{deliveries[kind]} deliver{'ies' if deliveries[kind] != 1 else 'y'} {LATENESS[kind]}",
                    assignment_group__assignment__id__exact=obj.pk,
                    lateness=kind,
                )
            else:
                delivery_link = ""
            rows.append((kind, capfirst(words), group_link, delivery_link))
        note = (
            "" if obj.first_deadline else "This assignment has no deadline: without an extension, groups are on time."
        )
        table = format_html_join(
            "",
            '<tr class="hand-in-{}"><th>{}</th><td>{}</td><td>{}</td></tr>',
            rows,
        )
        return format_html('<table class="hand-in-summary">{}</table><p class="help">{}</p>', table, note)


class CandidateInline(ScopedInlineMixin, ViewerColumnsMixin, UserLabelsMixin, admin.TabularInline):
    """
    A group's students. Editors pick users by name (autocomplete); viewers read them as
    ``access.student_label`` shows them; on an anonymous assignment whoever may not see names
    sees the candidate ids alone, and cannot change them.
    """

    model = Candidate
    autocomplete_fields = ["user"]
    readonly_fields = ["student"]
    extra = 0

    def _names_hidden(self, request, obj):
        return obj is not None and not access.shows_names(request.user, obj.assignment)

    def get_fields(self, request, obj=None):
        if self._names_hidden(request, obj):
            return ["candidate_id"]
        if self.has_change_permission(request, obj):
            return ["user", "candidate_id"]
        return self._bind(["student", "candidate_id"], request)

    def has_add_permission(self, request, obj):
        return super().has_add_permission(request, obj) and not self._names_hidden(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._names_hidden(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._names_hidden(request, obj)

    @viewer_display("Student")
    def student(self, obj, viewer):
        return access.student_label(viewer, obj, obj.assignment_group.assignment) if obj.pk else "-"


class RecordInline(admin.TabularInline):
    """Rows that are records: shown, each a link to its own page, never added, changed or deleted here."""

    extra = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # deleted, if ever, from its own page


class DeliveryInline(ScopedInlineMixin, ViewerColumnsMixin, RecordInline):
    """A group's deliveries, newest first."""

    model = Delivery
    fields = ["delivery_link", "delivered_at", "lateness", "delivered_by_label", "successful", "files"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("assignment_group__assignment", "delivered_by")
            .prefetch_related(students_prefetch("assignment_group"))
        )

    @admin.display(description="Delivery")
    def delivery_link(self, obj):
        return change_link(obj, f"#{obj.number}")

    @admin.display(description="Delivered")
    def delivered_at(self, obj):
        return local_time(obj.time_of_delivery)

    @admin.display(description="Lateness")
    def lateness(self, obj):
        return lateness_badge(obj.time_of_delivery, obj.held_to)

    @viewer_display("Delivered by")
    def delivered_by_label(self, obj, viewer):
        return access.person_label(viewer, obj.delivered_by, obj.assignment_group)

    @admin.display(description="Files")
    def files(self, obj):
        return children_link(FileMeta, "files", delivery__id__exact=obj.pk)


@admin.register(AssignmentGroup)
class AssignmentGroupAdmin(
    BoundedAdminMixin,
    HandInViews,
    ScopedAdminMixin,
    DeadlineHistoryMixin,
    ViewerColumnsMixin,
    UserLabelsMixin,
    PeopleSearchMixin,
    admin.ModelAdmin,
):
    list_display = [
        "group_label",
        "assignment_link",
        "students",
        "examiner_list",
        "deadline_shown",
        "hand_in",
        "deliveries",
    ]
    list_select_related = ["assignment__period__subject"]
    list_filter = [
        HandInFilter,
        ("assignment__period", ParentListFilter),
        ("assignment", ParentListFilter),
        CandidateFilter,
        ExaminerFilter,
    ]
    search_fields = ["name", "=assignment__short_name", "=assignment__period__subject__short_name"]
    search_help_text = PEOPLE_SEARCH_HELP.format(rest="a part of a group's name, an assignment's or subject's code")
    fields = ["assignment", "name", "deadline", "assignment_deadline", "examiners", "deliveries"]
    autocomplete_fields = ["assignment", "examiners"]
    readonly_fields = ["assignment_deadline", "deliveries"]
    deadline_fields = ["deadline"]
    inlines = [CandidateInline, DeliveryInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .with_last_delivery()
            .prefetch_related(students_prefetch(), Prefetch("examiners", queryset=get_user_model().objects.all()))
        )

    @admin.display(description="Group", ordering="name")
    def group_label(self, obj):
        return ellipsis(obj.label)

    def get_urls(self):
        return self.hand_in_urls() + super().get_urls()

    @admin.display(description="Assignment", ordering="assignment")
    def assignment_link(self, obj):
        return change_link(obj.assignment)

    @viewer_display("Students")
    def students(self, obj, viewer):
        return students_of(viewer, obj)

    @admin.display(description="Examiners")
    def examiner_list(self, obj):
        return ellipsis(", ".join(access.user_label(user) for user in obj.examiners.all()) or "-")

    @admin.display(description="Deadline")
    def deadline_shown(self, obj):
        deadline = obj.effective_deadline
        if deadline is None:
            return "-"
        if obj.deadline:
            return format_html('{} <span class="extension">(extended)</span>', local_time(deadline))
        return local_time(deadline)

    @admin.display(description="Last delivery")
    def hand_in(self, obj):
        last = getattr(obj, "last_delivered_at", None)
        if last is None:
            return format_html('<span class="lateness lateness-nothing">{}</span>', "nothing delivered")
        return lateness_badge(last, obj.effective_deadline)

    @admin.display(description="The assignment's deadline")
    def assignment_deadline(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        return local_time(obj.assignment.first_deadline) if obj.assignment.first_deadline else "none"

    @admin.display(description="Deliveries")
    def deliveries(self, obj):
        return children_link(Delivery, "deliveries", assignment_group__id__exact=obj.pk) if obj.pk else "-"


class FileMetaInline(ScopedInlineMixin, RecordInline):
    """A delivery's files, each linking to its own page (preview, download, verify)."""

    model = FileMeta
    fields = ["file_link", "human_size", "content_type", "status_label", "verified_at", "download"]

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


class HandInColumnsMixin(ViewerColumnsMixin):
    """The columns the delivery and file lists share: the group, its students, the assignment, lateness."""

    #: The lookup path from this admin's model to its Delivery ("" for deliveries themselves).
    delivery_path = ""

    def _delivery(self, obj):
        return obj if not self.delivery_path else getattr(obj, self.delivery_path)

    @admin.display(description="Group")
    def group_link(self, obj):
        group = self._delivery(obj).assignment_group
        return change_link(group, group.label)

    @viewer_display("Students")
    def students(self, obj, viewer):
        return students_of(viewer, self._delivery(obj).assignment_group)

    @admin.display(description="Assignment")
    def assignment_link(self, obj):
        return change_link(self._delivery(obj).assignment_group.assignment)

    @admin.display(description="Lateness")
    def lateness(self, obj):
        delivery = self._delivery(obj)
        return lateness_badge(delivery.time_of_delivery, delivery.held_to)


@admin.register(Delivery)
class DeliveryAdmin(
    BoundedAdminMixin, ScopedAdminMixin, DeliveryViews, HandInColumnsMixin, PeopleSearchMixin, admin.ModelAdmin
):
    list_display = [
        "delivery_label",
        "group_link",
        "students",
        "assignment_link",
        "delivered_at",
        "lateness",
        "delivered_by_label",
        "complete",
        "files",
    ]
    list_select_related = ["assignment_group__assignment__period__subject", "delivered_by"]
    list_filter = [
        LatenessFilter,
        "successful",
        ("assignment_group__assignment__period", ParentListFilter),
        ("assignment_group__assignment", ParentListFilter),
        CandidateFilter,
        ExaminerFilter,
        DeliveredByFilter,
    ]
    search_fields = [
        "assignment_group__name",
        "=assignment_group__assignment__short_name",
        "=assignment_group__assignment__period__subject__short_name",
    ]
    search_help_text = PEOPLE_SEARCH_HELP.format(rest="a part of a group's name, an assignment's or subject's code")
    date_hierarchy = "time_of_delivery"
    sortable_by = ["delivered_at"]
    # A delivery is a record: who handed in what, when, and whether it completed. Every field is
    # read-only (has_change_permission); its files are shown by FileMetaInline.
    fields = [
        "group_link",
        "students",
        "number",
        "delivered_at",
        "lateness",
        "delivered_by_label",
        "successful",
        "files",
    ]
    readonly_fields = fields
    inlines = [FileMetaInline]
    actions = ["verify_selected"]
    paginator = LargeTablePaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(students_prefetch("assignment_group"))

    def has_add_permission(self, request):
        # Deliveries are handed in through Delivery.begin()/add_file(), never typed into a form.
        return False

    def has_change_permission(self, request, obj=None):
        # Nothing on a delivery is edited by hand: its group, number, time, sender and outcome
        # are what happened. Moving it to another group would also collide with Delivery.begin()'s numbers.
        return False

    def get_urls(self):
        return self.byte_urls() + super().get_urls()

    def get_changelist(self, request, **kwargs):
        return LargeTableChangeList

    @admin.display(description="Delivery", ordering="time_of_delivery")
    def delivery_label(self, obj):
        return f"#{obj.number}"

    @admin.display(description="Delivered", ordering="time_of_delivery")
    def delivered_at(self, obj):
        return local_time(obj.time_of_delivery)

    @admin.display(description="Complete", boolean=True)
    def complete(self, obj):
        return obj.successful

    @viewer_display("Delivered by")
    def delivered_by_label(self, obj, viewer):
        return ellipsis(access.person_label(viewer, obj.delivered_by, obj.assignment_group))

    @admin.display(description="Files")
    def files(self, obj):
        return children_link(FileMeta, "files", delivery__id__exact=obj.pk) if obj.pk else "-"

    @admin.action(description="Verify the files of the selected deliveries", permissions=["verify"])
    def verify_selected(self, request, queryset):
        filemetas = access.visible(request.user, FileMeta.objects.filter(delivery__in=queryset))
        return verify_or_start(self, request, filemetas, per_delivery=True)


@admin.register(FileMeta)
class FileMetaAdmin(
    BoundedAdminMixin, ScopedAdminMixin, FileMetaViews, HandInColumnsMixin, PeopleSearchMixin, admin.ModelAdmin
):
    """
    Files: read-only metadata plus their bytes (preview, download, verify).

    Fast at a million rows: one capped COUNT (LargeTablePaginator) instead of two full ones,
    joins instead of per-row queries (the students of a page in one prefetch), no facets,
    filters on indexed columns, sorting only on indexed columns, and ``-created`` order walking
    the (created, id) index.
    """

    delivery_path = "delivery"
    list_display = [
        "filename_cut",
        "human_size",
        "delivery_link",
        "group_link",
        "students",
        "assignment_link",
        "created_at",
        "lateness",
        "status_label",
    ]
    list_select_related = ["delivery__assignment_group__assignment__period__subject"]
    list_filter = [
        "status",
        ContentTypeFamilyFilter,
        FileLatenessFilter,
        IdenticalFilesFilter,
        ("delivery__assignment_group__assignment__period", ParentListFilter),
        ("delivery__assignment_group__assignment", ParentListFilter),
    ]
    # The search box needs search_fields; get_search_results (PeopleSearchMixin) does the searching.
    search_fields = ["filename"]
    search_help_text = PEOPLE_SEARCH_HELP.format(
        rest="a part of a filename, a SHA-256 or its first 8 or more hex digits"
    )
    date_hierarchy = "created"
    ordering = ["-created", "-id"]
    sortable_by = ["filename_cut", "created_at"]
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
        "students",
        "assignment_link",
        "lateness",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(students_prefetch("delivery__assignment_group"))

    def get_urls(self):
        return self.byte_urls() + super().get_urls()

    def get_changelist(self, request, **kwargs):
        return LargeTableChangeList

    def search_exact(self, request, queryset, word):
        """A whole SHA-256 matches that checksum (an index lookup)."""
        return queryset.filter(checksum=word.lower()) if CHECKSUM_RE.fullmatch(word.lower()) else None

    def search_other(self, request, queryset, word):
        """
        8 or more hex digits that begin some SHA-256 match the files whose SHA-256 begins so, as git
        abbreviates object ids (a range on the checksum index); any other word, a part of the filename:
        a scan (LIKE '%word%'), made only when the word names no one and begins no checksum.
        """
        prefix = word.lower()
        if CHECKSUM_PREFIX_RE.fullmatch(prefix) and checksum_prefix(FileMeta.objects, prefix).exists():
            return checksum_prefix(queryset, prefix)
        return queryset.filter(filename__icontains=word)

    def filter_groups(self, queryset, groups):
        # By delivery id, a subquery: no join is added to the list's query, so rows never repeat.
        return queryset.filter(delivery_id__in=Delivery.objects.filter(assignment_group_id__in=groups).values("pk"))

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
            extra_context["can_view_bytes"] = access.can_see_bytes(request.user, filemeta)
            if extra_context["can_view_bytes"]:
                extra_context.update(self.preview_context(request, filemeta))
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="Filename", ordering="filename")
    def filename_cut(self, obj):
        return ellipsis(obj.filename)

    @admin.display(description="Size", ordering="size")
    def human_size(self, obj):
        return filesizeformat(obj.size)

    @admin.display(description="Created", ordering="created")
    def created_at(self, obj):
        return local_time(obj.created)

    @admin.display(description="Size")
    def size_detail(self, obj):
        return filesizeformat(obj.size) if obj.size < 1024 else f"{filesizeformat(obj.size)} ({obj.size:,} bytes)"

    @admin.display(description="Status", ordering="status")
    def status_label(self, obj):
        return status_badge(obj)

    @admin.display(description="Delivery", ordering="delivery")
    def delivery_link(self, obj):
        return change_link(obj.delivery, f"#{obj.delivery.number}")

    @admin.action(description="Verify selected files (re-read and check size and SHA-256)", permissions=["verify"])
    def verify_selected(self, request, queryset):
        return verify_or_start(self, request, queryset)


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class PeopleUserAdmin(UserAdmin):
    """Django's user admin, with the hand-ins a person takes part in: as a student and as an examiner."""

    list_display = ["username", "first_name", "last_name", "email", "is_staff"]
    readonly_fields = ["hand_ins"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        return [*fieldsets, ("Hand-ins", {"fields": ["hand_ins"]})] if obj is not None else fieldsets

    @admin.display(description="Groups and deliveries")
    def hand_ins(self, obj):
        """Counts, each a link to the list: groups as a candidate, groups examined, deliveries of their groups."""
        if obj is None or obj.pk is None:
            return "-"
        candidate_in = Candidate.objects.filter(user=obj).count()
        examines = obj.examiner_groups.count()
        deliveries = Delivery.objects.filter(assignment_group__candidate_set__user=obj).count()
        delivered = Delivery.objects.filter(delivered_by=obj).count()
        links = [
            children_link(
                AssignmentGroup, f"Candidate in {candidate_in} group{'s' * (candidate_in != 1)}", candidate=obj.pk
            ),
            children_link(AssignmentGroup, f"Examines {examines} group{'s' * (examines != 1)}", examiner=obj.pk),
            children_link(
                Delivery, f"{deliveries} deliver{'ies' if deliveries != 1 else 'y'} of their groups", candidate=obj.pk
            ),
            children_link(Delivery, f"{delivered} handed in by them", delivered_by=obj.pk),
        ]
        return format_html(
            '<ul class="hand-in-links">{}</ul>', format_html_join("", "<li>{}</li>", ((link,) for link in links))
        )


from .admin_pages import health as admin_health  # noqa: E402,F401  (registers the "Store health" page)
