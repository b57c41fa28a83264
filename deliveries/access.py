"""
Who sees which hand-ins, and whose names: the one rule that every list, page, preview, download,
zip and comparison asks. Nothing else decides it.

* **Everything** of a model: superusers, and active staff holding that model's global view (or
  change) permission, e.g. ``deliveries.view_filemeta`` for files and their bytes.
* **Their own groups**: any other active staff user who examines groups sees exactly those groups,
  their assignments, deliveries and files, and nothing else (lists are filtered; a page, download
  or zip of anything else is a 404, so guessing ids tells nothing).
* **Names**: on an anonymous assignment, only administrators (superusers and holders of
  ``deliveries.change_assignment``) see students' names, usernames and emails; everyone else sees
  candidate ids, and a search by name finds nothing there.
"""

from django.db.models import Exists, OuterRef, Q

# How each scoped model reaches its AssignmentGroup, for filtering by the examiners of that group.
GROUP_PATHS = {
    "assignment": "groups",
    "assignmentgroup": "",
    "candidate": "assignment_group",
    "delivery": "assignment_group",
    "filemeta": "delivery__assignment_group",
}


def _model_name(model):
    return model._meta.model_name


def is_staff(user):
    return bool(user.is_active and user.is_staff)


def sees_all(user, model):
    """May ``user`` see every row of ``model`` (a scoped model), by superuser status or a global permission?"""
    if not is_staff(user):
        return False
    app, name = model._meta.app_label, _model_name(model)
    return user.is_superuser or user.has_perm(f"{app}.view_{name}") or user.has_perm(f"{app}.change_{name}")


def is_examiner(user):
    """Does ``user`` examine at least one group? (One query, cached on the user object for the request.)"""
    if not is_staff(user):
        return False
    cached = getattr(user, "_deliveries_is_examiner", None)
    if cached is None:
        cached = user._deliveries_is_examiner = user.examiner_groups.exists()
    return cached


def may_view(user, model):
    """May ``user`` open ``model``'s list at all (everything, or their own groups)?"""
    return sees_all(user, model) or is_examiner(user)


def visible(user, queryset, rule_of=None):
    """
    ``queryset`` narrowed to what ``user`` may see of its model (possibly nothing). ``rule_of``
    judges by another scoped model's global permissions: the groups of an assignment whose files
    a user may download are ``visible(user, groups, rule_of=FileMeta)``.
    """
    model = queryset.model
    if sees_all(user, rule_of or model):
        return queryset
    if not is_examiner(user):
        return queryset.none()
    path = GROUP_PATHS[_model_name(model)]
    from .models import AssignmentGroup

    examined = AssignmentGroup.examiners.through.objects.filter(user_id=user.pk)
    if path == "groups":  # one assignment, many groups: EXISTS keeps rows unique without DISTINCT
        return queryset.filter(Exists(examined.filter(assignmentgroup__assignment_id=OuterRef("pk"))))
    group_id = f"{path}_id" if path else "pk"
    return queryset.filter(Exists(examined.filter(assignmentgroup_id=OuterRef(group_id))))


def can_see(user, obj, rule_of=None):
    """May ``user`` see this one object (an Assignment, AssignmentGroup, Candidate, Delivery or FileMeta)?"""
    return visible(user, type(obj)._default_manager.filter(pk=obj.pk), rule_of).exists()


def is_administrator(user):
    """Administrators see students' names on anonymous assignments too."""
    return is_staff(user) and (user.is_superuser or user.has_perm("deliveries.change_assignment"))


def shows_names(user, assignment):
    """May ``user`` see the students' names, usernames and emails on ``assignment``?"""
    return not assignment.anonymous or is_administrator(user)


def names_visible(user, group_path=""):
    """
    A Q limiting a search by students' names to the assignments where ``user`` sees names: all of
    them for administrators, the non-anonymous ones for everyone else. ``group_path`` leads from the
    searched model to its AssignmentGroup (see ``GROUP_PATHS``).
    """
    if is_administrator(user):
        return Q()
    return Q(**{f"{group_path}__assignment__anonymous" if group_path else "assignment__anonymous": False})


def user_label(user):
    """A user as people name them: "Amira Khan (amira.khan)", or the username alone when no name is set."""
    if user is None:
        return "-"
    full = user.get_full_name().strip()
    return f"{full} ({user.get_username()})" if full else user.get_username()


def student_label(viewer, candidate, assignment):
    """A candidate as ``viewer`` may see them on ``assignment``: their name, or on an anonymous one their candidate id."""
    if shows_names(viewer, assignment):
        label = user_label(candidate.user)
        return f"{label} [{candidate.candidate_id}]" if candidate.candidate_id and is_administrator(viewer) else label
    return candidate.candidate_id or f"candidate #{candidate.pk}"
