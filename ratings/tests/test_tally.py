"""The 好差评 tallies (ADR 0034): whatever happens to ratings through the services (each level,
a rectification's steps, an appeal upheld or dismissed, another matter, another department),
the figures read from the tallies are those counted from the rows; the rebuild (and its
command) and the migration that created the table count the same."""

from __future__ import annotations

import importlib
from io import StringIO
from typing import Any

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from cases.models import Case
from catalog.models import Matter
from portal.test import BaseTestCase
from ratings.models import AppealStatus, Rating, RatingLevel, RatingTally, Rectification, RectificationStatus
from ratings.selectors import _rating_figures_counted, rating_figures
from ratings.services import (
    appeal_decide,
    appeal_file,
    rating_tallies_rebuild,
    rectification_follow_up,
    rectification_reply,
)
from ratings.tests.builders import case_ended, rating_of


def tallies() -> list[tuple[int, int, int, int, int]]:
    return list(
        RatingTally.objects.order_by("department_id", "matter_id").values_list(
            "department_id", "matter_id", "ratings", "satisfied", "open_rectifications"
        )
    )


class RatingTallyTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.main = case_ended(self).matter
        Case.objects.all().delete()
        other = Matter.objects.filter(department=self.department).exclude(pk=self.main.pk).first()
        assert other is not None, "the seeded department has a second matter"
        self.other_matter: Matter = other

    def assert_tally_is_the_count(self, *staff: User) -> None:
        """For the department of each of `staff`: the workbench's figures equal those counted
        from the ratings, line by line and in total."""
        for user in staff or (self.reviewer, self.outsider):
            with self.subTest(user=user.username):
                self.assertEqual(
                    rating_figures(user=user), _rating_figures_counted(user=user, since=None, until=None)
                )

    def appeal(self, rating: Rating, outcome: AppealStatus) -> None:
        appeal = appeal_file(rating=rating, by=self.acceptor, reason="评价的不是本部门的事项")
        appeal_decide(appeal=appeal, by=self.admin, outcome=outcome, decision=str(outcome.label))

    def ratings_of_every_kind(self) -> dict[str, Any]:
        """Every level on the main matter, two 差评 on the other, one rating in the other
        department, each rectification path, two appeals upheld and one dismissed; the tally
        checked against the rows after every step."""
        made = {level: rating_of(self, level) for level in RatingLevel}
        self.assert_tally_is_the_count()
        replied = rating_of(self, RatingLevel.DISSATISFIED, matter=self.other_matter)
        left_open = rating_of(self, RatingLevel.VERY_DISSATISFIED, matter=self.other_matter)
        rating_of(self, RatingLevel.SATISFIED, department=self.other_department)
        self.assert_tally_is_the_count()

        closed = made[RatingLevel.DISSATISFIED].rectification
        rectification_reply(rectification=closed, by=self.acceptor, reply="已整改")
        self.assert_tally_is_the_count()
        rectification_follow_up(rectification=closed, by=self.acceptor, note="已回访，申请人认可")
        self.assert_tally_is_the_count()
        rectification_reply(rectification=replied.rectification, by=self.acceptor, reply="已说明")
        self.assert_tally_is_the_count()

        # Upheld while its rectification is open, and while it waits for the 回访.
        self.appeal(made[RatingLevel.VERY_DISSATISFIED], AppealStatus.UPHELD)
        self.assert_tally_is_the_count()
        self.appeal(replied, AppealStatus.UPHELD)
        self.assert_tally_is_the_count()
        self.appeal(left_open, AppealStatus.DISMISSED)
        self.assert_tally_is_the_count()
        return {"made": made, "replied": replied, "left_open": left_open}

    def test_it_equals_the_ratings_counted_after_every_rating_step_and_appeal(self):
        found = self.ratings_of_every_kind()

        lines, total = rating_figures(user=self.reviewer)
        by_name = {line.name: line for line in lines}
        main, other = by_name[self.main.name], by_name[self.other_matter.name]
        # 5 levels, one upheld out; satisfied 非常满意, 满意, 基本满意; the 不满意's closed.
        self.assertEqual((main.ratings, main.satisfied, main.open_rectifications), (4, 3, 0))
        # The upheld 不满意 is out and its rectification void; the dismissed one stays open.
        self.assertEqual((other.ratings, other.satisfied, other.open_rectifications), (1, 0, 1))
        self.assertEqual((total.ratings, total.satisfied, total.open_rectifications), (5, 3, 1))
        self.assertEqual(
            Rectification.objects.get(rating=found["replied"]).status, RectificationStatus.VOIDED
        )
        _, elsewhere = rating_figures(user=self.outsider)
        self.assertEqual((elsewhere.ratings, elsewhere.satisfied, elsewhere.open_rectifications), (1, 1, 0))

    def test_a_step_that_leaves_the_figures_as_they_were_does_not_write_them(self):
        rectification = rating_of(self, RatingLevel.DISSATISFIED).rectification
        before = tallies()

        with CaptureQueriesContext(connection) as queries:
            rectification_reply(rectification=rectification, by=self.acceptor, reply="已整改")

        # 待整改 → 待回访: open before and after.
        self.assertEqual(tallies(), before)
        self.assertFalse([q for q in queries.captured_queries if RatingTally._meta.db_table in q["sql"]])

    def test_the_rebuild_counts_the_same_tallies_from_the_rows(self):
        self.ratings_of_every_kind()
        kept = tallies()
        RatingTally.objects.update(ratings=99, satisfied=0, open_rectifications=7)

        made = rating_tallies_rebuild()

        self.assertEqual(made, 3)  # two matters here, one in the other department
        self.assertEqual(tallies(), kept)
        self.assert_tally_is_the_count()

    def test_the_rebuild_of_one_department_leaves_the_others_alone(self):
        self.ratings_of_every_kind()
        kept = tallies()
        RatingTally.objects.filter(department=self.department).delete()
        RatingTally.objects.filter(department=self.other_department).update(ratings=42)

        made = rating_tallies_rebuild(department_id=self.department.pk)

        self.assertEqual(made, 2)
        here = [row for row in tallies() if row[0] == self.department.pk]
        self.assertEqual(here, [row for row in kept if row[0] == self.department.pk])
        self.assertEqual(RatingTally.objects.get(department=self.other_department).ratings, 42)

    def test_the_migration_fills_the_tallies_of_the_ratings_made_before_it(self):
        self.ratings_of_every_kind()
        kept = tallies()
        RatingTally.objects.all().delete()
        migration = importlib.import_module("ratings.migrations.0002_rating_tally")

        migration.tallies_fill(apps, None)

        self.assertEqual(tallies(), kept)

    def test_the_first_rating_of_a_matter_makes_its_tally(self):
        self.assertFalse(RatingTally.objects.exists())

        rating_of(self, RatingLevel.BASIC)

        tally = RatingTally.objects.get()
        self.assertEqual((tally.department_id, tally.matter_id), (self.department.pk, self.main.pk))
        self.assertEqual((tally.ratings, tally.satisfied, tally.open_rectifications), (1, 1, 0))


