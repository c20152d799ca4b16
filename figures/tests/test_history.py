"""The demo's and the benchmark's past cases (`figures.history`): written in bulk, yet as the
services would have left them, and counted by the statistics."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from itertools import pairwise

from django.utils import timezone

from cases.models import Case, CaseEvent, CaseStatus
from cases.transitions import transition_find
from figures.history import history_applicant, history_build
from figures.selectors import Period, figures_for
from portal.demo import HISTORY_CASES, demo_history
from portal.test import BaseTestCase
from ratings.models import BAD_LEVELS, Rating, Rectification

NOW = timezone.make_aware(datetime(2026, 11, 20, 12))


class HistoryTestCase(BaseTestCase):
    def test_it_writes_cases_on_the_transition_tables_paths_with_their_times(self):
        made = history_build(department=self.department, cases=120, now=NOW)

        self.assertEqual(made, 120)
        cases = Case.objects.filter(applicant=history_applicant())
        self.assertEqual(cases.count(), 120)
        for case in cases.prefetch_related("events"):
            events = list(case.events.all())
            self.assertEqual(events[0].from_status, CaseStatus.DRAFT)
            self.assertEqual(events[-1].to_status, case.status)
            for before, after in pairwise(events):
                self.assertEqual(before.to_status, after.from_status)
                self.assertLessEqual(before.created_at, after.created_at)
            for event in events:
                self.assertIsNotNone(transition_find(status=event.from_status, action=event.action))
                self.assertLessEqual(event.created_at, NOW)
            self.assertEqual(case.submitted_at is None, False)
            if case.accepted_at:
                self.assertIsNotNone(case.decision_due)
        statuses = Counter(cases.values_list("status", flat=True))
        self.assertGreater(statuses[CaseStatus.APPROVED], 60)
        self.assertTrue(statuses[CaseStatus.REJECTED] and statuses[CaseStatus.DENIED])
        # Every 差评 has its rectification, as the rating service makes one.
        bad = Rating.objects.filter(level__in=BAD_LEVELS).count()
        self.assertEqual(Rectification.objects.count(), bad)
        self.assertGreater(Rating.objects.count(), 20)
        self.assertTrue(CaseEvent.objects.filter(created_at__lt=NOW.replace(month=3)).exists())

    def test_the_statistics_count_it(self):
        history_build(department=self.department, cases=120, now=NOW)

        figures = figures_for(
            user=self.leader,
            period=Period.last_twelve_months(today=NOW.date()),
            today=NOW.date(),
        )

        self.assertEqual(figures.received, 120)
        self.assertGreater(figures.decided, 90)
        self.assertTrue(all(step.count for step in figures.steps))
        self.assertGreater(figures.ratings[1].ratings, 20)

    def test_the_demo_writes_its_history_once(self):
        self.assertEqual(demo_history(), HISTORY_CASES)
        self.assertEqual(demo_history(), 0)
        self.assertEqual(Case.objects.filter(applicant=history_applicant()).count(), HISTORY_CASES)
