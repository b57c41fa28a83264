"""Test models for factory/: one per case the factory must handle."""

import datetime
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.core import validators
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.text import slugify

from factory import Derived, Sequence

from .fields import LegacyIntegerField, OpaqueField, UpperCharField

FILES_DIR = Path(__file__).resolve().parent / "files"


def files_dir():
    """FilePathField's path, as a callable so migrations do not record this checkout's location."""
    return str(FILES_DIR)


# --- the benchmark pair: 5 fields and one FK -----------------------------------------------------


class Author(models.Model):
    name = models.CharField(max_length=100)


class Book(models.Model):
    title = models.CharField(max_length=100)
    pages = models.IntegerField()
    price = models.DecimalField(max_digits=8, decimal_places=2)
    published = models.DateField()
    is_active = models.BooleanField()
    author = models.ForeignKey(Author, on_delete=models.CASCADE)


class AuthorProxy(Author):
    class Meta:
        proxy = True


# --- every field type -------------------------------------------------------------------------


class AllFields(models.Model):
    big = models.BigIntegerField()
    binary = models.BinaryField(max_length=12)
    boolean = models.BooleanField()
    char = models.CharField(max_length=6)
    date = models.DateField()
    datetime = models.DateTimeField()
    decimal = models.DecimalField(max_digits=5, decimal_places=2)
    duration = models.DurationField()
    email = models.EmailField(max_length=24)
    floating = models.FloatField()
    ip_both = models.GenericIPAddressField()
    ip_v4 = models.GenericIPAddressField(protocol="IPv4")
    ip_v6 = models.GenericIPAddressField(protocol="IPv6")
    integer = models.IntegerField()
    json = models.JSONField()
    positive_big = models.PositiveBigIntegerField()
    positive = models.PositiveIntegerField()
    positive_small = models.PositiveSmallIntegerField()
    slug = models.SlugField(max_length=10)
    small = models.SmallIntegerField()
    text = models.TextField()
    time = models.TimeField()
    url = models.URLField(max_length=30)
    uuid = models.UUIDField()
    upper = UpperCharField(max_length=20)
    legacy = LegacyIntegerField()


class Opaque(models.Model):
    blob = OpaqueField()


class Attachment(models.Model):
    document = models.FileField(upload_to="docs")
    picture = models.ImageField(upload_to="pictures", width_field="picture_width", height_field="picture_height")
    picture_width = models.PositiveIntegerField(null=True, blank=True)
    picture_height = models.PositiveIntegerField(null=True, blank=True)
    source = models.FilePathField(path=files_dir, match=r"\.txt$", recursive=True, max_length=300)
    folder = models.FilePathField(path=files_dir, allow_files=False, allow_folders=True, max_length=300)


class Computed(models.Model):
    width = models.IntegerField()
    height = models.IntegerField()
    area = models.GeneratedField(
        expression=F("width") * F("height"), output_field=models.IntegerField(), db_persist=True
    )
    answer = models.IntegerField(db_default=42)
    created = models.DateTimeField(auto_now_add=True)


class Release(models.Model):
    pk = models.CompositePrimaryKey("product", "version")
    product = models.CharField(max_length=20)
    version = models.PositiveSmallIntegerField()
    notes = models.TextField()


# --- null, blank, defaults, choices, validators --------------------------------------------------


def default_label():
    return "made"


class Optional(models.Model):
    null_and_blank = models.CharField(max_length=20, null=True, blank=True)
    null_only = models.CharField(max_length=20, null=True)
    blank_only = models.CharField(max_length=20, blank=True)
    with_default = models.IntegerField(default=7)
    with_callable_default = models.CharField(max_length=20, default=default_label)
    optional_author = models.ForeignKey(Author, null=True, blank=True, on_delete=models.SET_NULL)
    nullable_author = models.ForeignKey(Author, null=True, on_delete=models.SET_NULL, related_name="+")


class Choicy(models.Model):
    status = models.CharField(max_length=10, choices=[("draft", "Draft"), ("live", "Live")])
    priority = models.IntegerField(choices=[(3, "Low"), (1, "High")])
    grouped = models.CharField(max_length=5, choices=[("Audio", [("cd", "CD"), ("lp", "Vinyl")]), ("dvd", "DVD")])
    blank_first = models.CharField(max_length=5, choices=[("", "---"), ("x", "X")])


class Validated(models.Model):
    code = models.CharField(max_length=10, validators=[validators.RegexValidator(r"^[A-Z]{3}[0-9]+$")])
    digits = models.CharField(max_length=8, validators=[validators.RegexValidator(r"^[0-9]+$")])
    score = models.IntegerField(validators=[validators.MinValueValidator(10), validators.MaxValueValidator(20)])
    long_text = models.CharField(max_length=40, validators=[validators.MinLengthValidator(25)])
    price = models.DecimalField(
        max_digits=4, decimal_places=2, validators=[validators.MinValueValidator(Decimal("0.50"))]
    )
    ratio = models.FloatField(validators=[validators.MaxValueValidator(2.0)])


