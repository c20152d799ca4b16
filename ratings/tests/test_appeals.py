"""申诉: the rated department's staff appeal a 差评 once; a 系统管理员 decides, and the
decision is recorded (on the appeal, in the audit trail, in the appellant's inbox)."""

from __future__ import annotations

from audit.models import AuditAction, AuditEvent
from lib.errors import ApplicationError
from notifications.models import InboxMessage
from portal.test import BaseTestCase
from ratings.models import AppealStatus, RatingAppeal, RatingLevel, RectificationStatus
from ratings.services import appeal_decide, appeal_file
from ratings.tests.builders import rating_made


class AppealFileTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.rating = rating_made(self)
        self.url = f"/ratings/rectifications/{self.rating.rectification.pk}/appeal/"

    def test_staff_appeal_and_the_administrator_is_told(self):
        self.client.force_login(self.acceptor)

        r = self.client.post(self.url, {"reason": "申请人评价的是其他部门的事项"})

        self.assertEqual(r.status_code, 302)
        appeal = RatingAppeal.objects.get(rating=self.rating)
        self.assertEqual(appeal.status, AppealStatus.PENDING)
        self.assertEqual(appeal.filed_by, self.acceptor)
        self.assertEqual(InboxMessage.objects.get(user=self.admin).link, "/ratings/appeals/")
        # The task runs on while the appeal waits.
        self.rating.rectification.refresh_from_db()
        self.assertEqual(self.rating.rectification.status, RectificationStatus.OPEN)

    def test_a_rating_is_appealed_once(self):
        appeal_file(rating=self.rating, by=self.acceptor, reason="评价不实")

        with self.assertRaisesMessage(ApplicationError, "只能申诉一次"):
            appeal_file(rating=self.rating, by=self.reviewer, reason="再申诉")

        self.assertEqual(RatingAppeal.objects.count(), 1)

    def test_a_good_rating_is_not_appealed(self):
        good = rating_made(self, level=RatingLevel.VERY_SATISFIED, indicators=())

        with self.assertRaisesMessage(ApplicationError, "只能对差评提出申诉"):
            appeal_file(rating=good, by=self.acceptor, reason="评价不实")

    def test_another_department_cannot_appeal(self):
        with self.assertRaisesMessage(ApplicationError, "只有本部门的工作人员"):
            appeal_file(rating=self.rating, by=self.outsider, reason="评价不实")

        self.assertFalse(RatingAppeal.objects.exists())


class AppealDecideTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.rating = rating_made(self)
        self.appeal = appeal_file(rating=self.rating, by=self.acceptor, reason="申请人评价的是其他部门的事项")
        self.url = f"/ratings/appeals/{self.appeal.pk}/decide/"
        self.prefix = f"a{self.appeal.pk}"

    def test_the_administrator_sees_the_pending_appeals(self):
        self.client.force_login(self.admin)

        r = self.client.get("/ratings/appeals/")

        self.assertContains(r, "申请人评价的是其他部门的事项")
        self.assertContains(r, str(self.rating.case.number))
        self.assertContains(self.client.get("/"), 'href="/ratings/appeals/"')

    def test_an_upheld_appeal_voids_the_task_and_is_recorded(self):
        self.client.force_login(self.admin)

        r = self.client.post(
            self.url,
            {
                f"{self.prefix}-outcome": AppealStatus.UPHELD,
                f"{self.prefix}-decision": "经核实，评价对象有误",
            },
        )

        self.assertRedirects(r, "/ratings/appeals/", fetch_redirect_response=False)
        self.appeal.refresh_from_db()
        self.assertEqual(self.appeal.status, AppealStatus.UPHELD)
        self.assertEqual(self.appeal.decided_by, self.admin)
        self.assertEqual(self.appeal.decision, "经核实，评价对象有误")
        self.rating.rectification.refresh_from_db()
        self.assertEqual(self.rating.rectification.status, RectificationStatus.VOIDED)
        event = AuditEvent.objects.get(action=AuditAction.ADMIN_CHANGE, object_type="ratings.RatingAppeal")
        self.assertEqual(event.actor_id, self.admin.pk)
        self.assertEqual(event.detail, {"outcome": "申诉成立"})
        self.assertEqual(
            InboxMessage.objects.get(user=self.acceptor, title__contains="审核结果").title,
            "差评申诉审核结果：申诉成立",
        )

    def test_a_dismissed_appeal_leaves_the_task_open(self):
        appeal_decide(appeal=self.appeal, by=self.admin, outcome=AppealStatus.DISMISSED, decision="评价属实")

        self.appeal.refresh_from_db()
        self.assertEqual(self.appeal.status, AppealStatus.DISMISSED)
        self.rating.rectification.refresh_from_db()
        self.assertEqual(self.rating.rectification.status, RectificationStatus.OPEN)

    def test_it_is_decided_once(self):
        appeal_decide(appeal=self.appeal, by=self.admin, outcome=AppealStatus.DISMISSED, decision="评价属实")

        with self.assertRaisesMessage(ApplicationError, "已审核"):
            appeal_decide(appeal=self.appeal, by=self.admin, outcome=AppealStatus.UPHELD, decision="改判")

        self.appeal.refresh_from_db()
        self.assertEqual(self.appeal.status, AppealStatus.DISMISSED)

    def test_the_department_does_not_decide_its_own_appeal(self):
        self.client.force_login(self.decider)

        r = self.client.post(
            self.url, {f"{self.prefix}-outcome": AppealStatus.UPHELD, f"{self.prefix}-decision": "成立"}
        )

        self.assertEqual(r.status_code, 403)
        self.assertEqual(self.client.get("/ratings/appeals/").status_code, 403)
        with self.assertRaisesMessage(ApplicationError, "由系统管理员审核"):
            appeal_decide(appeal=self.appeal, by=self.decider, outcome=AppealStatus.UPHELD, decision="成立")
        self.appeal.refresh_from_db()
        self.assertEqual(self.appeal.status, AppealStatus.PENDING)

    def test_an_empty_decision_is_refused_in_chinese(self):
        self.client.force_login(self.admin)

        r = self.client.post(self.url, {f"{self.prefix}-outcome": AppealStatus.UPHELD}, follow=True)

        self.assertContains(r, "请填写审核意见")
        self.appeal.refresh_from_db()
        self.assertEqual(self.appeal.status, AppealStatus.PENDING)