class RebuildCommandTestCase(BaseTestCase):
    def test_it_counts_the_tallies_again_for_every_department(self):
        rating_of(self, RatingLevel.SATISFIED)
        RatingTally.objects.update(ratings=0, satisfied=0)
        out = StringIO()

        call_command("rating_tallies_rebuild", stdout=out)

        self.assertIn("1 个事项", out.getvalue())
        tally = RatingTally.objects.get()
        self.assertEqual((tally.ratings, tally.satisfied), (1, 1))

    def test_it_counts_one_department_by_its_code(self):
        rating_of(self, RatingLevel.SATISFIED)
        rating_of(self, RatingLevel.SATISFIED, department=self.other_department)
        RatingTally.objects.update(ratings=0, satisfied=0)

        call_command("rating_tallies_rebuild", department=self.department.code, stdout=StringIO())

        here = RatingTally.objects.get(department=self.department)
        self.assertEqual((here.ratings, here.satisfied), (1, 1))
        self.assertEqual(RatingTally.objects.get(department=self.other_department).ratings, 0)

    def test_an_unknown_department_is_refused(self):
        with self.assertRaisesMessage(CommandError, "没有编码为 nowhere 的部门"):
            call_command("rating_tallies_rebuild", department="nowhere", stdout=StringIO())
