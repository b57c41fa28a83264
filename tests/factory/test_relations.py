"""Relations: FK/O2O targets, keywords, cycles, reverse sets, M2M, through models, generic relations, inheritance."""

from django.contrib.contenttypes.models import ContentType
from django.test import TestCase

from factory import Factory, RelationCycleError
from tests.factoryapp.models import (
    Article,
    Author,
    AuthorProxy,
    Book,
    Chicken,
    Club,
    Comment,
    Flag,
    Member,
    Membership,
    Node,
    Optional,
    Ouroboros,
    Pal,
    Person,
    Place,
    Post,
    Profile,
    Restaurant,
    Tag,
    Team,
)


class ForeignKeyTests(TestCase):
    def test_fk_target_created(self):
        """A required FK gets a new, saved target."""
        book = Factory().make_one(Book)
        self.assertEqual(book.author.name, "name-1")
        self.assertIsNotNone(book.author.pk)

    def test_fk_given(self):
        """A given target is used as is, no other row made."""
        author = Factory().make_one(Author)
        book = Factory().make_one(Book, author=author)
        self.assertEqual(book.author, author)
        self.assertEqual(Author.objects.count(), 1)

    def test_fk_id_given(self):
        """<fk>_id= is honoured and makes no target."""
        author = Factory().make_one(Author)
        book = Factory().make_one(Book, author_id=author.pk)
        self.assertEqual(book.author_id, author.pk)
        self.assertEqual(Author.objects.count(), 1)

    def test_nested_keywords(self):
        """fk__field= goes to the created target."""
        self.assertEqual(Factory().make_one(Book, author__name="Herbert").author.name, "Herbert")

    def test_unsaved_given_target_is_saved(self):
        """An unsaved target passed in is saved first."""
        factory = Factory()
        book = factory.make_one(Book, author=factory.prepare_one(Author))
        self.assertIsNotNone(book.author.pk)

    def test_fk_none_given(self):
        """fk=None leaves the FK empty (full_clean() then decides, as for any given value)."""
        self.assertIsNone(Factory().make_one(Optional, nullable_author=None, _validate=False).nullable_author)
        self.assertIsNone(Factory().make_one(Optional, optional_author=None).optional_author)

    def test_null_and_blank_fk_empty_null_only_filled(self):
        """An FK with null and blank stays empty; with null only it gets a target."""
        row = Factory().make_one(Optional)
        self.assertIsNone(row.optional_author)
        self.assertIsNotNone(row.nullable_author)

    def test_hook_fk_saved(self):
        """get_<fk> may return an unsaved instance; make_one saves it."""
        team = Factory().make_one(Team)
        self.assertEqual(team.leader.name, "Leader")
        self.assertIsNotNone(team.leader.pk)

    def test_one_to_one(self):
        """Each O2O gets its own target."""
        profiles = Factory().make(3, Profile)
        self.assertEqual(len({p.owner_id for p in profiles}), 3)

    def test_make_one_queries(self):
        """make_one(Book) costs two INSERTs: the FK target is not re-validated."""
        factory = Factory()
        with self.assertNumQueries(2):
            factory.make_one(Book)


class CycleTests(TestCase):
    def test_self_reference_ends_on_nullable_side(self):
        """A nullable self-FK ends at once with None."""
        self.assertIsNone(Factory().make_one(Node).parent)

    def test_cycle_ends_on_nullable_side(self):
        """Chicken -> Egg -> Chicken: the second chicken's nullable egg is None."""
        chicken = Factory().make_one(Chicken)
        self.assertIsNotNone(chicken.egg)
        self.assertNotEqual(chicken.egg.chicken, chicken)
        self.assertIsNone(chicken.egg.chicken.egg)

    def test_cycle_without_nullable_link(self):
        """A non-nullable self-FK raises RelationCycleError naming the field."""
        with self.assertRaisesMessage(RelationCycleError, "factoryapp.Ouroboros.tail: the foreign keys"):
            Factory().make_one(Ouroboros)


class ReverseSetTests(TestCase):
    def test_reverse_fk_count(self):
        """<accessor>=n makes n children pointing at the new instance."""
        author = Factory().make_one(Author, book_set=3)
        self.assertEqual(author.book_set.count(), 3)
        self.assertEqual(Author.objects.count(), 1)

    def test_reverse_fk_instances(self):
        """<accessor>=[...] attaches the given (even unsaved) children."""
        factory = Factory()
        node = factory.make_one(Node, children=[factory.prepare_one(Node), factory.make_one(Node)])
        self.assertEqual(node.children.count(), 2)

    def test_reverse_one_to_one(self):
        """A reverse O2O accepts one instance."""
        factory = Factory()
        author = factory.make_one(Author, profile=factory.prepare_one(Profile, owner=None))
        self.assertEqual(Profile.objects.get().owner, author)


