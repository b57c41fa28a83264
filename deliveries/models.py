"""
Subject > Period > Assignment > AssignmentGroup > Delivery > FileMeta.

A FileMeta is the database's half of a delivered file (name, size, SHA-256); its bytes live in
the configured DeliveryStore (``FileMeta.deliverystore``). The invariant everything here keeps:
a FileMeta never exists without its complete bytes. Failures may leave bytes without a FileMeta
(an orphan, which ``manage.py checkstore`` finds), never the other way round.
"""

import hashlib
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone

from .content_types import SNIFF_BYTES, sniff_content_type
from .filenames import MAX_FILENAME_LENGTH, clean_filename, validate_filename
from .lateness import late_by
from .stores import DeliveryStoreFileNotFound
from .stores.handler import configured_store

logger = logging.getLogger(__name__)


class Subject(models.Model):
    short_name = models.SlugField(max_length=50, unique=True)
    long_name = models.CharField(max_length=200)

    class Meta:
        ordering = ["short_name"]

    def __str__(self):
        return self.short_name


class Period(models.Model):
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="periods")
    short_name = models.SlugField(max_length=50)
    long_name = models.CharField(max_length=200)
    start_time = models.DateTimeField()
    end_time = models.DateTimeField()

    class Meta:
        ordering = ["subject__short_name", "-start_time"]
        constraints = [
            models.UniqueConstraint(fields=["subject", "short_name"], name="period_unique_short_name"),
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")),
                name="period_ends_after_start",
                violation_error_message="A period must end after it starts.",
            ),
        ]
        indexes = [models.Index(fields=["-start_time"], name="period_start_idx")]

    def __str__(self):
        return f"{self.subject.short_name}.{self.short_name}"


class Assignment(models.Model):
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="assignments")
    short_name = models.SlugField(max_length=50)
    long_name = models.CharField(max_length=200)
    publishing_time = models.DateTimeField(default=timezone.now)
    first_deadline = models.DateTimeField(
        "deadline",
        null=True,
        blank=True,
        help_text="Deliveries after this are late, unless their group has an extension.",
    )
    anonymous = models.BooleanField(
        default=False,
        help_text="An exam: examiners who are not administrators see candidate ids, never students' names.",
    )

    class Meta:
        ordering = ["period_id", "publishing_time"]
        constraints = [models.UniqueConstraint(fields=["period", "short_name"], name="assignment_unique_short_name")]

    def __str__(self):
        return f"{self.period}.{self.short_name}"


def _along(path, name):
    """``name`` reached through ``path`` (a lookup path, "" for the model itself)."""
    return f"{path}__{name}" if path else name


def effective_deadline_expression(group_path="assignment_group"):
    """
    The group's extension, else its assignment's deadline, as a query expression from the model
    whose AssignmentGroup is at ``group_path`` ("" for AssignmentGroup itself).
    """
    return Coalesce(F(_along(group_path, "deadline")), F(_along(group_path, "assignment__first_deadline")))


def no_deadline_condition(group_path="assignment_group"):
    """A Q selecting the rows whose group is held to no deadline (no extension, no assignment deadline)."""
    return Q(
        **{_along(group_path, "deadline__isnull"): True, _along(group_path, "assignment__first_deadline__isnull"): True}
    )


#: The kinds of lateness a delivery can have; the admin's "lateness" filters offer them in this order.
LATENESS = {"on_time": "on time", "late": "late", "no_deadline": "no deadline"}


def lateness_condition(kind, delivery_path=""):
    """
    A Q selecting the deliveries (reached from the filtered model through ``delivery_path``) of
    one kind of ``LATENESS``: delivered at or before their group's deadline, after it, or held to
    no deadline at all. The rule is written only here: a delivery is late when it came after
    its group's extension, or, without one, after its assignment's deadline.
    """
    group_path = _along(delivery_path, "assignment_group")
    deadline = effective_deadline_expression(group_path)
    if kind == "late":
        return Q(**{_along(delivery_path, "time_of_delivery__gt"): deadline})
    if kind == "on_time":
        return Q(**{_along(delivery_path, "time_of_delivery__lte"): deadline})
    if kind == "no_deadline":
        return no_deadline_condition(group_path)
    raise ValueError(f"Unknown lateness {kind!r}; choose one of {', '.join(LATENESS)}.")


