"""What a store check found: problem codes, problems, the report, and the shards a check can cover."""

import enum
import zlib
from dataclasses import dataclass, field
from datetime import timedelta

from ..exit_status import ExitStatus

__all__ = [
    "COLUMNS",
    "CheckReport",
    "CheckUnavailable",
    "Code",
    "Problem",
    "Shard",
    "could_not_check_verdict",
    "filemeta_id",
    "table_lines",
]

MiB = 1024 * 1024
DEFAULT_MIN_AGE = timedelta(hours=1)


class Code(enum.StrEnum):
    MISSING = "MISSING"  # a FileMeta whose bytes are not in the store
    SIZE_MISMATCH = "SIZE_MISMATCH"  # the stored object's size differs from the row's
    HASH_MISMATCH = "HASH_MISMATCH"  # same size, different SHA-256 (deep only)
    UNREADABLE = "UNREADABLE"  # listed, but reading it failed (deep only)
    SYMLINK = "SYMLINK"  # a symlink inside the store's tree
    PROBE_FAILED = "PROBE_FAILED"  # the probe object did not round-trip
    ORPHAN = "ORPHAN"  # an object no FileMeta owns
    TEMP_LEFTOVER = "TEMP_LEFTOVER"  # a temporary file or chunk left by an interrupted write
    STRAY = "STRAY"  # something in the store's tree that is neither an object nor a temporary

    @property
    def is_orphan(self):
        """Orphan-like problems waste space but lose nothing: they fail a check only on request."""
        return self in ORPHAN_CODES


ORPHAN_CODES = frozenset({Code.ORPHAN, Code.TEMP_LEFTOVER, Code.STRAY})
LEFTOVER_CODES = {"temporary": Code.TEMP_LEFTOVER, "symlink": Code.SYMLINK, "stray": Code.STRAY}


@dataclass(frozen=True, slots=True)
class Problem:
    """
    One thing a check found. ``key`` is where it is in the store; a problem about a recorded file
    also names it (``filemeta``, its id; ``filename``), its delivery and group (ids and labels),
    filled in by ``name_problems`` so every output leads to the file.
    """

    code: Code
    key: str  # the store key (or the leftover's place in the store)
    filemeta: int | None = None  # the FileMeta's id, when a row is involved
    detail: str = ""
    filename: str = ""
    delivery: int | None = None
    delivery_label: str = ""
    group: int | None = None
    group_label: str = ""

    copy: str = ""  # which copy of a store that keeps several (StoreCopy.name); "" for a plain store

    def as_dict(self):
        doc = {
            "code": str(self.code),
            "filemeta": self.filemeta,
            "filename": self.filename,
            "delivery": self.delivery,
            "delivery_label": self.delivery_label,
            "group": self.group,
            "group_label": self.group_label,
            "key": self.key,
            "detail": self.detail,
        }
        if self.copy:
            doc["copy"] = self.copy
        return doc

    @property
    def place(self):
        """(copy, key): what a repair resolves."""
        return self.copy, self.key

    def columns(self):
        """The values under ``COLUMNS``: "-" where the problem is about no recorded file."""
        detail = f"in {self.copy}: {self.detail}" if self.copy else self.detail
        if self.filemeta is None:
            return (str(self.code), "-", "-", "-", "-", self.key, detail)
        return (
            str(self.code),
            f"#{self.filemeta}",
            self.filename or "-",
            self.delivery_label or "-",
            self.group_label or "-",
            self.key,
            detail,
        )


#: The labelled columns of checkstore's text output, one row per problem.
COLUMNS = ("PROBLEM", "FILE", "FILENAME", "DELIVERY", "GROUP", "IN STORE", "DETAIL")


def table_lines(rows, header=COLUMNS):
    """``rows`` (tuples of strings) under ``header``, each column as wide as its widest value."""
    rows = [header, *rows]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    return ["  ".join([*(value.ljust(width) for value, width in zip(row, widths)), row[-1]]).rstrip() for row in rows]


def filemeta_id(key):
    """The FileMeta id a key stands for (keys of FileMetas are their decimal ids), else None."""
    return int(key) if key.isascii() and key.isdigit() else None