class Impossible(models.Model):
    short = models.CharField(max_length=20, validators=[validators.MinLengthValidator(25)])
    level = models.IntegerField(validators=[validators.MinValueValidator(10), validators.MaxValueValidator(5)])


# --- unique sets and check constraints -------------------------------------------------------------

LEVELS = [("low", "Low"), ("high", "High")]


class UniqueFlags(models.Model):
    flag = models.BooleanField()
    level = models.CharField(max_length=5, choices=LEVELS)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["flag", "level"], name="uniqueflags_flag_level")]


class UniqueTogether(models.Model):
    author = models.ForeignKey(Author, on_delete=models.CASCADE)
    flag = models.BooleanField()

    class Meta:
        unique_together = [("author", "flag")]


class UniqueColumns(models.Model):
    name = models.CharField(max_length=8, unique=True)
    number = models.SmallIntegerField(unique=True)
    day = models.DateField(unique=True)


class Seat(models.Model):
    number = models.PositiveSmallIntegerField(unique=True, validators=[validators.MaxValueValidator(3)])


class Switch(models.Model):
    on = models.BooleanField(unique=True)


class Checked(models.Model):
    amount = models.IntegerField()
    low = models.DecimalField(max_digits=6, decimal_places=2)
    start = models.DateTimeField()
    end = models.DateTimeField()
    kind = models.CharField(max_length=5)
    first = models.DateField()
    last = models.DateField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=1000), name="checked_amount"),
            models.CheckConstraint(condition=Q(low__range=(Decimal("-5"), Decimal("-1"))), name="checked_low"),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="checked_end_after_start"),
            models.CheckConstraint(condition=Q(kind__in=["a", "b"]), name="checked_kind"),
            models.CheckConstraint(condition=Q(last__gte=F("first") + datetime.timedelta(days=7)), name="checked_week"),
        ]


class Unsatisfiable(models.Model):
    value = models.IntegerField()
    other = models.IntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(value__gt=F("other")) & Q(other__gt=F("value")), name="unsatisfiable"),
        ]


# --- relations ---------------------------------------------------------------------------------------


class Node(models.Model):
    name = models.CharField(max_length=20)
    parent = models.ForeignKey("self", null=True, on_delete=models.CASCADE, related_name="children")


class Chicken(models.Model):
    egg = models.ForeignKey("Egg", null=True, on_delete=models.SET_NULL, related_name="+")


class Egg(models.Model):
    chicken = models.ForeignKey(Chicken, on_delete=models.CASCADE, related_name="eggs")


class Ouroboros(models.Model):
    tail = models.ForeignKey("self", on_delete=models.CASCADE)


class Profile(models.Model):
    owner = models.OneToOneField(Author, on_delete=models.CASCADE)
    bio = models.TextField()


class Tag(models.Model):
    name = models.CharField(max_length=20)


class Article(models.Model):
    title = models.CharField(max_length=50)
    tags = models.ManyToManyField(Tag)
    nullable_tags = models.ManyToManyField(
        Tag, null=True, related_name="+"
    )  # Django ignores null on M2M (W340); the factory reads it as "none"

    class Factory:
        number_of_tags = 2


class Pal(models.Model):
    name = models.CharField(max_length=20)
    friends = models.ManyToManyField("self", symmetrical=False)


class Person(models.Model):
    name = models.CharField(max_length=50)


class Club(models.Model):
    name = models.CharField(max_length=50)
    members = models.ManyToManyField(Person, through="Membership", through_fields=("club", "person"))

    class Factory:
        @staticmethod
        def number_of_members():
            return 2


class Membership(models.Model):
    club = models.ForeignKey(Club, on_delete=models.CASCADE)
    person = models.ForeignKey(Person, on_delete=models.CASCADE)
    inviter = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(max_length=10, choices=[("member", "Member"), ("chair", "Chair")])


class Post(models.Model):
    title = models.CharField(max_length=50)
    comments = GenericRelation("Comment")


class Comment(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveIntegerField()
    content_object = GenericForeignKey("content_type", "object_id")
    text = models.CharField(max_length=50)


class Flag(models.Model):
    """A GenericForeignKey that no model points back to."""

    kind = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    target_id = models.CharField(max_length=40)
    target = GenericForeignKey("kind", "target_id")


class Place(models.Model):
    name = models.CharField(max_length=50, unique=True)


class Restaurant(Place):
    serves_pizza = models.BooleanField()
    rating = models.PositiveSmallIntegerField(validators=[validators.MaxValueValidator(5)])


# --- the hooks: nested Factory classes, as in django_factory's README ----------------------------


class Member(models.Model):
    name = models.CharField(max_length=100)
    active = models.BooleanField()

    class Factory:
        @staticmethod
        def get_active(field, factory):
            return True

        @staticmethod
        def get_name(field, factory):
            return field.name


class Team(models.Model):
    people = models.ManyToManyField(Member)
    mascots = models.ManyToManyField(Tag)
    leader = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="led")

    class Factory:
        number_of_people = 5

        @staticmethod
        def get_leader(field, factory):
            return factory.prepare_one(Member, name="Leader")