class DeliveryQuerySet(models.QuerySet):
    """Lateness, decided by the database: a delivery is late when it came after its group's deadline."""

    def with_lateness(self):
        """Annotate ``deadline_at``, the deadline each delivery is held to, so ``late_by`` costs no query."""
        return self.annotate(deadline_at=effective_deadline_expression())

    def late(self):
        return self.filter(lateness_condition("late"))

    def on_time(self):
        """Not late: delivered by the deadline, or held to none."""
        return self.filter(lateness_condition("on_time") | lateness_condition("no_deadline"))


class AssignmentGroupQuerySet(models.QuerySet):
    """
    How each group handed in, judged by its last successful delivery (the one that is graded):
    on time, late, or nothing delivered. A group held to no deadline that delivered counts as on time.
    """

    #: The kinds ``handed_in`` accepts, as the admin's filter and the assignment's summary name them.
    HAND_IN = {"on_time": "delivered on time", "late": "delivered late", "nothing": "nothing delivered"}

    def with_last_delivery(self):
        """Annotate ``last_delivered_at``: the time of each group's last successful delivery (None: nothing)."""
        last = Delivery.objects.filter(assignment_group=OuterRef("pk"), successful=True).order_by("-time_of_delivery")
        return self.annotate(last_delivered_at=Subquery(last.values("time_of_delivery")[:1]))

    @staticmethod
    def _hand_in_condition(kind):
        deadline = effective_deadline_expression("")
        if kind == "nothing":
            return Q(last_delivered_at__isnull=True)
        if kind == "late":
            return Q(last_delivered_at__gt=deadline)
        if kind == "on_time":
            return Q(last_delivered_at__isnull=False) & (Q(last_delivered_at__lte=deadline) | no_deadline_condition(""))
        raise ValueError(f"Unknown hand-in {kind!r}; choose one of {', '.join(AssignmentGroupQuerySet.HAND_IN)}.")

    def handed_in(self, kind):
        """The groups whose last successful delivery was ``kind``: "on_time", "late" or "nothing"."""
        condition = self._hand_in_condition(kind)  # checks ``kind`` before any query is built
        return self.with_last_delivery().filter(condition)

    def hand_in_counts(self):
        """{"on_time": n, "late": n, "nothing": n} over these groups, in one query."""
        return self.with_last_delivery().aggregate(
            **{kind: Count("pk", filter=self._hand_in_condition(kind)) for kind in self.HAND_IN}
        )


class AssignmentGroup(models.Model):
    """The students (candidates) who hand in together, and the staff (examiners) who grade them."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(max_length=100, blank=True)
    candidates = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Candidate", related_name="candidate_groups", blank=True
    )
    examiners = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="examiner_groups", blank=True)
    deadline = models.DateTimeField(
        "extended deadline",
        null=True,
        blank=True,
        help_text="An extension for this group: replaces the assignment's deadline. Empty: the assignment's.",
    )
    # The last delivery number handed out: bumped with an UPDATE, which serialises concurrent
    # Delivery.begin() calls on the group's row so numbers never collide.
    last_delivery_number = models.PositiveIntegerField(default=0, editable=False)

    objects = AssignmentGroupQuerySet.as_manager()

    class Meta:
        ordering = ["assignment_id", "name", "pk"]

    def __str__(self):
        return f"{self.assignment} {self.label}"

    @property
    def label(self):
        """The group's own name, or "group #<pk>" when it has none (never "group group 1")."""
        return self.name or f"group #{self.pk}"

    @property
    def effective_deadline(self):
        """The deadline this group's deliveries are held to: its extension, else the assignment's."""
        return self.deadline or self.assignment.first_deadline


