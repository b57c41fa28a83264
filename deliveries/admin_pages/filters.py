"""
The admin's list filters: parents named in one query, kinds of file, lateness, how groups handed
in, and one person's groups (reached from a user's page).

Each filter is one indexed or joined condition, never a query per row: the delivery and file
lists are paged by LargeTablePaginator and must cost the same number of queries at any size.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.utils.text import capfirst

from .. import access
from ..content_types import Family, types_of
from ..identical import also_handed_in_elsewhere
from ..models import LATENESS, AssignmentGroup, AssignmentGroupQuerySet, Candidate, lateness_condition
from .people import group_id_path

__all__ = [
    "CandidateFilter",
    "ContentTypeFamilyFilter",
    "DeliveredByFilter",
    "ExaminerFilter",
    "FileLatenessFilter",
    "HandInFilter",
    "IdenticalFilesFilter",
    "LatenessFilter",
    "ParentListFilter",
]


class ParentListFilter(admin.RelatedFieldListFilter):
    """
    A related-object filter whose choices are named in one query: Period, Assignment and
    AssignmentGroup names include their parents', which the stock filter fetches one by one.
    It offers only the parents of rows the user sees in the list (deliveries.access): an
    examiner never reads another group's assignment, period or subject here.
    """

    name_relations = {
        "period": ["subject"],
        "assignment": ["period__subject"],
        "assignmentgroup": ["assignment__period__subject"],
    }

    def field_choices(self, field, request, model_admin):
        model = field.related_model
        queryset = access.visible(request.user, model._default_manager.all(), [model_admin.model])
        if relations := self.name_relations.get(model._meta.model_name):
            queryset = queryset.select_related(*relations)
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            queryset = queryset.order_by(*ordering)
        return [(obj.pk, str(obj)) for obj in queryset]


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


class LatenessFilter(admin.SimpleListFilter):
    """Deliveries on time, late, or held to no deadline (``models.lateness_condition``)."""

    title = "lateness"
    parameter_name = "lateness"
    #: The lookup path from the list's model to its Delivery ("" for deliveries themselves).
    delivery_path = ""

    def lookups(self, request, model_admin):
        return [(kind, capfirst(words)) for kind, words in LATENESS.items()]

    def queryset(self, request, queryset):
        if self.value() not in LATENESS:
            return queryset
        return queryset.filter(lateness_condition(self.value(), self.delivery_path))


class FileLatenessFilter(LatenessFilter):
    """Files by the lateness of the delivery they came in."""

    delivery_path = "delivery"


class HandInFilter(admin.SimpleListFilter):
    """Groups by how they handed in: their last successful delivery on time or late, or nothing delivered."""

    title = "hand-in"
    parameter_name = "hand_in"

    def lookups(self, request, model_admin):
        return [(kind, capfirst(words)) for kind, words in AssignmentGroupQuerySet.HAND_IN.items()]

    def queryset(self, request, queryset):
        if self.value() not in AssignmentGroupQuerySet.HAND_IN:
            return queryset
        return queryset.handed_in(self.value())


class PersonFilter(admin.SimpleListFilter):
    """
    The rows of one person's groups, ``?<parameter>=<user id>``: the links on a user's page lead
    here. Offered only while set (it names the person and offers "All" to leave it); a value that
    is no user's id leaves the list unfiltered. Students' roles keep to the assignments where the
    viewer sees names (``access.names_visible``), so an id cannot unmask an anonymous candidate.
    """

    def _person(self):
        value = self.value()
        if not value or not value.isdigit():
            return None
        return get_user_model().objects.filter(pk=value).first()

    def lookups(self, request, model_admin):
        person = self._person()
        if person is None:
            return []
        viewer = request.user
        label = access.user_label(person) if viewer.has_perm("auth.view_user") else "the person chosen"
        return [(str(person.pk), label)]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return self.filter(request, queryset, group_id_path(queryset.model), int(self.value()))


class CandidateFilter(PersonFilter):
    title = "candidate"
    parameter_name = "candidate"

    def filter(self, request, queryset, path, user_id):
        candidacies = Candidate.objects.filter(user_id=user_id).filter(
            access.names_visible(request.user, "assignment_group")
        )
        return queryset.filter(**{f"{path}__in": candidacies.values("assignment_group_id")})


class ExaminerFilter(PersonFilter):
    title = "examiner"
    parameter_name = "examiner"

    def filter(self, request, queryset, path, user_id):
        examined = AssignmentGroup.examiners.through.objects.filter(user_id=user_id)
        return queryset.filter(**{f"{path}__in": examined.values("assignmentgroup_id")})


class DeliveredByFilter(PersonFilter):
    title = "delivered by"
    parameter_name = "delivered_by"

    def filter(self, request, queryset, path, user_id):
        return queryset.filter(delivered_by_id=user_id).filter(access.names_visible(request.user, "assignment_group"))


class IdenticalFilesFilter(admin.SimpleListFilter):
    """Files whose exact bytes another group handed in too (``deliveries.identical``), as far as the viewer sees."""

    title = "identical files"
    parameter_name = "identical"

    def lookups(self, request, model_admin):
        return [("elsewhere", "Also handed in by another group")]

    def queryset(self, request, queryset):
        return also_handed_in_elsewhere(request.user, queryset) if self.value() == "elsewhere" else queryset