class Volunteer(models.Model):
    name = models.CharField(max_length=100)
    active = models.BooleanField()

    class Factory:
        @staticmethod
        def make_instance(factory, name=None, active=None):
            if name is None:
                name = factory.getUniqueUnicode(prefix="name")
            if active is None:
                active = True
            return Volunteer(name=name, active=active)


# --- states, sequences, derived values, after-make hooks, get_or_create --------------------------


def add_shelves(library, factory):
    """The "with_shelves" state's after-make hook: two shelves in the new library."""
    factory.make(2, Shelf, library=library)


class Library(models.Model):
    name = models.CharField(max_length=50, unique=True)
    slug = models.SlugField(max_length=60)
    city = models.CharField(max_length=30)
    open = models.BooleanField()
    visitors = models.PositiveIntegerField()

    class Factory:
        get_name = Sequence("Library {n}")
        get_slug = Derived(lambda library: slugify(library.name))
        get_or_create = ("name",)
        states = {
            "closed": {"open": False, "visitors": 0},
            "busy": {"open": True, "visitors": 10_000},
            "in_oslo": {"city": "Oslo"},
            "busy_in_oslo": {"_states": ["busy", "in_oslo"], "visitors": 20_000},
            "with_shelves": {"_after_make": add_shelves},
        }


class Shelf(models.Model):
    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="shelves")
    label = models.CharField(max_length=20)
    tags = models.ManyToManyField(Tag, blank=True, related_name="shelves")

    class Factory:
        number_of_tags = 0

        @staticmethod
        def after_make(shelf, factory):
            shelf.tags.add(factory.make_one(Tag, name=shelf.label))


# --- harder real-world models --------------------------------------------------------------------


class Account(models.Model):
    """Expression-based and conditional unique constraints."""

    owner = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="accounts")
    email = models.EmailField(max_length=40)
    handle = models.CharField(max_length=20)
    primary = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="account_email_ci"),
            models.UniqueConstraint(Lower("handle"), "owner", name="account_handle_per_owner"),
            models.UniqueConstraint(fields=["owner"], condition=Q(primary=True), name="account_one_primary"),
        ]


TICKET_STATUSES = [("open", "Open"), ("closed", "Closed"), ("held", "Held")]


class Ticket(models.Model):
    """Conditional unique constraints over booleans and choices: rows outside the condition do not count."""

    title = models.CharField(max_length=30)
    pinned = models.BooleanField()
    status = models.CharField(max_length=6, choices=TICKET_STATUSES)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pinned"], condition=Q(pinned=True), name="ticket_one_pinned"),
            models.UniqueConstraint(fields=["status"], condition=Q(status="open"), name="ticket_one_open"),
        ]


class Checkout(models.Model):
    """CheckConstraints combining conditions with OR and NOT."""

    kind = models.CharField(max_length=4, choices=[("loan", "Loan"), ("sale", "Sale")])
    price = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    due = models.DateField(null=True, blank=True)
    returned = models.DateField(null=True, blank=True)
    copies = models.IntegerField()
    code = models.CharField(max_length=10)

    class Meta:
        constraints = [
            # A sale has a price, a loan a due date.
            models.CheckConstraint(
                condition=Q(kind="sale", price__isnull=False) | Q(kind="loan", due__isnull=False),
                name="checkout_kind_needs",
            ),
            # Returned on or after the due date, when both are set.
            models.CheckConstraint(
                condition=Q(returned__isnull=True) | Q(due__isnull=True) | Q(returned__gte=F("due")),
                name="checkout_returned_after_due",
            ),
            models.CheckConstraint(condition=~Q(copies__lt=10), name="checkout_at_least_ten"),
            models.CheckConstraint(condition=~Q(code="") & ~Q(code__startswith="-"), name="checkout_code"),
            models.CheckConstraint(condition=~(Q(kind="sale") & Q(copies__gt=50)), name="checkout_sale_copies"),
        ]


class Loan(models.Model):
    """limit_choices_to on a ForeignKey, a OneToOneField and a ManyToManyField; a to_field FK."""

    library = models.ForeignKey(
        Library, on_delete=models.CASCADE, limit_choices_to=Q(open=True) & Q(visitors__gte=100), related_name="loans"
    )
    reader = models.ForeignKey(Author, on_delete=models.CASCADE, limit_choices_to={"name__startswith": "A"})
    clerk = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, limit_choices_to={"is_staff": True}
    )
    labels = models.ManyToManyField(Tag, limit_choices_to=Q(name__endswith="!"), related_name="loans")
    branch = models.ForeignKey(Library, to_field="name", on_delete=models.CASCADE, related_name="branch_loans")


class Contact(models.Model):
    """Formatted strings in short columns; unique_for_date."""

    email = models.EmailField(max_length=8, unique=True)
    tiny_email = models.EmailField(max_length=6)
    site = models.URLField(max_length=12, unique=True)
    slug = models.SlugField(max_length=4, unique=True)
    headline = models.CharField(max_length=20, unique_for_date="day")
    day = models.DateField()
