"""The applicant's verified name differs from the register's: 张伟 is registered as 张伟, and
his account now carries 张伟民 (his name changed at the 公安 and his account was verified
again). The workbench warns on the case and in the queue, and 准予 needs the decider's
confirmation, which is kept with the event."""

from __future__ import annotations

from django.urls import reverse

from cases.models import CaseAction, CaseEvent, CaseStatus
from cases.tests.helpers import form_data_of, submitted_case_of
from catalog.registration_types import RegistrationType
from certificates.tests.helpers import approved_case
from portal.test import BaseTestCase
from registry.models import RegisteredSpecialty
from review.services import case_accept, case_review

WARNING = "申请人实名认证的姓名“张伟民”与注册信息库中的姓名“张伟”不一致"


class NameMismatchTestCase(BaseTestCase):
    def setUp(self) -> None:
        approved_case(self)
        case = submitted_case_of(
            self, RegistrationType.ADDITION, form_data_of(self, RegistrationType.ADDITION)
        )
        self.applicant.name = "张伟民"
        self.applicant.save(update_fields=["name"])
        case = case_accept(case=case, actor=self.acceptor)
        self.case = case_review(case=case, actor=self.reviewer, opinion="符合增项条件")

    def test_the_case_page_and_the_queue_warn(self):
        self.client.force_login(self.decider)
        r = self.client.get(reverse("review:case", args=[self.case.pk]))
        self.assertContains(r, WARNING)
        self.assertContains(r, 'name="approve-name_confirmed"')
        r = self.client.get(reverse("review:queue"))
        self.assertContains(r, "姓名与注册信息不一致")
        self.assertEqual([differs for _, _, differs in r.context["rows"]], [True])

    def test_approval_without_the_confirmation_is_refused_and_writes_nothing(self):
        self.client.force_login(self.decider)
        r = self.client.post(
            reverse("review:approve", args=[self.case.pk]), {"approve-opinion": ""}, follow=True
        )
        self.assertContains(r, "核实后请勾选确认再准予许可")
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, CaseStatus.DECIDING)
        self.assertEqual(RegisteredSpecialty.objects.count(), 1)
        self.assertFalse(CaseEvent.objects.filter(case=self.case, action=CaseAction.APPROVE).exists())

    def test_approval_with_the_confirmation_goes_through_and_is_recorded(self):
        self.client.force_login(self.decider)
        r = self.client.post(
            reverse("review:approve", args=[self.case.pk]),
            {"approve-opinion": "已核实为姓名变更", "approve-name_confirmed": "on"},
            follow=True,
        )
        self.assertContains(r, "已准予许可")
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, CaseStatus.APPROVED)
        self.assertEqual(RegisteredSpecialty.objects.count(), 2)
        event = CaseEvent.objects.get(case=self.case, action=CaseAction.APPROVE)
        self.assertEqual(event.data["name_mismatch_confirmed"], ["张伟民", "张伟"])

    def test_no_warning_when_the_names_agree(self):
        self.applicant.name = "张伟"
        self.applicant.save(update_fields=["name"])
        self.client.force_login(self.decider)
        r = self.client.get(reverse("review:case", args=[self.case.pk]))
        self.assertNotContains(r, "不一致")
        self.assertNotContains(r, 'name="approve-name_confirmed"')

    def test_an_applicant_no_longer_verified_is_flagged_and_cannot_be_granted(self):
        # As after the upgrade that cleared every format-only verification.
        self.applicant.real_name_verified_at = None
        self.applicant.save(update_fields=["real_name_verified_at"])
        self.client.force_login(self.decider)
        r = self.client.get(reverse("review:case", args=[self.case.pk]))
        self.assertContains(r, "申请人未实名认证")
        self.assertNotContains(r, WARNING)
        r = self.client.get(reverse("review:queue"))
        self.assertEqual([differs for _, _, differs in r.context["rows"]], [False])
        r = self.client.post(
            reverse("review:approve", args=[self.case.pk]),
            {"approve-opinion": "", "approve-name_confirmed": "on"},
            follow=True,
        )
        self.assertContains(r, "未通过实名认证")
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, CaseStatus.DECIDING)
        self.assertEqual(RegisteredSpecialty.objects.count(), 1)