class ManyToManyTests(TestCase):
    def test_number_of(self):
        """number_of_<m2m> sets how many targets are made (default 1); null M2M gets none."""
        article = Factory().make_one(Article)
        self.assertEqual(article.tags.count(), 2)
        self.assertEqual(article.nullable_tags.count(), 0)
        self.assertEqual(Factory().make_one(Team).people.count(), 5)

    def test_given_list_and_empty_list(self):
        """A given list is used; [] means none, and other M2Ms are still filled."""
        factory = Factory()
        tag = factory.make_one(Tag)
        self.assertEqual(list(factory.make_one(Article, tags=[tag]).tags.all()), [tag])
        self.assertEqual(factory.make_one(Article, tags=[]).tags.count(), 0)
        team = factory.make_one(Team, people=[])
        self.assertEqual((team.people.count(), team.mascots.count()), (0, 1))

    def test_nested_keywords_for_targets(self):
        """m2m__field= goes to every created target."""
        article = Factory().make_one(Article, tags__name="x")
        self.assertEqual([t.name for t in article.tags.all()], ["x", "x"])

    def test_self_m2m_one_level(self):
        """A self M2M makes one target, whose own M2M stays empty."""
        pal = Factory().make_one(Pal)
        friend = pal.friends.get()
        self.assertEqual(friend.friends.count(), 0)

    def test_through_fields(self):
        """A through model with two FKs to one side uses through_fields; extra fields generated."""
        club = Factory().make_one(Club)
        memberships = Membership.objects.filter(club=club)
        self.assertEqual(memberships.count(), 2)
        self.assertEqual(club.members.count(), 2)
        for membership in memberships:
            self.assertNotEqual(membership.person, membership.inviter)
            self.assertEqual(membership.role, "member")

    def test_through_given_targets(self):
        """Given targets get through rows with generated extras."""
        factory = Factory()
        people = factory.make(3, Person)
        club = factory.make_one(Club, members=people)
        self.assertEqual(set(club.members.all()), set(people))


class GenericRelationTests(TestCase):
    def test_content_object_is_real(self):
        """A GenericForeignKey points at a real object of a model with a matching GenericRelation."""
        comment = Factory().make_one(Comment)
        self.assertIsInstance(comment.content_object, Post)
        self.assertEqual(list(comment.content_object.comments.all()), [comment])

    def test_content_object_given(self):
        """content_object= sets the content type and id."""
        factory = Factory()
        post = factory.make_one(Post)
        self.assertEqual(factory.make_one(Comment, content_object=post).content_object, post)

    def test_no_generic_relation_falls_back_to_content_type(self):
        """With no GenericRelation pointing back, the target is a real ContentType row."""
        flag = Factory().make_one(Flag)
        self.assertEqual(flag.target, ContentType.objects.get_for_model(Flag))

    def test_generic_relation_reverse_set(self):
        """A GenericRelation accepts a count of new children."""
        post = Factory().make_one(Post, comments=2)
        self.assertEqual(post.comments.count(), 2)

    def test_no_bogus_content_types(self):
        """No ContentType rows are invented."""
        before = ContentType.objects.count()
        Factory().make(3, Comment)
        self.assertEqual(ContentType.objects.count(), before)


class InheritanceTests(TestCase):
    def test_multi_table_child(self):
        """An MTI child gets one parent row, its parent's fields filled, the link skipped."""
        restaurant = Factory().make_one(Restaurant)
        self.assertEqual(Place.objects.count(), 1)
        self.assertEqual(restaurant.name, "name-1")
        self.assertEqual(restaurant.rating, 1)

    def test_parent_and_child_share_unique_counters(self):
        """Parent fields count across parent and child rows, so unique names never collide."""
        factory = Factory()
        factory.make_one(Place)
        self.assertEqual(factory.make_one(Restaurant).name, "name-2")

    def test_proxy(self):
        """A proxy model is made through its concrete model."""
        proxy = Factory().make_one(AuthorProxy)
        self.assertIsInstance(proxy, AuthorProxy)
        self.assertEqual(Author.objects.get().name, proxy.name)

    def test_hook_member_name(self):
        """The nested get_<field> receives the field (get_name returns field.name)."""
        self.assertEqual(Factory().make_one(Member).name, "name")
