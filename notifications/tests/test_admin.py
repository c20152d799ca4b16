from __future__ import annotations

from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from notifications.models import InboxMessage, SmsMessage, SmsStatus
from notifications.services import inbox_message_create, sms_enqueue
from notifications.testing import pending_tasks
from portal.test import BaseTestCase

LIST_URL = reverse("admin:notifications_smsmessage_changelist")


class SmsAdminTestCase(BaseTestCase):
    def setUp(self):
        self.code_sms = sms_enqueue(
            mobile="13800000001",
            template="verification_code",
            context={"code": "246810", "purpose": "注册", "minutes": 5},
            user=self.applicant,
        )
        self.failed_sms = sms_enqueue(
            mobile="13900000002",
            template="verification_code",
            context={"code": "135790", "purpose": "登录", "minutes": 5},
        )
        DBTaskResult.objects.all().delete()
        SmsMessage.objects.filter(pk=self.failed_sms.pk).update(
            status=SmsStatus.FAILED, attempts=6, last_error="短信网关返回 HTTP 503"
        )

    def resend(self, *messages: SmsMessage):
        return self.client.post(
            LIST_URL,
            {"action": "resend", "_selected_action": [m.pk for m in messages]},
            follow=True,
            HTTP_X_REQUEST_ID="admin-resend-1",
        )

    def test_it_lists_messages_with_masked_mobiles(self):
        self.client.force_login(self.admin)

        r = self.client.get(LIST_URL)

        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "138****0001")
        self.assertContains(r, "139****0002")
        self.assertContains(r, "短信网关返回 HTTP 503")
        self.assertNotContains(r, "13800000001")
        self.assertNotContains(r, "13900000002")

    def test_it_finds_a_message_by_the_whole_mobile(self):
        self.client.force_login(self.admin)

        r = self.client.get(LIST_URL, {"q": "13900000002"})

        self.assertContains(r, "139****0002")
        self.assertNotContains(r, "138****0001")

    def test_a_part_of_a_mobile_finds_nothing(self):
        # Stored encrypted and found by its blind index: only the whole number matches.
        self.client.force_login(self.admin)

        r = self.client.get(LIST_URL, {"q": "1390000"})

        self.assertEqual(r.status_code, 200)
        self.assertNotContains(r, "139****0002")
        self.assertNotContains(r, "138****0001")

    def test_it_filters_by_status(self):
        self.client.force_login(self.admin)

        r = self.client.get(LIST_URL, {"status__exact": SmsStatus.FAILED})

        self.assertContains(r, "139****0002")
        self.assertNotContains(r, "138****0001")

    def test_it_never_shows_a_verification_code(self):
        self.client.force_login(self.admin)

        r = self.client.get(reverse("admin:notifications_smsmessage_change", args=[self.code_sms.pk]))

        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "验证码短信，内容不予显示")
        self.assertNotContains(r, "246810")
        self.assertNotContains(r, "13800000001")

    def test_it_resends_a_failed_message(self):
        self.client.force_login(self.admin)

        r = self.resend(self.failed_sms)

        self.assertContains(r, "已重新排队发送1条短信")
        self.failed_sms.refresh_from_db()
        self.assertEqual(self.failed_sms.status, SmsStatus.QUEUED)
        self.assertEqual(self.failed_sms.attempts, 0)
        (task,) = pending_tasks()
        # With the admin's request id, for the worker's log line of the new try.
        self.assertEqual(
            task.args_kwargs["kwargs"], {"message_id": self.failed_sms.pk, "request_id": "admin-resend-1"}
        )

    def test_it_does_not_resend_a_message_that_has_not_failed(self):
        self.client.force_login(self.admin)

        r = self.resend(self.code_sms)

        self.assertContains(r, "1条短信不是“失败”状态，未重新发送")
        self.code_sms.refresh_from_db()
        self.assertEqual(self.code_sms.status, SmsStatus.QUEUED)
        self.assertEqual(pending_tasks(), [])

    def test_it_offers_no_add_change_or_delete(self):
        self.client.force_login(self.admin)

        self.assertEqual(self.client.get(reverse("admin:notifications_smsmessage_add")).status_code, 403)
        delete_url = reverse("admin:notifications_smsmessage_delete", args=[self.failed_sms.pk])
        self.assertEqual(self.client.post(delete_url, {"post": "yes"}).status_code, 403)
        change_url = reverse("admin:notifications_smsmessage_change", args=[self.failed_sms.pk])
        self.client.post(change_url, {"status": SmsStatus.DELIVERED})
        self.failed_sms.refresh_from_db()
        self.assertEqual(self.failed_sms.status, SmsStatus.FAILED)
        self.assertEqual(SmsMessage.objects.count(), 2)

    def test_it_keeps_applicants_out(self):
        self.client.force_login(self.applicant)

        r = self.client.get(LIST_URL)
        self.assertEqual(r.status_code, 302)
        self.assertNotIn(LIST_URL, r["Location"].split("?")[0])

        self.resend(self.failed_sms)
        self.failed_sms.refresh_from_db()
        self.assertEqual(self.failed_sms.status, SmsStatus.FAILED)
        self.assertEqual(pending_tasks(), [])

    def test_it_keeps_staff_without_the_admin_role_out(self):
        self.client.force_login(self.reviewer)

        r = self.client.get(LIST_URL)

        self.assertEqual(r.status_code, 302)


class InboxAdminTestCase(BaseTestCase):
    def test_it_lists_inbox_messages_read_only(self):
        message = inbox_message_create(user=self.applicant, title="您的办件已受理", body="请留意审查进度。")
        self.client.force_login(self.admin)

        r = self.client.get(reverse("admin:notifications_inboxmessage_changelist"))

        self.assertContains(r, "您的办件已受理")
        change_url = reverse("admin:notifications_inboxmessage_change", args=[message.pk])
        self.client.post(change_url, {"title": "改过的标题"})
        message.refresh_from_db()
        self.assertEqual(message.title, "您的办件已受理")
        self.assertEqual(self.client.get(reverse("admin:notifications_inboxmessage_add")).status_code, 403)
        self.assertEqual(InboxMessage.objects.count(), 1)
