"""准予 for applicants whose document is not a 居民身份证.

陈家明 is a Hong Kong resident who opened his account with his 港澳居民来往内地通行证. The
register and the certificate print 性别 and 出生日期, which only a 居民身份证 number carries:
when the portal does not know them, the decider's 准予许可 is refused with a sentence that
says so, and nothing of the grant is written (it used to end in 「身份证号码应为18位」)."""

from __future__ import annotations

from accounts.models import IdType
from cases.models import CaseAction, CaseStatus, NoticeKind
from cases.tests.helpers import submitted_case
from notifications.models import SmsMessage
from portal.test import BaseTestCase, document_holder_create
from registry.models import Person, Registration
from registry.tests.helpers import case_to_decision

HK_PERMIT = "H60123456"


class GrantWithoutParticularsTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.holder = document_holder_create(
            name="陈家明", id_type=IdType.HK_MACAO, id_number=HK_PERMIT, mobile="13600000071"
        )
        self.case = case_to_decision(self, submitted_case(self, applicant=self.holder))

    def test_it_refuses_the_grant_and_writes_nothing(self):
        sms_before = SmsMessage.objects.count()
        self.client.force_login(self.decider)
        r = self.client.post(
            f"/workbench/cases/{self.case.pk}/approve/", {"approve-opinion": "准予注册"}, follow=True
        )
        self.assertContains(r, "申请人的账号缺少性别和出生日期（港澳居民来往内地通行证的号码中不含这些信息）")
        self.assertContains(r, "请核实后作出不予许可决定")
        self.assertNotContains(r, "身份证号码应为18位")

        self.case.refresh_from_db()
        self.assertEqual(self.case.status, CaseStatus.DECIDING)
        self.assertFalse(self.case.events.filter(action=CaseAction.APPROVE).exists())
        self.assertFalse(self.case.notices.filter(kind=NoticeKind.APPROVAL).exists())
        self.assertFalse(Person.objects.filter(id_type=IdType.HK_MACAO).exists())
        self.assertFalse(Registration.objects.exists())
        self.assertEqual(SmsMessage.objects.count(), sms_before)