class Candidate(models.Model):
    assignment_group = models.ForeignKey(AssignmentGroup, on_delete=models.CASCADE, related_name="candidate_set")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="candidacies")
    candidate_id = models.CharField(
        max_length=30, blank=True, db_index=True, help_text="The anonymous exam id, if any."
    )

    class Meta:
        ordering = ["assignment_group_id", "user_id"]
        constraints = [models.UniqueConstraint(fields=["assignment_group", "user"], name="candidate_unique_user")]

    def __str__(self):
        # Never the student's name: this is what the group's history records and shows to its
        # examiners, also on an anonymous assignment (an inline row too). Names come from
        # access.student_label.
        return self.candidate_id or f"candidate #{self.pk}"


class Delivery(models.Model):
    assignment_group = models.ForeignKey(AssignmentGroup, on_delete=models.CASCADE, related_name="deliveries")
    number = models.PositiveIntegerField(editable=False)
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    time_of_delivery = models.DateTimeField(default=timezone.now)
    successful = models.BooleanField(default=False)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "deliveries"
        ordering = ["-time_of_delivery", "-pk"]
        constraints = [models.UniqueConstraint(fields=["assignment_group", "number"], name="delivery_unique_number")]
        indexes = [models.Index(fields=["-time_of_delivery", "-id"], name="delivery_time_idx")]

    def __str__(self):
        return f"{self.assignment_group} delivery #{self.number}"

    @property
    def held_to(self):
        """The deadline this delivery is held to (its group's extension, else its assignment's), or None."""
        if hasattr(self, "deadline_at"):  # annotated by DeliveryQuerySet.with_lateness(): no extra query
            return self.deadline_at
        return self.assignment_group.effective_deadline

    @property
    def late_by(self):
        """How long after its group's deadline this delivery came (a timedelta), or None when on time."""
        return late_by(self.time_of_delivery, self.held_to)

    @classmethod
    def begin(cls, assignment_group, user=None):
        """Start a new, unfinished delivery with the group's next number."""
        with transaction.atomic():
            groups = AssignmentGroup.objects.filter(pk=assignment_group.pk)
            groups.update(last_delivery_number=F("last_delivery_number") + 1)
            number = groups.values_list("last_delivery_number", flat=True).get()
            return cls.objects.create(assignment_group=assignment_group, number=number, delivered_by=user)

    def add_file(self, filename, chunks, *, content_type=None):
        """
        Stream ``chunks`` (bytes, or str taken as UTF-8) into the store as ``filename``; return
        the new FileMeta with its size and SHA-256 computed on the way.

        Raises ValidationError for a refused or duplicate name. If anything fails half way (the
        iterable raises, the disk is full, the database fails), no FileMeta and no bytes remain.
        """
        filename = clean_filename(filename)
        duplicate = ValidationError(
            "This delivery already has a file named %(filename)s.", code="unique", params={"filename": filename}
        )
        if FileMeta.objects.filter(delivery=self, filename=filename).exists():
            raise duplicate
        store = FileMeta.deliverystore
        filemeta = None
        committed = False
        try:
            with transaction.atomic():
                try:
                    with transaction.atomic():
                        filemeta = FileMeta.objects.create(delivery=self, filename=filename, size=0, checksum="")
                except IntegrityError:
                    if FileMeta.objects.filter(delivery=self, filename=filename).exists():
                        # Another add_file of the same name committed after our check above.
                        raise duplicate from None
                    raise
                digest = hashlib.sha256()
                head = b""
                with store.write_open(filemeta) as writer:
                    for chunk in chunks:
                        if isinstance(chunk, str):
                            chunk = chunk.encode("utf-8")
                        if len(head) < SNIFF_BYTES:
                            head += chunk[: SNIFF_BYTES - len(head)]
                        digest.update(chunk)
                        writer.write(chunk)
                committed = True
                filemeta.size = writer.bytes_written
                filemeta.checksum = digest.hexdigest()
                filemeta.content_type = content_type or sniff_content_type(head, filename)
                filemeta.save(update_fields=["size", "checksum", "content_type"])
        except BaseException:
            if committed:
                remove_orphaned_bytes(store, store.key_for(filemeta))
            raise
        return filemeta

    def finish(self):
        """Mark the delivery as complete."""
        self.successful = True
        self.save(update_fields=["successful"])


