"""`cases.counters.counter_next`: the one counter every numbered thing takes its number from."""

from __future__ import annotations

from django.db import transaction
from django.test import TestCase

from cases.counters import counter_next
from cases.models import Sequence


class CounterNextTestCase(TestCase):
    def test_it_starts_at_one_and_counts_each_key_apart(self):
        self.assertEqual([counter_next(key="case-20260105") for _ in range(3)], [1, 2, 3])
        self.assertEqual(counter_next(key="reg-2026"), 1)
        self.assertEqual(counter_next(key="case-20260105"), 4)
        self.assertEqual(
            dict(Sequence.objects.values_list("key", "last")), {"case-20260105": 4, "reg-2026": 1}
        )

    def test_it_goes_on_from_a_row_already_there(self):
        Sequence.objects.create(key="certificate-serial", last=41)
        self.assertEqual(counter_next(key="certificate-serial"), 42)
        self.assertEqual(Sequence.objects.get(key="certificate-serial").last, 42)

    def test_a_rolled_back_caller_gives_its_number_back(self):
        counter_next(key="notice-receipt-2026")
        with self.assertRaises(RuntimeError), transaction.atomic():
            self.assertEqual(counter_next(key="notice-receipt-2026"), 2)
            raise RuntimeError("the caller's transaction fails")
        self.assertEqual(counter_next(key="notice-receipt-2026"), 2)
