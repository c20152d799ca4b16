"""The 受理 and 承诺 limits are catalogue settings, per 事项 and overridden per 办理项 (issue 17):
the clock, the notices and the 办事指南 read them through `cases.deadlines`."""

from __future__ import annotations

from django.utils import timezone

from cases.deadlines import accept_workdays, promised_workdays
from cases.models import NoticeKind
from cases.tests.helpers import initial_item, submitted_case
from catalog.calendar import workday_add
from catalog.models import Matter
from portal.test import BaseTestCase
from review.services import case_accept


class TimeLimitsTestCase(BaseTestCase):
    def test_the_matters_limits_apply_when_the_item_sets_none(self):
        item = initial_item()
        self.assertEqual((item.accept_days, item.promised_days), (None, None))
        self.assertEqual((accept_workdays(item), promised_workdays(item)), (5, 10))
        Matter.objects.filter(pk=item.matter_id).update(accept_days=4)
        item.matter.refresh_from_db()
        self.assertEqual(accept_workdays(item), 4)

    def test_the_items_own_limits_run_the_clock_and_are_stated_in_the_notices(self):
        item = initial_item()
        item.accept_days, item.promised_days = 3, 7
        item.save()
        today = timezone.localdate()

        case = submitted_case(self)
        self.assertEqual(case.accept_due, workday_add(start=today, days=3))
        receipt = case.notices.get(kind=NoticeKind.RECEIPT)
        self.assertEqual((receipt.data["accept_days"], receipt.data["promised_days"]), (3, 7))

        case = case_accept(case=case, actor=self.acceptor)
        self.assertEqual(case.decision_due, workday_add(start=today, days=7))
        acceptance = case.notices.get(kind=NoticeKind.ACCEPTANCE)
        self.assertIn("本机关将在受理之日起7个工作日内作出决定", "".join(acceptance.data["paragraphs"]))
        self.client.force_login(self.reviewer)
        r = self.client.get(f"/workbench/cases/{case.pk}/")
        self.assertContains(r, "<dt>承诺时限</dt><dd>7个工作日", html=False)

    def test_the_guide_states_them(self):
        item = initial_item()
        item.promised_days = 7
        item.save()
        r = self.client.get(f"/catalog/matters/{item.matter.code}/")
        self.assertContains(r, '<tr><th scope="row">受理时限</th><td>5个工作日</td></tr>', html=True)
        self.assertContains(r, "本办理项时限：受理时限5个工作日，承诺时限7个工作日")
