"""deliveries.access: who sees which rows, which bytes and whose names."""

from django.contrib.auth.models import AnonymousUser
from django.test import TestCase

from deliveries import access
from deliveries.models import Assignment, AssignmentGroup, Candidate, Delivery, FileMeta, Period, Subject
from deliveries.stores import MemoryDeliveryStore, swap_deliverystore
from deliveries.testhelpers import make_delivery
from tests.support.admin_fixtures import make_examiner, make_student, make_user

SCOPED = [Assignment, AssignmentGroup, Candidate, Delivery, FileMeta]
PARENTS = [Subject, Period]


def rows_of(delivery):
    """{model: pks} of every row above and under ``delivery``."""
    group = delivery.assignment_group
    assignment = group.assignment
    return {
        Subject: {assignment.period.subject_id},
        Period: {assignment.period_id},
        Assignment: {assignment.pk},
        AssignmentGroup: {group.pk},
        Candidate: set(group.candidate_set.values_list("pk", flat=True)),
        Delivery: {delivery.pk},
        FileMeta: set(delivery.filemetas.values_list("pk", flat=True)),
    }


class AccessMixin:
    def setUp(self):
        super().setUp()
        self.enterContext(swap_deliverystore(FileMeta, MemoryDeliveryStore()))
        self.mine = make_delivery("mine")
        self.mine.add_file("a.txt", [b"a"])
        self.theirs = make_delivery("theirs")
        self.theirs.add_file("b.txt", [b"b"])
        self.group, self.other_group = self.mine.assignment_group, self.theirs.assignment_group
        self.amira = make_student(self.group, "amira.khan", "Amira", "Khan", candidate_id="EXAM-4711")
        make_student(self.other_group, "bo.berg", "Bo", "Berg", candidate_id="EXAM-0815")
        self.examiner = make_examiner("examiner", self.group)


class TestRows(AccessMixin, TestCase):
    def test_examiner_sees_own_groups_rows(self):
        """An examiner without permissions sees exactly the rows of their group, and of its parents."""
        expected = rows_of(self.mine)
        for model in SCOPED + PARENTS:
            with self.subTest(model=model.__name__):
                seen = set(access.visible(self.examiner, model.objects.all()).values_list("pk", flat=True))
                self.assertEqual(seen, expected[model])

    def test_everything_for_holders_of_the_permission(self):
        """The global view (or change) permission on a model, or superuser status, shows all its rows."""
        superuser = make_user("root", superuser=True)
        for model in SCOPED + PARENTS:
            name = model._meta.model_name
            for user in (superuser, make_user(f"view-{name}", perms=[f"view_{name}"])):
                with self.subTest(model=model.__name__, user=user.username):
                    self.assertEqual(access.visible(user, model.objects.all()).count(), model.objects.count())
        changer = make_user("changer", perms=["change_delivery"])
        self.assertEqual(access.visible(changer, Delivery.objects.all()).count(), 2)

    def test_nothing_for_others(self):
        """Staff who examine nothing and hold no permission, and non-staff or inactive examiners, see no row."""
        inactive = make_examiner("inactive", self.group)
        inactive.is_active = False
        student_examiner = make_examiner("student-examiner", self.group)
        student_examiner.is_staff = False
        for user in (make_user("nobody"), inactive, student_examiner, AnonymousUser()):
            for model in SCOPED + PARENTS:
                with self.subTest(user=str(user), model=model.__name__):
                    self.assertFalse(access.visible(user, model.objects.all()).exists())
                    self.assertFalse(access.may_view(user, model))

    def test_rows_never_repeat(self):
        """An examiner of two groups of one assignment sees that assignment (and period, subject) once."""
        second = AssignmentGroup.objects.create(assignment=self.group.assignment, name="second")
        second.examiners.add(self.examiner)
        for model in (Assignment, Period, Subject):
            with self.subTest(model=model.__name__):
                self.assertEqual(access.visible(self.examiner, model.objects.all()).count(), 1)
        self.assertEqual(access.visible(self.examiner, AssignmentGroup.objects.all()).count(), 2)

    def test_may_view(self):
        """Examiners open the lists of the models under their groups, not of periods or subjects."""
        for model in SCOPED:
            with self.subTest(model=model.__name__):
                self.assertTrue(access.may_view(self.examiner, model))
        for model in PARENTS:
            with self.subTest(model=model.__name__):
                self.assertFalse(access.may_view(self.examiner, model))
                self.assertTrue(
                    access.may_view(make_user(f"v-{model.__name__}", perms=[f"view_{model._meta.model_name}"]), model)
                )

    def test_can_see(self):
        """One object: the examiner's own yes, another group's no; the answer is the same as visible()'s."""
        for model in SCOPED:
            own = model.objects.filter(pk__in=rows_of(self.mine)[model]).first()
            other = model.objects.filter(pk__in=rows_of(self.theirs)[model]).first()
            with self.subTest(model=model.__name__):
                self.assertTrue(access.can_see(self.examiner, own))
                self.assertFalse(access.can_see(self.examiner, other))


