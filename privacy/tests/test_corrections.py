"""「申请更正」: the person says what is wrong, the department's 受理人员 close it (更正完成 /
不予更正) with a reply the person reads in 我的信息 and in a 站内消息."""

from __future__ import annotations

from django.urls import reverse

from lib.errors import ApplicationError
from notifications.models import InboxMessage
from portal.test import BaseTestCase
from privacy.models import CorrectionRequest, CorrectionStatus
from privacy.services import OPEN_CORRECTIONS_MAX, correction_request_close, correction_request_create

WRONG = "注册信息中的聘用企业名称应为“辽宁宏建建设集团有限公司”"


class CorrectionRoundTripTestCase(BaseTestCase):
    def test_a_request_goes_to_the_acceptor_and_the_reply_back_to_the_person(self):
        self.client.force_login(self.applicant)
        r = self.client.post(reverse("privacy:correction_new"), {"description": WRONG})
        self.assertRedirects(r, "/my-info/#corrections", fetch_redirect_response=False)
        correction = CorrectionRequest.objects.get()
        self.assertEqual(
            (correction.user, correction.department, correction.status, correction.description),
            (self.applicant, self.department, CorrectionStatus.OPEN, WRONG),
        )

        self.client.force_login(self.acceptor)
        r = self.client.get(reverse("review:queue"))
        self.assertContains(r, "个人信息更正申请（待处理 1 件）")
        r = self.client.get(reverse("review:corrections"))
        self.assertContains(r, WRONG)
        url = reverse("review:correction_close", args=[correction.pk])
        r = self.client.post(
            url,
            {
                f"c{correction.pk}-outcome": CorrectionStatus.CORRECTED,
                f"c{correction.pk}-reply": "已按营业执照更正",
            },
        )
        self.assertRedirects(r, reverse("review:corrections"), fetch_redirect_response=False)
        correction.refresh_from_db()
        self.assertEqual(
            (correction.status, correction.reply, correction.closed_by),
            (CorrectionStatus.CORRECTED, "已按营业执照更正", self.acceptor),
        )
        message = InboxMessage.objects.get(user=self.applicant)
        self.assertEqual(message.title, "您的个人信息更正申请：更正完成")
        self.assertEqual((message.body, message.link), ("已按营业执照更正", "/my-info/#corrections"))

        # Closed once: a second answer is refused, the first stays.
        r = self.client.post(
            url,
            {f"c{correction.pk}-outcome": CorrectionStatus.DECLINED, f"c{correction.pk}-reply": "不予更正"},
            follow=True,
        )
        self.assertContains(r, "该更正申请已更正完成，不能再办理")
        correction.refresh_from_db()
        self.assertEqual(correction.status, CorrectionStatus.CORRECTED)

        self.client.force_login(self.applicant)
        r = self.client.get("/my-info/")
        self.assertContains(r, "更正完成")
        self.assertContains(r, "已按营业执照更正")

    def test_only_the_departments_acceptor_closes_it(self):
        correction = correction_request_create(user=self.applicant, description=WRONG)
        for user in (self.reviewer, self.outsider, self.admin):
            with self.assertRaises(ApplicationError):
                correction_request_close(
                    correction=correction, by=user, outcome=CorrectionStatus.DECLINED, reply="不予更正"
                )
        for user in (self.reviewer, self.admin):
            self.client.force_login(user)
            self.assertEqual(self.client.get(reverse("review:corrections")).status_code, 403)
        self.assertEqual(CorrectionRequest.objects.get().status, CorrectionStatus.OPEN)

    def test_an_acceptor_of_another_department_does_not_see_it(self):
        correction = correction_request_create(user=self.applicant, description=WRONG)
        outsider_acceptor = self.outsider
        outsider_acceptor.staff_role = "acceptor"
        outsider_acceptor.save(update_fields=["staff_role"])
        self.client.force_login(outsider_acceptor)
        r = self.client.get(reverse("review:corrections"))
        self.assertNotContains(r, WRONG)
        r = self.client.post(
            reverse("review:correction_close", args=[correction.pk]),
            {f"c{correction.pk}-outcome": CorrectionStatus.DECLINED, f"c{correction.pk}-reply": "不予更正"},
        )
        self.assertEqual(r.status_code, 404)

    def test_a_reply_is_required_and_open_requests_are_limited(self):
        self.client.force_login(self.applicant)
        r = self.client.post(reverse("privacy:correction_new"), {"description": "  "})
        self.assertEqual(r.status_code, 400)
        self.assertFalse(CorrectionRequest.objects.exists())
        for _ in range(OPEN_CORRECTIONS_MAX):
            correction_request_create(user=self.applicant, description=WRONG)
        r = self.client.post(reverse("privacy:correction_new"), {"description": WRONG})
        self.assertContains(r, "正在处理，请等待答复后再提交", status_code=400)
        self.assertEqual(CorrectionRequest.objects.count(), OPEN_CORRECTIONS_MAX)
        correction = CorrectionRequest.objects.first()
        assert correction is not None
        with self.assertRaisesMessage(ApplicationError, "请填写答复内容"):
            correction_request_close(
                correction=correction, by=self.acceptor, outcome=CorrectionStatus.DECLINED, reply=" "
            )