class CheckUnavailable(Exception):
    """The store cannot be checked at all (unreachable, unreadable root, misconfigured)."""


@dataclass(frozen=True)
class Shard:
    """
    Slice ``index`` of ``count`` (1-based, as restic's ``--read-data-subset``): a numeric key
    belongs to slice ``key % count + 1``, any other key to ``crc32(key) % count + 1``. The slices
    of 1/N .. N/N cover every key exactly once, whichever machine checks them.
    """

    index: int
    count: int

    #: The most slices a check can be cut into: enough for any fleet, and small enough for every
    #: database's modulo (a 23-digit N overflowed SQLite's integers).
    MAX_COUNT = 1_000_000

    @classmethod
    def parse(cls, text):
        parts = text.split("/")
        shown = text if len(text) <= 24 else f"{text[:20]}..."
        if len(parts) != 2 or not all(part.isascii() and part.isdigit() for part in parts):
            raise ValueError(f"--shard must look like I/N (e.g. 2/4), not {shown!r}")
        if any(len(part) > len(str(cls.MAX_COUNT)) for part in parts):  # before int(): no 5,000-digit ints
            raise ValueError(f"--shard {shown}: N must be at most {cls.MAX_COUNT:,}")
        index, count = int(parts[0]), int(parts[1])
        if count > cls.MAX_COUNT:
            raise ValueError(f"--shard {text}: N must be at most {cls.MAX_COUNT:,}")
        if not 1 <= index <= count:
            raise ValueError(f"--shard {text}: I must be between 1 and N")
        return cls(index, count)

    def __str__(self):
        return f"{self.index}/{self.count}"

    def owns(self, key):
        pk = filemeta_id(key)
        value = pk if pk is not None else zlib.crc32(key.encode())
        return value % self.count == self.index - 1


def _repair_order(repair):
    return (filemeta_id(repair.key) or 0, repair.key, repair.copy)


