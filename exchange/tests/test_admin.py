"""The 系统管理员's view of the outbound records: what was sent, to whom, and whether it
arrived; a failed record sent again. The holder's ID number is masked there too."""

from __future__ import annotations

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from audit.models import AuditAction, AuditEvent
from exchange.contracts import CaseRecordEvent, Channel, LicenceEvent
from exchange.models import OutboundRecord, OutboundStatus
from exchange.services import outbound_enqueue
from exchange.testing import SHARING_ON
from notifications.testing import pending_tasks
from portal.test import BaseTestCase

LIST_URL = reverse("admin:exchange_outboundrecord_changelist")
ID_NUMBER = "210102199003070014"


@override_settings(**SHARING_ON)
class OutboundAdminTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        licence = outbound_enqueue(
            channel=Channel.LICENCE,
            event=LicenceEvent.ISSUED,
            subject="1.2.156.3005.2.A.B.00000001.001.X",
            payload={"holder": {"name": "张伟", "id_type": "resident", "id_number": ID_NUMBER}},
            occurred_at=timezone.now(),
        )
        case = outbound_enqueue(
            channel=Channel.CASE,
            event=CaseRecordEvent.STATUS_CHANGED,
            subject="LN2026030400001",
            payload={"case_number": "LN2026030400001", "status": "pending"},
            occurred_at=timezone.now(),
        )
        assert licence is not None and case is not None
        self.licence, self.case = licence, case
        DBTaskResult.objects.all().delete()
        OutboundRecord.objects.filter(pk=case.pk).update(
            status=OutboundStatus.FAILED, attempts=12, last_error="办件归集接口返回 HTTP 503"
        )

    def resend(self, *records: OutboundRecord):
        return self.client.post(
            LIST_URL, {"action": "resend", "_selected_action": [r.pk for r in records]}, follow=True
        )

    def test_it_lists_the_records_with_their_outcome(self):
        self.client.force_login(self.admin)

        r = self.client.get(LIST_URL, {"status__exact": OutboundStatus.FAILED})

        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "LN2026030400001")
        self.assertContains(r, "办件归集接口返回 HTTP 503")
        self.assertNotContains(r, "1.2.156.3005.2.A.B.00000001.001.X")

    def test_it_finds_a_record_by_its_whole_subject(self):
        self.client.force_login(self.admin)

        r = self.client.get(LIST_URL, {"q": "LN2026030400001"})

        self.assertContains(r, "LN2026030400001")
        self.assertNotContains(r, "1.2.156.3005.2.A.B.00000001.001.X")

    def test_it_shows_what_was_sent_with_the_id_number_masked_and_audits_the_read(self):
        self.client.force_login(self.admin)

        r = self.client.get(reverse("admin:exchange_outboundrecord_change", args=[self.licence.pk]))

        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "2101**********0014")
        self.assertContains(r, "张伟")
        self.assertNotContains(r, ID_NUMBER)
        self.assertTrue(
            AuditEvent.objects.filter(
                action=AuditAction.ADMIN_READ, actor_id=self.admin.pk, object_id=str(self.licence.pk)
            ).exists()
        )

    def test_it_sends_a_failed_record_again(self):
        self.client.force_login(self.admin)

        r = self.resend(self.case, self.licence)

        self.assertContains(r, "已重新排队发送1条记录")
        self.assertContains(r, "1条记录不是“失败”状态，未重新发送")
        self.case.refresh_from_db()
        self.assertEqual((self.case.status, self.case.attempts), (OutboundStatus.QUEUED, 0))
        (task,) = pending_tasks(task_path="exchange.tasks.deliver_outbound")
        self.assertEqual(task.args_kwargs["kwargs"]["record_id"], self.case.pk)

    def test_it_offers_no_add_change_or_delete(self):
        self.client.force_login(self.admin)

        self.assertEqual(self.client.get(reverse("admin:exchange_outboundrecord_add")).status_code, 403)
        delete_url = reverse("admin:exchange_outboundrecord_delete", args=[self.case.pk])
        self.assertEqual(self.client.post(delete_url, {"post": "yes"}).status_code, 403)
        self.assertEqual(OutboundRecord.objects.count(), 2)

    def test_it_keeps_other_staff_out(self):
        # A reviewer never enters the admin site (sent to its login); the other two
        # administrators enter it but hold no permission on these records.
        for user, status in ((self.reviewer, 302), (self.security_admin, 403), (self.auditor, 403)):
            self.client.force_login(user)
            with self.subTest(user=user.username):
                self.assertEqual(self.client.get(LIST_URL).status_code, status)
                self.resend(self.case)
                self.case.refresh_from_db()
                self.assertEqual(self.case.status, OutboundStatus.FAILED)