class FileMeta(models.Model):
    """One delivered file. Its bytes are in ``FileMeta.deliverystore`` under ``key``."""

    class Status(models.TextChoices):
        UNVERIFIED = "unverified", "Not verified"
        INTACT = "intact", "Intact"
        MISSING = "missing", "Missing"
        CORRUPT = "corrupt", "Corrupt"

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="filemetas")
    filename = models.CharField(max_length=MAX_FILENAME_LENGTH, validators=[validate_filename])
    size = models.PositiveBigIntegerField()
    checksum = models.CharField("SHA-256", max_length=64, db_index=True)
    content_type = models.CharField(max_length=100, default="application/octet-stream", db_index=True)
    created = models.DateTimeField(default=timezone.now, db_index=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.UNVERIFIED, db_index=True)
    verified_at = models.DateTimeField(null=True, blank=True)

    # The configured store; tests may assign another (see deliveries.stores.swap_deliverystore).
    deliverystore = configured_store

    class Meta:
        verbose_name = "file"
        ordering = ["delivery_id", "filename"]
        constraints = [models.UniqueConstraint(fields=["delivery", "filename"], name="filemeta_unique_filename")]
        indexes = [
            models.Index(fields=["-created", "-id"], name="filemeta_created_idx"),
            models.Index(fields=["filename"], name="filemeta_filename_idx"),
            # The admin's list filters, each walked in the list's (-created, -id) order.
            models.Index(fields=["status", "-created", "-id"], name="filemeta_status_created_idx"),
            models.Index(fields=["content_type", "-created", "-id"], name="filemeta_type_created_idx"),
            # The rolling scrub walks the never verified (verified_at IS NULL, by id), then the least
            # recently verified: two index scans, on SQLite and PostgreSQL alike.
            models.Index(fields=["verified_at", "id"], name="filemeta_scrub_idx"),
        ]

    def __str__(self):
        return self.filename

    @property
    def key(self):
        """The key the store files this FileMeta's bytes under."""
        return self.deliverystore.key_for(self)

    def read_open(self):
        """A seekable binary reader of the bytes; raises DeliveryStoreFileNotFound when they are gone."""
        return self.deliverystore.read_open(self)

    def file_exists(self):
        return self.deliverystore.exists(self)


class StoredBlob(models.Model):
    """DatabaseDeliveryStore: one object (complete) or one write in progress (not complete)."""

    name = models.CharField(max_length=128, unique=True)
    size = models.PositiveBigIntegerField(default=0)
    complete = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "stored blob (database store)"

    def __str__(self):
        return self.name


class StoredChunk(models.Model):
    """DatabaseDeliveryStore: ``index``-th chunk of a blob's bytes."""

    blob = models.ForeignKey(StoredBlob, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["blob", "index"], name="storedchunk_unique_index")]

    def __str__(self):
        return f"{self.blob} [{self.index}]"


def remove_orphaned_bytes(store, key):
    """Remove bytes whose FileMeta is gone; a failure leaves an orphan for checkstore, never an error."""
    try:
        store.remove(key)
    except DeliveryStoreFileNotFound:
        pass
    except Exception:
        logger.exception(
            "Could not remove the bytes of key %s from %s; checkstore will report an orphan.", key, store.describe()
        )


@receiver(post_delete, sender=FileMeta, dispatch_uid="deliveries.filemeta.remove_bytes")
def remove_bytes_after_commit(sender, instance, using, **kwargs):
    """Bytes go only once the deletion of their row has committed: a rollback keeps both."""
    store = FileMeta.deliverystore
    key = store.key_for(instance)
    transaction.on_commit(lambda: remove_orphaned_bytes(store, key), using=using)


class MissingCopy(models.Model):
    """
    A copy a MirroredDeliveryStore could not write (a replica was down) while its setting let the
    write succeed with fewer copies. ``checkstore --deep --repair`` writes the copy and removes
    the record; the rolling scrub takes these files first.
    """

    key = models.CharField(max_length=128, help_text="The store key of the file (its FileMeta id).")
    copy = models.CharField(max_length=50, help_text="Which copy is missing, e.g. replica 1.")
    store = models.CharField(max_length=300, help_text="Where that copy lives.")
    reason = models.TextField(help_text="Why the copy could not be written.")
    recorded = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "missing copy"
        ordering = ["recorded", "pk"]
        constraints = [models.UniqueConstraint(fields=["key", "copy"], name="missingcopy_unique_key_copy")]

    def __str__(self):
        return f"{self.copy} lacks key {self.key}"