@dataclass
class CheckReport:
    """Everything one run found; rendered as text or JSON, recorded as a StoreCheckRun."""

    level: str
    store: str
    backend: str
    options: dict = field(default_factory=dict)
    started: object = None
    finished: object = None
    files: int = 0  # FileMeta rows checked
    objects: int = 0  # objects listed in the store
    bytes_read: int = 0
    in_flight: int = 0  # young orphans and leftovers: uploads in progress, not reported
    seconds: float = 0.0
    problems: list = field(default_factory=list)
    fail_on_orphans: bool = False
    intact: list = field(default_factory=list, repr=False)  # FileMeta ids the deep check read back whole
    copies: list = field(default_factory=lambda: [""])  # the names of the copies checked (StoreCopy.name)
    intact_copies: dict = field(default_factory=dict, repr=False)  # copy name -> ids read back whole there
    quarantined: int = 0  # damaged bytes kept aside by repairs (never problems, never removed)
    repairs: list | None = None  # with a repair asked for: the Repair of each damaged copy it looked at
    stopped: str = ""  # why a scrub stopped early: "oldest" (N files) or "budget" (time)

    @property
    def resolved(self):
        """(copy, key) of the problems a repair fixed: they no longer fail the check."""
        return {repair.place for repair in self.repairs or () if repair.fixed}

    def open_problems(self):
        """The problems no repair has fixed."""
        resolved = self.resolved
        return [p for p in self.problems if p.place not in resolved] if resolved else list(self.problems)

    def counts(self):
        counts = {}
        for problem in self.problems:
            counts[str(problem.code)] = counts.get(str(problem.code), 0) + 1
        return dict(sorted(counts.items()))

    @property
    def ok(self):
        return not any(self.fail_on_orphans or not p.code.is_orphan for p in self.open_problems())

    @property
    def exit_code(self):
        return ExitStatus.OK if self.ok else ExitStatus.PROBLEMS

    def repair_counts(self):
        counts = {}
        for repair in self.repairs or ():
            counts[repair.outcome] = counts.get(repair.outcome, 0) + 1
        return dict(sorted(counts.items()))

    def summary(self):
        mib_s = self.bytes_read / MiB / self.seconds if self.seconds else 0.0
        summary = {
            "level": self.level,
            "store": self.store,
            "files": self.files,
            "objects": self.objects,
            "bytes_read": self.bytes_read,
            "seconds": round(self.seconds, 3),
            "mib_per_s": round(mib_s, 1),
            "in_flight": self.in_flight,
            "counts": self.counts(),
        }
        if self.copies != [""]:
            summary["copies"] = self.copies
        if self.quarantined:
            summary["quarantined"] = self.quarantined
        if self.repairs is not None:
            summary["repairs"] = self.repair_counts()
        if self.stopped:
            summary["stopped"] = self.stopped
        return summary

    def as_dict(self):
        doc = {
            "ok": self.ok,
            "verdict": self.verdict(),
            "summary": self.summary(),
            "problems": [p.as_dict() for p in self.problems],
        }
        if self.repairs is not None:
            doc["repairs"] = [repair.as_dict() for repair in self.repairs]
        return doc

    def counts_text(self):
        """``MISSING 2, ORPHAN 1`` (``MISSING 2 (2 repaired)`` after repairs) or ``no problems``."""
        repaired = {}
        resolved = self.resolved
        for problem in self.problems:
            if problem.place in resolved:
                repaired[str(problem.code)] = repaired.get(str(problem.code), 0) + 1
        return (
            ", ".join(
                f"{code} {n}" + (f" ({repaired[code]} repaired)" if code in repaired else "")
                for code, n in self.counts().items()
            )
            or "no problems"
        )

    def verdict(self):
        """
        The last line of the text output: how the run ended and its exit status, e.g. "healthy:
        exit status 0", "healthy, 2 problems repaired (MISSING 2 (2 repaired)): exit status 0" or
        "3 problems (MISSING 2, ORPHAN 1): exit status 1".
        """
        status = int(self.exit_code)
        if not self.problems:
            return f"healthy: exit status {status}"
        left = self.open_problems()
        if not left:
            count = len(self.problems)
            return f"healthy, {count} problem{'s' if count != 1 else ''} repaired ({self.counts_text()}): exit status {status}"
        count = len(left)
        what = f"{count} problem{'s' if count != 1 else ''} ({self.counts_text()})"
        if self.ok:
            return f"healthy, {what} that only waste space (fail with --fail-on-orphans): exit status {status}"
        return f"{what}: exit status {status}"

    def text_lines(self):
        """The problems as a table (errors first, then orphans), the summary, then the verdict line."""
        ordered = sorted(self.problems, key=lambda p: (p.code.is_orphan, str(p.code), p.key))
        lines = table_lines([p.columns() for p in ordered]) if ordered else []
        s = self.summary()
        counts = self.counts_text()
        if self.level == "probe":
            lines.append(
                f"probe of {self.store}: wrote, read back, compared and removed a probe object in {s['seconds']:.2f} s; {counts}"
            )
            lines.append(self.verdict())
            return lines
        lines.extend(repair.as_line() for repair in sorted(self.repairs or (), key=_repair_order))
        what, objects = f"{self.level} check", f"{s['objects']} objects, "
        if "oldest" in self.options or "budget" in self.options:
            stopped = {"budget": "; stopped at --budget", "oldest": "; stopped at --oldest"}.get(self.stopped, "")
            what, objects = f"scrub (deep, least recently verified first{stopped})", ""  # a scrub lists nothing
        lines.append(
            f"{what} of {self.store}: {s['files']} files, {objects}"
            f"{s['bytes_read']} bytes read in {s['seconds']:.2f} s ({s['mib_per_s']:.1f} MiB/s); {counts}"
            + (f"; {self.in_flight} younger than --min-age left alone" if self.in_flight else "")
        )
        if self.repairs is not None:
            done = ", ".join(f"{n} {outcome}" for outcome, n in self.repair_counts().items())
            lines.append(f"repairs: {done or 'nothing to repair'}")
        if self.quarantined:
            lines.append(
                f"{self.quarantined} damaged copies are kept in quarantine for inspection "
                "(see 'When a file is damaged' in docs/operations-repair.md)"
            )
        lines.append(self.verdict())
        return lines


def could_not_check_verdict(reason):
    """The verdict line of a run that could not check its store."""
    return f"could not check: {str(reason).rstrip('.')}: exit status {int(ExitStatus.COULD_NOT_RUN)}"