class TestBytes(AccessMixin, TestCase):
    def test_bytes_need_files_and_the_model(self):
        """A delivery's bytes: the global permissions on deliveries and files, or examining its group."""
        deliveries_only = make_examiner("deliveries-only", self.group, perms=["view_delivery"])
        files_only = make_user("files-only", perms=["view_filemeta"])
        both = make_user("both", perms=["view_filemeta", "view_delivery"])
        cases = [
            (self.examiner, self.mine, True),
            (self.examiner, self.theirs, False),
            (deliveries_only, self.mine, True),
            (deliveries_only, self.theirs, False),  # sees the delivery, not its files
            (files_only, self.mine, False),  # sees the files, not the delivery
            (both, self.theirs, True),
        ]
        for user, delivery, expected in cases:
            with self.subTest(user=user.username, delivery=str(delivery)):
                self.assertEqual(access.can_see_bytes(user, delivery), expected)
        self.assertTrue(access.can_see(deliveries_only, self.theirs))
        self.assertTrue(access.can_see_bytes(files_only, self.theirs.filemetas.get()))
        self.assertEqual(
            list(access.visible(deliveries_only, Delivery.objects.all(), [Delivery, FileMeta])), [self.mine]
        )

    def test_may_see_bytes(self):
        """Bytes at all: the view permission on files, or examining some group."""
        self.assertTrue(access.may_see_bytes(self.examiner))
        self.assertTrue(access.may_see_bytes(make_user("files", perms=["view_filemeta"])))
        self.assertFalse(access.may_see_bytes(make_user("deliveries", perms=["view_delivery"])))
        self.assertFalse(access.may_see_bytes(make_user("nobody")))


class TestCost(AccessMixin, TestCase):
    def test_permission_holders_cost_no_query(self):
        """Superusers and permission holders are answered without a query."""
        superuser = make_user("root", superuser=True)
        filemeta = self.theirs.filemetas.get()
        superuser = type(superuser).objects.get(pk=superuser.pk)
        with self.assertNumQueries(0):
            self.assertTrue(access.can_see(superuser, filemeta))
            self.assertTrue(access.can_see_bytes(superuser, self.theirs))
            access.visible(superuser, FileMeta.objects.all())

    def test_examiner_costs_one_query_per_object(self):
        """An examiner: one query for "examines anything?" per request, one per object, remembered on it."""
        examiner = type(self.examiner).objects.get(pk=self.examiner.pk)
        examiner.get_all_permissions()  # the permission cache, as the admin has loaded it by then
        with self.assertNumQueries(2):
            self.assertTrue(access.can_see(examiner, self.mine))
        with self.assertNumQueries(0):
            self.assertTrue(access.can_see(examiner, self.mine))
        with self.assertNumQueries(1):
            self.assertEqual(list(access.visible(examiner, Delivery.objects.all())), [self.mine])


class TestNames(AccessMixin, TestCase):
    def setUp(self):
        super().setUp()
        self.assignment = self.group.assignment
        self.assignment.anonymous = True
        self.assignment.save()
        self.candidate = self.amira.candidacies.get()
        self.administrator = make_user("administrator", perms=["change_assignment"])
        self.superuser = make_user("root", superuser=True)

    def test_shows_names(self):
        """On an anonymous assignment only administrators see names; elsewhere everyone who sees the group."""
        other_assignment = self.other_group.assignment
        viewer = make_user("viewer", perms=["view_filemeta", "view_delivery", "view_assignment"])
        for user, anonymous, expected in [
            (self.examiner, self.assignment, False),
            (viewer, self.assignment, False),
            (self.administrator, self.assignment, True),
            (self.superuser, self.assignment, True),
            (self.examiner, other_assignment, True),
        ]:
            with self.subTest(user=user.username, assignment=str(anonymous)):
                self.assertEqual(access.shows_names(user, anonymous), expected)

    def test_labels(self):
        """The examiner reads the candidate id; an administrator the name, username and candidate id."""
        self.assertEqual(access.student_label(self.examiner, self.candidate, self.assignment), "EXAM-4711")
        self.assertEqual(
            access.student_label(self.administrator, self.candidate, self.assignment),
            "Amira Khan (amira.khan) [EXAM-4711]",
        )
        bo = Candidate.objects.get(user__username="bo.berg")
        self.assertEqual(access.student_label(self.examiner, bo, bo.assignment_group.assignment), "Bo Berg (bo.berg)")
        Candidate.objects.filter(pk=self.candidate.pk).update(candidate_id="")
        self.candidate.refresh_from_db()
        self.assertEqual(
            access.student_label(self.examiner, self.candidate, self.assignment), f"candidate #{self.candidate.pk}"
        )

    def test_person_label(self):
        """Who delivered: a candidate as student_label has it, staff by name, anyone else hidden on an anonymous assignment."""
        self.assertEqual(access.person_label(self.examiner, self.amira, self.group), "EXAM-4711")
        self.assertEqual(
            access.person_label(self.administrator, self.amira, self.group), "Amira Khan (amira.khan) [EXAM-4711]"
        )
        self.assertEqual(access.person_label(self.examiner, self.administrator, self.group), "administrator")
        outsider = make_student(self.other_group, "cy.cole", "Cy", "Cole")
        self.assertEqual(
            access.person_label(self.examiner, outsider, self.group), "someone who is not a candidate (name hidden)"
        )
        self.assertEqual(access.person_label(self.examiner, None, self.group), "-")

    def test_name_search_condition(self):
        """names_visible keeps a name search to the assignments where the user sees names."""
        by_username = Candidate.objects.filter(user__username="amira.khan")
        self.assertFalse(by_username.filter(access.names_visible(self.examiner, "assignment_group")).exists())
        self.assertTrue(by_username.filter(access.names_visible(self.administrator, "assignment_group")).exists())
        self.assertTrue(
            Candidate.objects.filter(user__username="bo.berg")
            .filter(access.names_visible(self.examiner, "assignment_group"))
            .exists()
        )

    def test_candidate_str_never_names(self):
        """A Candidate's str (what history records show) is its candidate id, never the student's name."""
        self.assertEqual(str(self.candidate), "EXAM-4711")
        nameless = Candidate.objects.create(assignment_group=self.other_group, user=self.administrator)
        self.assertEqual(str(nameless), f"candidate #{nameless.pk}")
        self.assertNotIn("administrator", str(nameless))
