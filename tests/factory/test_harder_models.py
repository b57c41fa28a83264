"""Harder real-world models: conditional and expression unique constraints, OR/NOT checks, limit_choices_to, short formats."""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import TestCase

from factory import Factory, UniqueExhaustedError, UnsatisfiableConstraintError
from tests.factoryapp.models import Account, Author, Checkout, Contact, Library, Loan, Tag, Ticket

HARD_MODELS = (Account, Ticket, Checkout, Loan, Contact)


class EveryHardModelTests(TestCase):
    def test_valid_and_saved_with_and_without_seed(self):
        """Every hard model is made valid (full_clean passes, the insert succeeds), 20 rows, seeded or not."""
        for model in HARD_MODELS:
            for seed in (None, 1, 2, 3):
                with self.subTest(model=model.__name__, seed=seed), transaction.atomic():
                    rows = Factory(seed=seed).make(20 if model is not Loan else 4, model)
                    for row in rows:
                        row.full_clean()
                    self.assertEqual(model.objects.count(), len(rows))
                    transaction.set_rollback(True)

    def test_bulk(self):
        """Bulk mode meets the same constraints (validated here with _validate=True)."""
        for model in HARD_MODELS:
            with self.subTest(model=model.__name__):
                self.assertEqual(len(Factory().make(5, model, _bulk=True, _validate=True)), 5)


class ExpressionUniqueTests(TestCase):
    def test_lower_email_counts_as_unique(self):
        """UniqueConstraint(Lower("email")) keeps email counter-backed even in a seeded factory."""
        emails = [row.email.lower() for row in Factory(seed=4).make(10, Account)]
        self.assertEqual(len(set(emails)), 10)

    def test_given_clash_is_refused_by_full_clean(self):
        """A given email differing only in case is refused by full_clean (positive control of the constraint)."""
        factory = Factory()
        factory.make_one(Account, email="Ann@example.com")
        with self.assertRaisesMessage(ValidationError, "account_email_ci"):
            factory.make_one(Account, email="ann@EXAMPLE.com")


class ConditionalUniqueTests(TestCase):
    def test_rows_kept_outside_the_condition(self):
        """With a shared owner, every account but none is primary: outside the condition, no clash."""
        owner = Factory().make_one(Author)
        for seed in (None, 1, 2):
            with self.subTest(seed=seed), transaction.atomic():
                rows = Factory(seed=seed).make(6, Account, owner=owner)
                self.assertLessEqual(sum(row.primary for row in rows), 1)
                transaction.set_rollback(True)

    def test_one_inside_allowed(self):
        """A given primary=True row is kept; the next rows stay outside."""
        owner = Factory().make_one(Author)
        factory = Factory()
        first = factory.make_one(Account, owner=owner, primary=True)
        self.assertTrue(first.primary)
        self.assertFalse(factory.make_one(Account, owner=owner).primary)

    def test_finite_domains_stay_outside(self):
        """Ticket: one pinned and one open at most; generated rows are never pinned nor open."""
        rows = Factory().make(10, Ticket)
        self.assertEqual({(row.pinned, row.status) for row in rows}, {(False, "closed")})

    def test_given_inside_twice_is_named(self):
        """A second row forced inside the condition raises UniqueExhaustedError naming model and set."""
        factory = Factory()
        factory.make_one(Ticket, status="open")
        with self.assertRaisesMessage(
            UniqueExhaustedError,
            "factoryapp.Ticket: the unique set (status) already holds the values given (status='open')",
        ):
            factory.make_one(Ticket, status="open")


class OrNotCheckTests(TestCase):
    def test_first_branch_that_works(self):
        """OR: the first branch that can be met is (a sale with a price); NOT bounds are met."""
        row = Factory().make_one(Checkout)
        self.assertEqual((row.kind, row.price, row.due), ("sale", Decimal("1.00"), None))
        self.assertGreaterEqual(row.copies, 10)

    def test_given_value_picks_the_other_branch(self):
        """kind="loan" given: the loan branch is met with a generated due date."""
        row = Factory().make_one(Checkout, kind="loan")
        self.assertEqual(row.due, datetime.date(2000, 1, 2))
        self.assertIsNone(row.price)

    def test_branch_that_keeps_other_constraints(self):
        """A repair that would break another constraint is not taken: many copies means no sale."""
        row = Factory().make_one(Checkout, copies=60)
        self.assertEqual(row.kind, "loan")
        row = Factory().make_one(Checkout, returned=datetime.date(2001, 1, 1), kind="loan")
        self.assertLessEqual(row.due, row.returned)

    def test_negated_text_lookup(self):
        """~Q(code__startswith="-") is met by changing the first character, keeping the length."""
        row = Factory(seed=2).make(5, Checkout)[0]
        self.assertFalse(row.code.startswith("-"))

    def test_given_values_violating_every_branch(self):
        """Given values no branch accepts raise UnsatisfiableConstraintError naming the constraint and values."""
        with self.assertRaisesMessage(
            UnsatisfiableConstraintError, "factoryapp.Checkout: CheckConstraint 'checkout_kind_needs'"
        ):
            Factory().make_one(Checkout, kind="sale", price=None)


class LimitChoicesToTests(TestCase):
    def test_new_targets_match(self):
        """New FK, O2O and M2M targets match their limit_choices_to; the loan passes full_clean."""
        loan = Factory().make_one(Loan)
        self.assertTrue(loan.library.open)
        self.assertGreaterEqual(loan.library.visitors, 100)
        self.assertTrue(loan.reader.name.startswith("A"))
        self.assertTrue(loan.clerk.is_staff)
        self.assertTrue(all(tag.name.endswith("!") for tag in loan.labels.all()))
        self.assertEqual(loan.labels.count(), 1)
        self.assertEqual(loan.branch.name, Library.objects.get(name=loan.branch_id).name)

    def test_given_target_outside_the_limit_is_refused(self):
        """A given target that does not match is refused by full_clean (positive control)."""
        with self.assertRaisesMessage(ValidationError, "reader"):
            Factory().make_one(Loan, reader=Factory().make_one(Author, name="Zed"))

    def test_limit_and_keywords(self):
        """Nested keywords still reach the target, limited values included."""
        loan = Factory().make_one(Loan, library__visitors=500, clerk__first_name="Kari")
        self.assertEqual((loan.library.visitors, loan.clerk.first_name, loan.clerk.is_staff), (500, "Kari", True))

    def test_prepare_related(self):
        """prepare_one(_related=True) prepares matching targets too."""
        loan = Factory().prepare_one(Loan, _related=True)
        self.assertTrue(loan.clerk.is_staff)
        self.assertIsInstance(loan.clerk, get_user_model())

    def test_tag_limit_with_m2m_keywords(self):
        """M2M targets made for the relation match it; given ones are taken as they are."""
        tag = Factory().make_one(Tag, name="given")
        self.assertEqual([t.name for t in Factory().make_one(Loan, labels=[tag]).labels.all()], ["given"])


class ShortFormatTests(TestCase):
    def test_short_email_url_slug(self):
        """Emails in 8 and 6 characters, URLs in 12, slugs in 4: valid and distinct over 200 rows."""
        rows = Factory().make(200, Contact)
        for field in ("email", "site", "slug"):
            with self.subTest(field=field):
                self.assertEqual(len({getattr(row, field) for row in rows}), 200)
        self.assertEqual((rows[0].email, rows[0].tiny_email, rows[0].site), ("1@x.io", "1@x.io", "http://1.io"))
        self.assertLessEqual(max(len(row.email) for row in rows), 8)
