"""单位确认 through the pages (ADR 19): the applicant's 保存并提交 goes to the employer's
「待确认申请」, the employer confirms or returns it, and only then does the department see it
and its clock start; the case goes on to 办结 and the applicant's rating (ADR 21); a late
employer lets the applicant switch to paper."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Enterprise, UserKind
from audit.models import AuditAction, AuditEvent
from cases.models import (
    Case,
    CaseAction,
    CaseStatus,
    ConfirmationKind,
    ConfirmationStatus,
    EmployerConfirmation,
    NoticeKind,
)
from cases.tests.helpers import initial_item
from cases.tests.sample_files import REQUIRED_CODES, form_post, save_new, upload_material
from notifications.models import InboxMessage, SmsMessage
from notifications.outbox import OutboxStatus
from notifications.testing import pending_tasks
from portal.test import PASSWORD, BaseTestCase, make_uscc
from ratings.models import Rating, RatingIndicator, RatingLevel, RatingPush, Rectification
from registry.tests.helpers import case_grant

# Everything but the signed-and-sealed form, which the employer's confirmation replaces.
WITHOUT_SEALED_FORM = tuple(code for code in REQUIRED_CODES if code != "application_form")


class EmployerConfirmationViewsTestCase(BaseTestCase):
    def _submitted(self) -> Case:
        """张伟's 初始注册 saved, its materials but the sealed form uploaded, and submitted."""
        self.client.force_login(self.applicant)
        save_new(self.client, form_post(self))
        case = Case.objects.get(applicant=self.applicant)
        for code in WITHOUT_SEALED_FORM:
            upload_material(self.client, case, code)
        r = self.client.get(reverse("cases:edit", args=[case.pk]))
        self.assertContains(r, "聘用单位已开通在线确认：提交后由单位在线确认，无需上传")
        r = self.client.post(reverse("cases:edit", args=[case.pk]), {**form_post(self), "action": "submit"})
        self.assertRedirects(r, reverse("cases:detail", args=[case.pk]), fetch_redirect_response=False)
        case.refresh_from_db()
        return case

    def _answer(self, confirmation: EmployerConfirmation, answer: str, reason: str = "") -> Any:
        self.client.force_login(self.enterprise)
        url = reverse("cases:employer_answer", args=[confirmation.pk])
        return self.client.post(url, {"answer": answer, "reason": reason})

    def test_a_submission_waits_for_the_employer_and_starts_no_clock(self):
        case = self._submitted()

        self.assertEqual(case.status, CaseStatus.CONFIRMING)
        self.assertRegex(str(case.number), r"^LN\d{13}$")
        self.assertIsNone(case.submitted_at)
        self.assertIsNone(case.accept_due)
        self.assertFalse(case.notices.filter(kind=NoticeKind.RECEIPT).exists())
        confirmation = EmployerConfirmation.objects.get(case=case)
        self.assertEqual(
            (confirmation.kind, confirmation.uscc, confirmation.status),
            (ConfirmationKind.EMPLOYMENT, self.enterprise.enterprise.uscc, ConfirmationStatus.WAITING),
        )
        self.assertGreater(confirmation.due, timezone.localdate())
        sms = SmsMessage.objects.get(template="employer_confirm_request")
        self.assertEqual((sms.mobile, sms.user), ("13700000003", self.enterprise))
        self.assertIn(case.number or "?", sms.text)
        inbox = InboxMessage.objects.get(user=self.enterprise)
        self.assertEqual(inbox.link, reverse("cases:employer_case", args=[confirmation.pk]))
        self.assertEqual(
            list(case.events.values_list("action", "to_status")),
            [(CaseAction.SUBMIT_TO_EMPLOYER, CaseStatus.CONFIRMING)],
        )
        # The applicant's page says who confirms; the department does not see it yet.
        r = self.client.get(reverse("cases:detail", args=[case.pk]))
        self.assertContains(r, "等待单位确认")
        self.assertContains(r, "等待聘用单位在线确认，无需上传")
        self.assertNotContains(r, "改为纸质确认</button>")
        self.client.force_login(self.acceptor)
        self.assertEqual(self.client.get(reverse("review:case", args=[case.pk])).status_code, 404)
        r = self.client.get(reverse("review:queue"), {"status": "all"})
        self.assertNotContains(r, case.number or "?")

    def test_the_employer_confirms_and_the_case_goes_on_to_办结(self):
        case = self._submitted()
        confirmation = EmployerConfirmation.objects.get(case=case)

        # 本单位人员 links the list; the list links the read-only application.
        self.client.force_login(self.enterprise)
        r = self.client.get(reverse("registry:enterprise"))
        self.assertContains(r, f'href="{reverse("cases:employer_list")}"')
        self.assertContains(r, "待确认申请（1）")
        r = self.client.get(reverse("cases:employer_list"))
        self.assertContains(r, reverse("cases:employer_case", args=[confirmation.pk]))
        self.assertContains(r, "张伟")
        r = self.client.get(reverse("cases:employer_case", args=[confirmation.pk]))
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "申请表（只读）")
        self.assertContains(r, "申请注册专业")
        self.assertContains(r, "建筑工程")
        number = self.applicant.id_number
        self.assertContains(r, number[:4] + "*" * 10 + number[-4:])
        self.assertNotContains(r, number)
        self.assertContains(r, "138****0001")
        self.assertNotContains(r, self.applicant.mobile)
        view = AuditEvent.objects.get(action=AuditAction.CASE_VIEW)
        self.assertEqual((view.actor_id, view.subject_id), (self.enterprise.pk, self.applicant.pk))
        self.assertEqual(view.object_id, str(case.pk))

        r = self._answer(confirmation, "confirm")
        self.assertRedirects(r, reverse("cases:employer_list"), fetch_redirect_response=False)
        # A double click changes nothing.
        r = self._answer(confirmation, "confirm")
        self.assertRedirects(r, reverse("cases:employer_list"), fetch_redirect_response=False)

        case.refresh_from_db()
        confirmation.refresh_from_db()
        self.assertEqual(case.status, CaseStatus.PENDING)
        self.assertIsNotNone(case.submitted_at)
        self.assertIsNotNone(case.accept_due)
        self.assertEqual(case.notices.filter(kind=NoticeKind.RECEIPT).count(), 1)
        self.assertEqual(confirmation.status, ConfirmationStatus.CONFIRMED)
        self.assertEqual((confirmation.answered_by, confirmation.agent_name), (self.enterprise, "赵敏"))
        self.assertEqual(
            list(case.events.values_list("action", "actor_role")),
            [
                (CaseAction.SUBMIT_TO_EMPLOYER, "applicant"),
                (CaseAction.EMPLOYER_CONFIRM, "employer"),
                (CaseAction.FORWARD, "system"),
            ],
        )
        self.assertTrue(InboxMessage.objects.filter(user=self.applicant, title="申请已送交受理部门").exists())

        # The workbench shows who confirmed and when, and does not ask for the sealed form.
        self.client.force_login(self.acceptor)
        r = self.client.get(reverse("review:case", args=[case.pk]))
        self.assertContains(r, "辽宁宏建建设集团有限公司（经办人 赵敏）")
        self.assertContains(r, f"{timezone.localtime(confirmation.answered_at):%Y-%m-%d %H:%M}")
        self.assertContains(r, "单位已在线确认，无需上传")
        required = [row.material.code for row in r.context["materials"] if row.required]
        self.assertNotIn("application_form", required)

        case = case_grant(self, case)
        self.assertEqual(case.status, CaseStatus.APPROVED)
        self.client.force_login(self.applicant)
        r = self.client.get(reverse("cases:detail", args=[case.pk]))
        for step in ("保存并提交（待单位确认）", "单位确认", "送交受理部门", "受理", "准予许可"):
            self.assertContains(r, step)
        # A step that leaves the status as it was says so, instead of 「待单位确认 → 待单位确认」.
        self.assertContains(r, "状态仍为待单位确认")
        self.assertNotContains(r, "待单位确认 → 待单位确认")
        self.assertContains(r, "待单位确认 → 待受理")

        # 办结 closes with the applicant's rating (一事一评): the 办结 SMS and the case page
        # link to it; the rating is recorded and queued for the provincial 好差评 system.
        rate_url = reverse("ratings:rate", args=[case.pk])
        self.assertContains(r, f'href="{rate_url}"')
        self.assertContains(r, "去评价")
        finished = SmsMessage.objects.get(template="case_finished", user=self.applicant)
        self.assertIn(rate_url, finished.text)
        r = self.client.post(
            rate_url,
            {
                "level": RatingLevel.SATISFIED,
                "indicators": [RatingIndicator.CONVENIENCE],
                "text": "单位在线确认，省了跑腿",
            },
        )
        self.assertRedirects(r, rate_url, fetch_redirect_response=False)
        rating = Rating.objects.get(case=case)
        self.assertEqual(
            (rating.applicant, rating.level, rating.indicators, rating.text),
            (self.applicant, RatingLevel.SATISFIED, [RatingIndicator.CONVENIENCE], "单位在线确认，省了跑腿"),
        )
        push = RatingPush.objects.get(rating=rating)
        self.assertEqual((push.status, push.attempts), (OutboxStatus.QUEUED, 0))
        (task,) = pending_tasks(task_path="ratings.tasks.push_rating")
        self.assertEqual(task.args_kwargs["kwargs"]["push_id"], push.pk)
        self.assertFalse(Rectification.objects.exists())  # a good rating asks nothing of staff
        r = self.client.get(reverse("cases:detail", args=[case.pk]))
        self.assertContains(r, "您的评价：<strong>满意</strong>", html=False)
        self.assertNotContains(r, "去评价")

    def test_a_return_gives_the_case_back_with_its_reason(self):
        case = self._submitted()
        confirmation = EmployerConfirmation.objects.get(case=case)

        r = self._answer(confirmation, "return")
        self.assertRedirects(
            r, reverse("cases:employer_case", args=[confirmation.pk]), fetch_redirect_response=False
        )
        confirmation.refresh_from_db()
        self.assertEqual(confirmation.status, ConfirmationStatus.WAITING)  # a reason is needed

        r = self._answer(confirmation, "return", "专业填写有误，本单位申报的是市政公用工程")
        self.assertRedirects(r, reverse("cases:employer_list"), fetch_redirect_response=False)
        case.refresh_from_db()
        confirmation.refresh_from_db()
        self.assertEqual(case.status, CaseStatus.DRAFT)
        self.assertEqual(confirmation.status, ConfirmationStatus.RETURNED)
        sms = SmsMessage.objects.get(template="case_employer_returned")
        self.assertEqual(sms.mobile, "13800000001")
        self.assertIn("专业填写有误", sms.text)
        # A late 确认 after the 退回 is refused.
        r = self._answer(confirmation, "confirm")
        self.assertEqual(
            EmployerConfirmation.objects.get(pk=confirmation.pk).status, ConfirmationStatus.RETURNED
        )

        # The applicant reads the reason, corrects, and submits again: a new round.
        self.client.force_login(self.applicant)
        r = self.client.get(reverse("cases:edit", args=[case.pk]))
        self.assertContains(r, "聘用单位退回了申请")
        self.assertContains(r, "专业填写有误，本单位申报的是市政公用工程")
        post = {**form_post(self, specialties=["10401010"]), "action": "submit"}
        r = self.client.post(reverse("cases:edit", args=[case.pk]), post)
        case.refresh_from_db()
        self.assertEqual(case.status, CaseStatus.CONFIRMING)
        self.assertEqual(case.form_data["specialties"], ["10401010"])
        self.assertEqual(case.confirmations.filter(status=ConfirmationStatus.WAITING).count(), 1)

    def test_another_enterprise_and_other_accounts_get_a_404(self):
        case = self._submitted()
        confirmation = EmployerConfirmation.objects.get(case=case)
        uscc = make_uscc("91210100MA0QC2222")
        other = self.enterprise.__class__.objects.create_user(
            username=uscc,
            password=PASSWORD,
            kind=UserKind.LEGAL,
            name="辽宁另一建设有限公司",
            mobile="13700000009",
        )
        Enterprise.objects.create(
            user=other,
            uscc=uscc,
            legal_representative="钱七",
            agent_name="孙八",
            agent_id_number=self.applicant.id_number,
            verified_at=timezone.now(),
        )
        case_url = reverse("cases:employer_case", args=[confirmation.pk])
        answer_url = reverse("cases:employer_answer", args=[confirmation.pk])
        for user in (other, self.applicant, self.other_applicant, self.acceptor):
            self.client.force_login(user)
            self.assertEqual(self.client.get(case_url).status_code, 404, user)
            self.assertEqual(self.client.post(answer_url, {"answer": "confirm"}).status_code, 404, user)
        self.client.force_login(other)
        self.assertNotContains(self.client.get(reverse("cases:employer_list")), "张伟")
        # Its own employer, once unverified, sees nothing either.
        Enterprise.objects.filter(user=self.enterprise).update(verified_at=None)
        self.client.force_login(self.enterprise)
        self.assertEqual(self.client.get(case_url).status_code, 404)
        self.assertContains(self.client.get(reverse("cases:employer_list")), "尚未通过企业认证")
        self.assertEqual(
            EmployerConfirmation.objects.get(pk=confirmation.pk).status, ConfirmationStatus.WAITING
        )
        self.assertFalse(AuditEvent.objects.filter(action=AuditAction.CASE_VIEW).exists())

    def test_a_late_employer_lets_the_applicant_switch_to_paper(self):
        case = self._submitted()
        confirmation = EmployerConfirmation.objects.get(case=case)
        self.client.force_login(self.applicant)
        # Within the employer's time, nobody switches.
        r = self.client.post(reverse("cases:paper_path", args=[case.pk]))
        self.assertEqual(Case.objects.get(pk=case.pk).status, CaseStatus.CONFIRMING)

        EmployerConfirmation.objects.filter(pk=confirmation.pk).update(
            due=timezone.localdate() - timedelta(days=1)
        )
        r = self.client.get(reverse("cases:detail", args=[case.pk]))
        self.assertContains(r, "改为纸质确认</button>")
        r = self.client.post(reverse("cases:paper_path", args=[case.pk]))
        # The sealed form is not there yet: the case waits for it as a 草稿.
        self.assertRedirects(
            r, reverse("cases:edit", args=[case.pk]) + "?check=1", fetch_redirect_response=False
        )
        case.refresh_from_db()
        self.assertEqual(case.status, CaseStatus.DRAFT)
        self.assertEqual(
            EmployerConfirmation.objects.get(pk=confirmation.pk).status, ConfirmationStatus.PAPER
        )
        r = self.client.get(r["Location"])
        self.assertContains(r, "请上传“申请表”")

        upload_material(self.client, case, "application_form")
        r = self.client.post(reverse("cases:edit", args=[case.pk]), {**form_post(self), "action": "submit"})
        self.assertRedirects(r, reverse("cases:receipt", args=[case.pk]), fetch_redirect_response=False)
        case.refresh_from_db()
        self.assertEqual(case.status, CaseStatus.PENDING)
        self.assertEqual(EmployerConfirmation.objects.filter(case=case).count(), 1)  # not asked again
        self.assertEqual(
            list(case.events.values_list("action", flat=True)),
            [CaseAction.SUBMIT_TO_EMPLOYER, CaseAction.PAPER_PATH, CaseAction.SUBMIT],
        )

    def _waiting(self, count: int) -> None:
        """`count` cases waiting for the enterprise's 单位确认, built directly (the list is the
        subject)."""
        item = initial_item()
        first = Case.objects.count()
        for n in range(count):
            case = Case.objects.create(
                applicant=self.applicant,
                applicant_name="张伟",
                department=item.matter.department,
                matter=item.matter,
                item=item,
                status=CaseStatus.CONFIRMING,
                number=f"LN20990101{first + n:05d}",
            )
            EmployerConfirmation.objects.create(
                case=case,
                kind=ConfirmationKind.EMPLOYMENT,
                uscc=self.enterprise.enterprise.uscc.upper(),
                enterprise_name=self.enterprise.name,
                due=timezone.localdate() + timedelta(days=5),
            )

    def test_the_list_shows_20_a_page_with_the_same_queries_for_1_or_30(self):
        self._waiting(1)
        self.client.force_login(self.enterprise)
        url = reverse("cases:employer_list")
        self.client.get(url)  # the login's first page: it stamps the session, the others do not
        with CaptureQueriesContext(connection) as one:
            r = self.client.get(url)
        self.assertEqual(len(r.context["rows"]), 1)
        self._waiting(29)
        with self.assertNumQueries(len(one.captured_queries)):
            r = self.client.get(url)
        self.assertEqual(len(r.context["rows"]), 20)
        self.assertContains(r, "共 30 件")
        self.assertContains(r, 'rel="next" href="?page=2">下一页</a>')
        with self.assertNumQueries(len(one.captured_queries)):
            r = self.client.get(url, {"page": 2})
        self.assertEqual(len(r.context["rows"]), 10)
