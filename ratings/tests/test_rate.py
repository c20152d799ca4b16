"""「评价」: the applicant rates a case the department ended, once (一事一评), from the case
page or the link in the 办结 SMS; errors are said in Chinese where the eye is."""

from __future__ import annotations

from django.conf import settings

from cases.models import CaseAction, CaseStatus
from cases.tests.builders import case_build
from cases.tests.helpers import submitted_case
from lib.datacrypt import mobile_index
from notifications.models import SmsMessage
from notifications.testing import pending_tasks
from portal.display import COOKIE_NAME, DisplayMode
from portal.test import BaseTestCase
from ratings.models import Rating, RatingIndicator, RatingLevel, RatingPush, Rectification
from ratings.tests.builders import case_ended
from review.services import case_accept, case_deny, case_reject, case_review

PUSH = "ratings.tasks.push_rating"


class RatePageTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.case = case_ended(self)
        self.client.force_login(self.applicant)

    def url(self, case=None) -> str:
        return f"/ratings/cases/{(case or self.case).pk}/"

    def test_it_offers_five_levels_and_the_national_indicators(self):
        r = self.client.get(self.url())

        self.assertEqual(r.status_code, 200)
        page = r.content.decode()
        for level in RatingLevel:
            self.assertIn(level.label, page)
        for indicator in ("整体满意度", "办事效率", "办事指南精确度", "办事便捷度", "平台操作性"):
            self.assertIn(indicator, page)
        self.assertIn("提交评价", page)

    def test_it_records_a_good_rating_and_queues_its_push(self):
        r = self.client.post(
            self.url(),
            {"level": RatingLevel.VERY_SATISFIED, "indicators": [RatingIndicator.EFFICIENCY], "text": "很快"},
        )

        self.assertRedirects(r, self.url(), fetch_redirect_response=False)
        rating = Rating.objects.get(case=self.case)
        self.assertEqual(rating.applicant, self.applicant)
        self.assertEqual(rating.level, RatingLevel.VERY_SATISFIED)
        self.assertEqual(rating.indicators, [RatingIndicator.EFFICIENCY])
        self.assertEqual(rating.text, "很快")
        push = RatingPush.objects.get(rating=rating)
        (task,) = pending_tasks(task_path=PUSH)
        self.assertEqual(task.args_kwargs["kwargs"]["push_id"], push.pk)
        self.assertFalse(Rectification.objects.exists())
        page = self.client.get(self.url()).content.decode()
        self.assertIn("您的评价", page)
        self.assertNotIn("提交评价", page)

    def test_it_takes_one_rating_per_case(self):
        self.client.post(self.url(), {"level": RatingLevel.SATISFIED})

        r = self.client.post(self.url(), {"level": RatingLevel.VERY_DISSATISFIED, "indicators": ["overall"]})

        self.assertEqual(r.status_code, 200)
        self.assertEqual(Rating.objects.get(case=self.case).level, RatingLevel.SATISFIED)
        self.assertEqual(RatingPush.objects.count(), 1)
        self.assertFalse(Rectification.objects.exists())

    def test_a_bad_rating_must_say_what_was_wrong(self):
        r = self.client.post(self.url(), {"level": RatingLevel.DISSATISFIED, "text": "不好"})

        self.assertEqual(r.status_code, 400)
        page = r.content.decode()
        self.assertIn("提交未成功", page)
        self.assertIn("请选择不满意的方面（至少一项）", page)
        self.assertIn('href="#id_indicators_0"', page)
        self.assertFalse(Rating.objects.exists())

    def test_it_asks_for_a_level_in_chinese(self):
        r = self.client.post(self.url(), {"text": "还行"})

        self.assertEqual(r.status_code, 400)
        self.assertIn("请选择评价等级", r.content.decode())
        self.assertFalse(Rating.objects.exists())

    def test_a_case_refused_acceptance_can_be_rated(self):
        case = case_ended(self, how=CaseAction.REJECT)

        r = self.client.post(self.url(case), {"level": RatingLevel.BASIC})

        self.assertEqual(r.status_code, 302)
        self.assertEqual(Rating.objects.get(case=case).level, RatingLevel.BASIC)

    def test_the_applicants_own_withdrawal_is_not_rated(self):
        case = case_ended(self, how=CaseAction.WITHDRAW)

        r = self.client.post(self.url(case), {"level": RatingLevel.BASIC})

        self.assertEqual(r.status_code, 200)
        self.assertIn("办件办结后才能评价", r.content.decode())
        self.assertFalse(Rating.objects.exists())

    def test_a_case_in_progress_is_not_rated(self):
        case = case_build(self, status=CaseStatus.REVIEWING)

        r = self.client.post(self.url(case), {"level": RatingLevel.BASIC})

        self.assertEqual(r.status_code, 200)
        self.assertIn("办件办结后才能评价", r.content.decode())
        self.assertFalse(Rating.objects.exists())

    def test_another_applicant_gets_404(self):
        self.client.force_login(self.other_applicant)

        r = self.client.post(self.url(), {"level": RatingLevel.VERY_DISSATISFIED, "indicators": ["overall"]})

        self.assertEqual(r.status_code, 404)
        self.assertFalse(Rating.objects.exists())

    def test_the_case_page_links_to_the_rating(self):
        r = self.client.get(f"/cases/{self.case.pk}/")

        self.assertContains(r, "去评价")
        self.assertContains(r, f'href="{self.url()}"')

        self.client.post(self.url(), {"level": RatingLevel.SATISFIED})
        r = self.client.get(f"/cases/{self.case.pk}/")
        self.assertNotContains(r, "去评价")
        self.assertContains(r, "您的评价：<strong>满意</strong>")

    def test_the_case_page_of_a_case_in_progress_has_no_rating_link(self):
        case = case_build(self, status=CaseStatus.REVIEWING)

        r = self.client.get(f"/cases/{case.pk}/")

        self.assertEqual(r.status_code, 200)
        self.assertNotContains(r, "办件评价")

    def test_it_works_in_care_mode(self):
        self.client.cookies[COOKIE_NAME] = DisplayMode.CARE

        r = self.client.get(self.url())

        self.assertContains(r, '<html lang="zh-CN" class="care">')
        self.assertContains(r, "提交评价")


class RateLinkInSmsTestCase(BaseTestCase):
    def sms_text(self, template: str) -> str:
        message = SmsMessage.objects.get(mobile_index=mobile_index(self.applicant.mobile), template=template)
        return str(message.text)

    def test_the_finished_sms_links_to_the_rating(self):
        case = submitted_case(self)
        case_accept(case=case, actor=self.acceptor)
        case_review(case=case, actor=self.reviewer, opinion="不符合条件")

        case_deny(case=case, actor=self.decider, reason="不符合注册条件")

        self.assertIn(f"{settings.SITE_URL}/ratings/cases/{case.pk}/", self.sms_text("case_finished"))

    def test_the_rejection_sms_links_to_the_rating(self):
        case = submitted_case(self)

        case_reject(case=case, actor=self.acceptor, reason="材料不属于本部门职权范围")

        self.assertIn(f"{settings.SITE_URL}/ratings/cases/{case.pk}/", self.sms_text("case_rejected"))
