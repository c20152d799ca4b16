from __future__ import annotations

from notifications.models import InboxMessage
from notifications.services import inbox_message_create
from portal.test import BaseTestCase


class InboxTestCase(BaseTestCase):
    def test_it_lists_own_messages_and_counts_unread(self):
        inbox_message_create(
            user=self.applicant, title="申请已受理", body="办件编号LN1：申请已受理。", link="/cases/mine/"
        )
        inbox_message_create(user=self.other_applicant, title="别人的消息", body="不应出现")
        self.client.force_login(self.applicant)
        r = self.client.get("/messages/")
        self.assertContains(r, "申请已受理")
        self.assertNotContains(r, "别人的消息")
        self.assertContains(r, '<span class="badge">1</span>', html=True)

    def test_opening_marks_read_and_follows_the_link(self):
        message = inbox_message_create(user=self.applicant, title="申请已受理", body="…", link="/cases/mine/")
        self.client.force_login(self.applicant)
        r = self.client.post(f"/messages/{message.pk}/")
        self.assertRedirects(r, "/cases/mine/", fetch_redirect_response=False)
        message.refresh_from_db()
        self.assertIsNotNone(message.read_at)

    def test_another_persons_message_is_404(self):
        message = inbox_message_create(user=self.applicant, title="申请已受理", body="…")
        self.client.force_login(self.other_applicant)
        self.assertEqual(self.client.post(f"/messages/{message.pk}/").status_code, 404)
        self.assertIsNone(InboxMessage.objects.get(pk=message.pk).read_at)

    def test_it_needs_a_login(self):
        self.assertEqual(self.client.get("/messages/").status_code, 302)
