"""Admin for every model of the deliveries app."""

from django.contrib import admin

from .models import Assignment, AssignmentGroup, Candidate, Delivery, FileMeta, Period, Subject


@admin.register(Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ["short_name", "long_name"]
    search_fields = ["short_name", "long_name"]


@admin.register(Period)
class PeriodAdmin(admin.ModelAdmin):
    list_display = ["short_name", "subject", "start_time", "end_time"]
    list_select_related = ["subject"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["short_name", "period", "publishing_time", "first_deadline"]
    list_select_related = ["period__subject"]


class CandidateInline(admin.TabularInline):
    model = Candidate
    raw_id_fields = ["user"]
    extra = 0


@admin.register(AssignmentGroup)
class AssignmentGroupAdmin(admin.ModelAdmin):
    list_display = ["__str__", "assignment"]
    list_select_related = ["assignment__period__subject"]
    inlines = [CandidateInline]
    raw_id_fields = ["examiners"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["__str__", "number", "time_of_delivery", "successful"]
    list_select_related = ["assignment_group__assignment__period__subject"]
    raw_id_fields = ["assignment_group", "delivered_by"]


@admin.register(FileMeta)
class FileMetaAdmin(admin.ModelAdmin):
    list_display = ["filename", "size", "delivery", "created", "status"]
    list_select_related = ["delivery__assignment_group__assignment__period__subject"]
    search_fields = ["filename", "=checksum"]
    raw_id_fields = ["delivery"]
from . import admin_health  # noqa: F401,E402  (registers the "Store health" page)
