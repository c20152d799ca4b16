"""差评整改: a 不满意 or 非常不满意 opens a task for the department, due in 15 working days;
a handler replies (the applicant reads it), records the 回访 and closes it; an overdue task
is escalated to the department's 审批人员 once, by the daily job."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import QuerySet

from accounts.models import StaffRole
from catalog.calendar import workday_add
from lib.datacrypt import mobile_index
from lib.errors import ApplicationError
from notifications.models import InboxMessage, SmsMessage
from portal.test import BaseTestCase, staff_make
from ratings.jobs import rectifications_escalate
from ratings.models import RatingLevel, Rectification, RectificationStatus
from ratings.services import rectification_follow_up, rectification_reply
from ratings.tests.builders import rating_made


class RectificationOpenTestCase(BaseTestCase):
    def test_a_bad_rating_opens_a_task_due_in_15_working_days(self):
        rating = rating_made(self, level=RatingLevel.DISSATISFIED)

        rectification = Rectification.objects.get(rating=rating)
        self.assertEqual(rectification.status, RectificationStatus.OPEN)
        rated_on = rating.created_at.astimezone().date()
        self.assertEqual(rectification.due, workday_add(start=rated_on, days=15))
        message = InboxMessage.objects.get(user=self.acceptor)
        self.assertIn("收到差评", message.title)
        self.assertEqual(message.link, f"/ratings/rectifications/{rectification.pk}/")

    def test_a_basic_rating_opens_none(self):
        rating_made(self, level=RatingLevel.BASIC, indicators=())

        self.assertFalse(Rectification.objects.exists())
        self.assertFalse(InboxMessage.objects.filter(user=self.acceptor).exists())


class RectificationStepsTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.rating = rating_made(self)
        self.rectification = self.rating.rectification
        self.url = f"/ratings/rectifications/{self.rectification.pk}/"

    def test_a_handler_replies_and_the_applicant_reads_it(self):
        self.client.force_login(self.acceptor)

        r = self.client.post(self.url + "reply/", {"reply": "已核实，受理环节超时，已对窗口人员提醒整改"})

        self.assertRedirects(r, self.url, fetch_redirect_response=False)
        self.rectification.refresh_from_db()
        self.assertEqual(self.rectification.status, RectificationStatus.REPLIED)
        self.assertEqual(self.rectification.replied_by, self.acceptor)
        message = InboxMessage.objects.get(user=self.applicant)
        self.assertEqual(message.title, "您的评价已收到整改答复")
        self.client.force_login(self.applicant)
        page = self.client.get(f"/ratings/cases/{self.rating.case_id}/").content.decode()
        self.assertIn("已核实，受理环节超时", page)

    def test_the_follow_up_closes_the_task(self):
        rectification_reply(rectification=self.rectification, by=self.acceptor, reply="已整改")
        self.client.force_login(self.reviewer)

        r = self.client.post(self.url + "follow-up/", {"note": "12月3日电话回访，申请人表示认可"})

        self.assertRedirects(r, self.url, fetch_redirect_response=False)
        self.rectification.refresh_from_db()
        self.assertEqual(self.rectification.status, RectificationStatus.CLOSED)
        self.assertEqual(self.rectification.follow_up, "12月3日电话回访，申请人表示认可")
        self.assertEqual(self.rectification.closed_by, self.reviewer)
        self.assertIsNotNone(self.rectification.closed_at)

    def test_the_follow_up_waits_for_the_reply(self):
        with self.assertRaisesMessage(ApplicationError, "不能回访办结"):
            rectification_follow_up(rectification=self.rectification, by=self.acceptor, note="已回访")

        self.rectification.refresh_from_db()
        self.assertEqual(self.rectification.status, RectificationStatus.OPEN)

    def test_an_empty_reply_is_refused_in_chinese(self):
        self.client.force_login(self.acceptor)

        r = self.client.post(self.url + "reply/", {"reply": ""})

        self.assertEqual(r.status_code, 400)
        self.assertContains(r, "请填写整改答复", status_code=400)
        self.rectification.refresh_from_db()
        self.assertEqual(self.rectification.status, RectificationStatus.OPEN)

    def test_another_departments_staff_get_404(self):
        self.client.force_login(self.outsider)

        r = self.client.post(self.url + "reply/", {"reply": "答复"})

        self.assertEqual(r.status_code, 404)
        self.rectification.refresh_from_db()
        self.assertEqual(self.rectification.status, RectificationStatus.OPEN)

    def test_the_applicant_and_the_administrators_are_refused(self):
        for user in (self.applicant, self.admin):
            self.client.force_login(user)
            self.assertEqual(self.client.get(self.url).status_code, 403)

    def test_the_list_shows_the_open_tasks_with_their_deadline(self):
        self.client.force_login(self.decider)

        r = self.client.get("/ratings/rectifications/")

        self.assertContains(r, str(self.rating.case.number))
        self.assertContains(r, "剩余15个工作日")
        r = self.client.get("/ratings/rectifications/?status=closed")
        self.assertNotContains(r, str(self.rating.case.number))


class RectificationEscalationTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.rectification = rating_made(self).rectification
        # A fixed due day: the job's `today` is its subject.
        self.due = date(2025, 3, 14)
        Rectification.objects.filter(pk=self.rectification.pk).update(due=self.due)

    def decider_sms(self) -> QuerySet[SmsMessage]:
        return SmsMessage.objects.filter(
            mobile_index=mobile_index(self.decider.mobile), template="rectification_overdue"
        )

    def test_it_escalates_an_overdue_task_once(self):
        self.assertEqual(rectifications_escalate(today=self.due), 0)

        self.assertEqual(rectifications_escalate(today=self.due + timedelta(days=1)), 1)
        self.assertEqual(rectifications_escalate(today=self.due + timedelta(days=2)), 0)

        self.rectification.refresh_from_db()
        self.assertIsNotNone(self.rectification.escalated_at)
        self.assertIn("2025年03月14日", self.decider_sms().get().text)
        message = InboxMessage.objects.get(user=self.decider)
        self.assertEqual(message.title, "差评整改已超期，请督办")
        self.assertFalse(InboxMessage.objects.filter(user=self.reviewer).exists())

    def test_it_tells_every_decider_of_the_department(self):
        second = staff_make(
            username="shenpi2", name="审批员二", role=StaffRole.DECIDER, department=self.department, mobile=""
        )

        rectifications_escalate(today=self.due + timedelta(days=1))

        self.assertTrue(InboxMessage.objects.filter(user=second).exists())
        self.assertEqual(self.decider_sms().count(), 1)

    def test_a_closed_task_is_not_escalated(self):
        rectification_reply(rectification=self.rectification, by=self.acceptor, reply="已整改")
        rectification_follow_up(rectification=self.rectification, by=self.acceptor, note="已回访")

        self.assertEqual(rectifications_escalate(today=self.due + timedelta(days=30)), 0)

        self.assertFalse(self.decider_sms().exists())
