"""Repair, never automatic: removing the orphans and temporary leftovers a check found."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from ..models import FileMeta
from .report import DEFAULT_MIN_AGE, Code, filemeta_id


@dataclass
class Deletion:
    removed: list = field(default_factory=list)  # keys and leftover names removed
    kept: list = field(default_factory=list)  # (name, why) left alone
    failed: list = field(default_factory=list)  # (name, error)


def deletable_orphans(report):
    return [p for p in report.problems if p.code in (Code.ORPHAN, Code.TEMP_LEFTOVER)]


def delete_orphans(store, report, *, min_age=DEFAULT_MIN_AGE):
    """
    Remove the ORPHAN objects and TEMP_LEFTOVERs ``report`` found that are still orphans and at
    least ``min_age`` old. Unknown ages are kept unless ``min_age`` is zero. A key whose FileMeta
    has appeared since the check is kept. Symlinks and strays are never touched: a person decides.
    Each is removed from the copy it was found in (a store that keeps several copies); names
    in the result are then ``"<copy>: <name>"``.
    """
    now = timezone.now()
    result = Deletion()
    candidates = deletable_orphans(report)
    for copy in store.copies():
        found = [p for p in candidates if p.copy == copy.name]
        if found:
            _delete_in(copy.store, found, result, now, min_age, f"{copy.name}: " if copy.name else "")
    return result


def _delete_in(store, candidates, result, now, min_age, label):
    numeric = [filemeta_id(p.key) for p in candidates if p.code is Code.ORPHAN and filemeta_id(p.key) is not None]
    owned = set(FileMeta.objects.filter(pk__in=numeric).values_list("pk", flat=True)) if numeric else set()
    objects = {o.key: o for o in store.iter_objects()} if any(p.code is Code.ORPHAN for p in candidates) else {}
    leftovers = (
        {lo.name: lo for lo in store.iter_leftovers()} if any(p.code is Code.TEMP_LEFTOVER for p in candidates) else {}
    )
    for problem in candidates:
        name = f"{label}{problem.key}"
        current = objects.get(problem.key) if problem.code is Code.ORPHAN else leftovers.get(problem.key)
        if current is None:
            result.kept.append((name, "gone already"))
            continue
        if problem.code is Code.ORPHAN and filemeta_id(problem.key) in owned:
            result.kept.append((name, "a FileMeta owns it now"))
            continue
        if current.modified is None and min_age > timedelta(0):
            result.kept.append((name, "age unknown (use --min-age 0 to remove)"))
            continue
        if current.modified is not None and now - current.modified < min_age:
            result.kept.append((name, "younger than --min-age"))
            continue
        if problem.code is Code.ORPHAN and FileMeta.objects.filter(pk=filemeta_id(problem.key)).exists():
            # Asked again just before removing: the listing may have taken minutes, and a new
            # upload may have taken this id (SQLite reuses the id of a rolled-back insert).
            result.kept.append((name, "a FileMeta owns it now"))
            continue
        try:
            if problem.code is Code.ORPHAN:
                store.remove(problem.key)
            else:
                store.remove_leftover(current)
        except Exception as e:
            result.failed.append((name, f"{type(e).__name__}: {e}"))
        else:
            result.removed.append(name)
