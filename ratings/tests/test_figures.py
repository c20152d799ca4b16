"""The workbench's 好差评 figures: per matter of the department and in total, the ratings that
count, the share satisfied and the open rectifications, in one query however many there are
(read from the tallies the services keep; `test_tally` checks them against the rows)."""

from __future__ import annotations

from datetime import timedelta

from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Case
from catalog.models import Matter
from portal.test import BaseTestCase
from ratings.models import AppealStatus, RatingLevel
from ratings.selectors import rating_figures
from ratings.services import appeal_decide, appeal_file, rectification_follow_up, rectification_reply
from ratings.tests.builders import case_ended, rating_of


class RatingFiguresTestCase(BaseTestCase):
    def rate(self, level: RatingLevel, *, matter: Matter | None = None, department=None):
        return rating_of(self, level, matter=matter, department=department)

    def setUp(self):
        super().setUp()
        self.main = case_ended(self).matter
        Case.objects.all().delete()
        other = Matter.objects.filter(department=self.department).exclude(pk=self.main.pk).first()
        assert other is not None, "the seeded department has a second matter"
        self.other_matter: Matter = other

    def test_it_counts_per_matter_and_in_total(self):
        self.rate(RatingLevel.VERY_SATISFIED)
        self.rate(RatingLevel.BASIC)
        closed = self.rate(RatingLevel.DISSATISFIED).rectification
        rectification_reply(rectification=closed, by=self.acceptor, reply="已整改")
        rectification_follow_up(rectification=closed, by=self.acceptor, note="已回访")
        self.rate(RatingLevel.VERY_DISSATISFIED, matter=self.other_matter)
        self.rate(RatingLevel.SATISFIED, department=self.other_department)

        lines, total = rating_figures(user=self.reviewer)

        by_name = {line.name: line for line in lines}
        self.assertEqual(set(by_name), {self.main.name, self.other_matter.name})
        main = by_name[self.main.name]
        self.assertEqual((main.ratings, main.satisfied, main.open_rectifications), (3, 2, 0))
        self.assertEqual(main.satisfied_share, "66.7%")
        other = by_name[self.other_matter.name]
        self.assertEqual((other.ratings, other.satisfied, other.open_rectifications), (1, 0, 1))
        self.assertEqual(other.satisfied_share, "0.0%")
        self.assertEqual((total.ratings, total.satisfied, total.open_rectifications), (4, 2, 1))
        self.assertEqual(total.satisfied_share, "50.0%")

    def test_an_upheld_appeal_takes_the_rating_out(self):
        self.rate(RatingLevel.SATISFIED)
        bad = self.rate(RatingLevel.VERY_DISSATISFIED)
        appeal = appeal_file(rating=bad, by=self.acceptor, reason="评价对象有误")
        appeal_decide(appeal=appeal, by=self.admin, outcome=AppealStatus.UPHELD, decision="成立")

        _, total = rating_figures(user=self.reviewer)

        self.assertEqual((total.ratings, total.satisfied, total.open_rectifications), (1, 1, 0))
        self.assertEqual(total.satisfied_share, "100.0%")

    def test_none_yet_reads_as_a_dash(self):
        lines, total = rating_figures(user=self.acceptor)

        self.assertEqual(lines, [])
        self.assertEqual(total.ratings, 0)
        self.assertEqual(total.satisfied_share, "—")

    def test_only_the_departments_case_staff_see_figures(self):
        self.rate(RatingLevel.SATISFIED)

        self.assertEqual(rating_figures(user=self.admin)[1].ratings, 0)
        self.assertEqual(rating_figures(user=self.outsider)[1].ratings, 0)

    def test_it_takes_one_query_however_many_ratings(self):
        since, until = timezone.now() - timedelta(days=1), timezone.now() + timedelta(days=1)
        self.rate(RatingLevel.SATISFIED)
        with self.assertNumQueries(1):
            rating_figures(user=self.reviewer)
        with self.assertNumQueries(1):
            rating_figures(user=self.reviewer, since=since, until=until)

        for level in RatingLevel:
            self.rate(level)
            self.rate(level, matter=self.other_matter)
        with self.assertNumQueries(1):
            _, total = rating_figures(user=self.reviewer)
        self.assertEqual(total.ratings, 11)
        with self.assertNumQueries(1):
            _, total = rating_figures(user=self.reviewer, since=since, until=until)
        self.assertEqual(total.ratings, 11)

    def test_the_workbench_shows_them_moved_by_each_rating_and_rectification(self):
        self.rate(RatingLevel.VERY_SATISFIED)
        self.client.force_login(self.acceptor)
        self.assertContains(self.client.get("/workbench/"), "100.0%")
        closed = self.rate(RatingLevel.DISSATISFIED).rectification  # rating_submit moves the tally
        r = self.client.get("/workbench/")
        _, total = r.context["rating_figures"]
        self.assertEqual((total.ratings, total.satisfied, total.open_rectifications), (2, 1, 1))
        rectification_reply(rectification=closed, by=self.acceptor, reply="已整改")
        rectification_follow_up(rectification=closed, by=self.acceptor, note="已回访")
        _, total = self.client.get("/workbench/").context["rating_figures"]
        self.assertEqual(total.open_rectifications, 0)

    def test_the_workbench_shows_them_in_a_constant_number_of_queries(self):
        self.rate(RatingLevel.SATISFIED)
        self.client.force_login(self.reviewer)
        self.client.get("/accounts/profile/")  # the login's first page: it stamps the session
        # The tab counts counted afresh both times, as they are kept under a version (cases.answers).
        caches["public"].clear()
        with CaptureQueriesContext(connection) as few:
            r = self.client.get("/workbench/")
        self.assertContains(r, "好差评")
        self.assertContains(r, "100.0%")

        for level in RatingLevel:
            self.rate(level, matter=self.other_matter)
        caches["public"].clear()
        with CaptureQueriesContext(connection) as many:
            r = self.client.get("/workbench/")

        self.assertContains(r, self.other_matter.name)
        self.assertContains(r, 'href="/ratings/rectifications/"')
        self.assertEqual(len(many), len(few))
