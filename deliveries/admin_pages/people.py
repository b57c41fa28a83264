"""
Finding hand-ins by the people in them: a search word (or two) that names a student or an
examiner narrows a list to the groups that person is in.

A person is named by their username, email, first name, last name or full name ("Amira Khan",
typed with or without quotes), all whole and case-insensitive, or, for a student, by their
candidate id. Matching is on whole values, so a word such as "e" or ".py" never names a person
and keeps its other meaning in each list (a part of a filename, a group's name). Students'
names, usernames and emails count only where the viewer may see them (``access.names_visible``):
on an anonymous assignment a non-administrator finds students by candidate id alone.

Each word costs at most three small queries (the users it names, their candidacies and the
groups they examine), whatever the size of the list.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q

from .. import access
from ..models import AssignmentGroup, Candidate
from .bounds import search_terms

__all__ = [
    "PeopleSearchMixin",
    "UserLabelsMixin",
    "group_id_path",
    "groups_of_person",
    "person_condition",
]

#: Users one search word may name; more and the word is too vague to be a person.
MAX_PEOPLE = 500


def group_id_path(model):
    """The lookup path from ``model`` to its AssignmentGroup's id (after ``access.GROUP_PATHS``)."""
    path = access.GROUP_PATHS[model._meta.model_name]
    return f"{path}_id" if path else "pk"


def person_condition(term):
    """
    A Q over the user model matching ``term`` as a whole username, email, first name, last name
    or full name. A full name is tried at every space: "Anne Marie Berg" is Anne Marie + Berg
    or Anne + Marie Berg.
    """
    term = term.strip()
    condition = (
        Q(username__iexact=term) | Q(email__iexact=term) | Q(first_name__iexact=term) | Q(last_name__iexact=term)
    )
    words = term.split()
    for split in range(1, len(words)):
        condition |= Q(first_name__iexact=" ".join(words[:split]), last_name__iexact=" ".join(words[split:]))
    return condition


def groups_of_person(viewer, term):
    """
    The ids of the groups in which ``term`` names a student (as ``viewer`` may find them) or an
    examiner; an empty set when it names nobody there.
    """
    users = list(get_user_model().objects.filter(person_condition(term)).values_list("pk", flat=True)[:MAX_PEOPLE])
    candidacies = Q(candidate_id=term)
    if users:
        candidacies |= Q(user_id__in=users) & access.names_visible(viewer, "assignment_group")
    groups = set(Candidate.objects.filter(candidacies).values_list("assignment_group_id", flat=True))
    if users:
        examined = AssignmentGroup.examiners.through.objects.filter(user_id__in=users)
        groups.update(examined.values_list("assignmentgroup_id", flat=True))
    return groups


class PeopleSearchMixin:
    """
    A ModelAdmin's search that finds people: each word (or two words that together are a full
    name) that names a student or an examiner keeps the rows of their groups; a word that
    ``search_exact`` recognises (a SHA-256, say) is searched by it first; every other word by
    ``search_other`` (Django's own search over ``search_fields`` unless overridden). Every word
    must match. Rows never repeat: groups are matched by id, no join added.
    """

    def search_exact(self, request, queryset, word):
        """``queryset`` narrowed by a word with one exact meaning in this list, or None (the default)."""
        return None

    def search_other(self, request, queryset, word):
        """``queryset`` narrowed by a word that names no person."""
        quoted = '"{}"'.format(word.replace("\\", "\\\\").replace('"', '\\"'))  # one term, spaces and all
        queryset, may_have_duplicates = super().get_search_results(request, queryset, quoted)
        return queryset.distinct() if may_have_duplicates else queryset

    def filter_groups(self, queryset, groups):
        """``queryset`` narrowed to the rows of the groups with these ids."""
        return queryset.filter(**{f"{group_id_path(queryset.model)}__in": groups})

    def get_search_results(self, request, queryset, search_term):
        words = search_terms(request, search_term)  # at most MAX_SEARCH_TERMS, quotes removed
        position = 0
        while position < len(words):
            exact = self.search_exact(request, queryset, words[position])
            if exact is not None:
                queryset = exact
                position += 1
                continue
            groups = set()
            if position + 1 < len(words):  # two words that may be one full name
                groups = groups_of_person(request.user, f"{words[position]} {words[position + 1]}")
                taken = 2
            if not groups:
                groups = groups_of_person(request.user, words[position])
                taken = 1
            if groups:
                queryset = self.filter_groups(queryset, groups)
            else:
                queryset = self.search_other(request, queryset, words[position])
            position += taken
        return queryset, False


class UserLabelsMixin:
    """A ModelAdmin or inline whose choice and autocomplete fields of users show ``access.user_label``."""

    def _label_users(self, field):
        if field is not None and getattr(field, "queryset", None) is not None:
            if field.queryset.model is get_user_model():
                field.label_from_instance = access.user_label
        return field

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return self._label_users(super().formfield_for_foreignkey(db_field, request, **kwargs))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return self._label_users(super().formfield_for_manytomany(db_field, request, **kwargs))