class StoreCheckRun(models.Model):
    """One run of ``manage.py checkstore``: when, how deep, against which store, and what it found."""

    class Level(models.TextChoices):
        PROBE = "probe", "Probe"
        LIGHT = "light", "Light"
        DEEP = "deep", "Deep"

    #: Problems kept on a run; the rest are counted in ``problems_total`` and ``summary``.
    MAX_PROBLEMS = 500

    started = models.DateTimeField(db_index=True)
    finished = models.DateTimeField()
    level = models.CharField(max_length=5, choices=Level)
    backend = models.CharField(max_length=200, help_text="Dotted path of the store class checked.")
    store = models.CharField(max_length=300, help_text="The store's own description (where its bytes live).")
    options = models.JSONField(default=dict, blank=True, help_text="Shard, since, jobs: what the run covered.")
    ok = models.BooleanField()
    exit_code = models.PositiveSmallIntegerField(help_text="0 healthy, 1 problems found, 2 could not check.")
    error = models.TextField(blank=True, help_text="Why the run could not check the store (exit code 2).")
    summary = models.JSONField(default=dict, blank=True)
    problems = models.JSONField(default=list, blank=True)
    problems_total = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "store check run"
        verbose_name_plural = "store health"
        ordering = ["-started", "-pk"]
        permissions = [("run_storecheck", "Can run a check of the store from the admin")]

    def __str__(self):
        return f"{self.get_level_display()} check of {self.store} at {self.started:%Y-%m-%d %H:%M}"


class BackgroundJob(models.Model):
    """
    Long work started in the admin and done by a task worker (``django.tasks``): what it is, who
    asked, how far it got and how it ended. The task updates the row as it goes; the admin's
    progress page reads it.
    """

    class Kind(models.TextChoices):
        VERIFY = "verify", "Verify files"
        LIGHT_CHECK = "light", "Light check of the store"
        DEEP_CHECK = "deep", "Deep check of the store"

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=10, choices=Kind)
    state = models.CharField(max_length=10, choices=State, default=State.QUEUED)
    task_id = models.CharField(max_length=64, blank=True, help_text="The task's result id in the task backend.")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    enqueued_at = models.DateTimeField("queued", default=timezone.now, db_index=True)
    started_at = models.DateTimeField("started", null=True)
    progressed_at = models.DateTimeField("last progress", null=True)
    finished_at = models.DateTimeField("finished", null=True)
    unit = models.CharField(max_length=10, default="files", help_text="What done and total count: files or bytes.")
    done = models.PositiveBigIntegerField(default=0)
    total = models.PositiveBigIntegerField(default=0)
    ok = models.BooleanField(null=True, help_text="Empty until finished: did everything check out?")
    outcome = models.TextField(blank=True, help_text="How it ended, in words.")
    filemetas = models.JSONField(default=list, blank=True, help_text="The ids of the files to verify.")
    per_delivery = models.BooleanField(
        default=False, help_text="Verifying deliveries: also a summary in each delivery's history."
    )
    check_run = models.ForeignKey(StoreCheckRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = "background work"
        verbose_name_plural = "background work"
        ordering = ["-enqueued_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.enqueued_at:%Y-%m-%d %H:%M})"

    @property
    def is_done(self):
        return self.state in (self.State.FINISHED, self.State.FAILED)

    def waiting_too_long(self, now, wait):
        """Queued for longer than ``wait`` (a timedelta): no worker seems to be running."""
        return self.state == self.State.QUEUED and now - self.enqueued_at > wait

    def stalled(self, now, wait):
        """Running, but no progress for longer than ``wait``: its worker may have been stopped."""
        return self.state == self.State.RUNNING and now - (self.progressed_at or self.enqueued_at) > wait
