from __future__ import annotations

from datetime import timedelta

from django.http import Http404
from django.utils import timezone

from notifications.models import InboxMessage
from notifications.selectors import inbox_list_for_user, inbox_message_get_for_user, inbox_unread_count
from notifications.services import inbox_message_create, inbox_message_mark_read
from notifications.testing import frozen_now
from portal.test import BaseTestCase


class InboxTestCase(BaseTestCase):
    def test_it_creates_a_message_for_the_user(self):
        message = inbox_message_create(
            user=self.applicant, title="您的办件已受理", body="受理编号：LN2026000001。", link="/cases/1/"
        )

        message.refresh_from_db()
        self.assertEqual(message.user, self.applicant)
        self.assertEqual(message.title, "您的办件已受理")
        self.assertEqual(message.body, "受理编号：LN2026000001。")
        self.assertEqual(message.link, "/cases/1/")
        self.assertIsNone(message.read_at)

    def test_it_refuses_a_link_that_leaves_the_portal(self):
        for link in ("https://evil.example/", "//evil.example/", "javascript:alert(1)", "/\\evil.example"):
            with self.subTest(link=link), self.assertRaises(ValueError):
                inbox_message_create(user=self.applicant, title="t", body="b", link=link)

        self.assertFalse(InboxMessage.objects.exists())

    def test_it_lists_only_the_users_own_messages_newest_first(self):
        start = timezone.now()
        with frozen_now(start):
            first = inbox_message_create(user=self.applicant, title="第一条", body="b")
        with frozen_now(start + timedelta(minutes=1)):
            second = inbox_message_create(user=self.applicant, title="第二条", body="b")
        inbox_message_create(user=self.other_applicant, title="别人的", body="b")

        self.assertEqual(list(inbox_list_for_user(user=self.applicant)), [second, first])
        self.assertEqual(second.created_at - first.created_at, timedelta(minutes=1))
        self.assertEqual([m.title for m in inbox_list_for_user(user=self.other_applicant)], ["别人的"])
        self.assertEqual(list(inbox_list_for_user(user=self.enterprise)), [])

    def test_it_counts_unread_messages(self):
        first = inbox_message_create(user=self.applicant, title="一", body="b")
        inbox_message_create(user=self.applicant, title="二", body="b")
        inbox_message_create(user=self.other_applicant, title="别人的", body="b")

        self.assertEqual(inbox_unread_count(user=self.applicant), 2)
        inbox_message_mark_read(message=first)
        self.assertEqual(inbox_unread_count(user=self.applicant), 1)
        self.assertEqual(inbox_unread_count(user=self.other_applicant), 1)

    def test_it_keeps_the_first_reading_time(self):
        message = inbox_message_create(user=self.applicant, title="一", body="b")
        first_read = timezone.now()
        with frozen_now(first_read):
            inbox_message_mark_read(message=message)
        with frozen_now(first_read + timedelta(hours=1)):
            inbox_message_mark_read(message=message)

        message.refresh_from_db()
        self.assertEqual(message.read_at, first_read)

    def test_it_hides_another_users_message(self):
        message = inbox_message_create(user=self.applicant, title="一", body="b")

        self.assertEqual(inbox_message_get_for_user(user=self.applicant, pk=message.pk), message)
        with self.assertRaises(Http404):
            inbox_message_get_for_user(user=self.other_applicant, pk=message.pk)
