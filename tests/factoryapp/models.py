"""Test models for factory/: one per case the factory must handle."""

import datetime
from decimal import Decimal
from pathlib import Path

from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.core import validators
from django.db import models
from django.db.models import F, Q

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
