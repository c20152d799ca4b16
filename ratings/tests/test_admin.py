"""The 系统管理员's view of the 好差评 pushes: which ratings the provincial system has, which
failed and why; a failed one pushed again, with the same rating id. Nobody else sees them."""

from __future__ import annotations

from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from notifications.outbox import OutboxStatus
from notifications.testing import pending_tasks
from portal.test import BaseTestCase
from ratings.models import RatingLevel, RatingPush
from ratings.tests.builders import case_ended, rating_made

LIST_URL = reverse("admin:ratings_ratingpush_changelist")
TASK = "ratings.tasks.push_rating"


class RatingPushAdminTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.failed = RatingPush.objects.get(rating=rating_made(self))
        other_case = case_ended(self, applicant=self.other_applicant)
        self.queued = RatingPush.objects.get(
            rating=rating_made(self, case=other_case, level=RatingLevel.SATISFIED, indicators=())
        )
        DBTaskResult.objects.all().delete()
        RatingPush.objects.filter(pk=self.failed.pk).update(
            status=OutboxStatus.FAILED, attempts=8, last_error="省好差评系统返回 HTTP 503"
        )
        self.failed_number = self.failed.rating.case.number or "?"
        self.queued_number = self.queued.rating.case.number or "?"

    def resend(self, *pushes: RatingPush):
        return self.client.post(
            LIST_URL,
            {"action": "resend", "_selected_action": [p.pk for p in pushes]},
            follow=True,
            HTTP_X_REQUEST_ID="admin-resend-2",
        )

    def test_it_lists_the_failed_pushes_with_their_reason(self):
        self.client.force_login(self.admin)

        r = self.client.get(LIST_URL, {"status__exact": OutboxStatus.FAILED})

        self.assertEqual(r.status_code, 200)
        self.assertContains(r, self.failed_number)
        self.assertContains(r, "非常不满意")
        self.assertContains(r, "省好差评系统返回 HTTP 503")
        self.assertNotContains(r, self.queued_number)

    def test_it_finds_a_push_by_the_whole_case_number(self):
        self.client.force_login(self.admin)

        r = self.client.get(LIST_URL, {"q": self.queued_number})

        self.assertContains(r, self.queued_number)
        self.assertNotContains(r, self.failed_number)

    def test_it_shows_what_is_pushed_and_no_person(self):
        self.client.force_login(self.admin)

        r = self.client.get(reverse("admin:ratings_ratingpush_change", args=[self.failed.pk]))

        self.assertEqual(r.status_code, 200)
        self.assertContains(r, str(self.failed.rating.uuid))
        self.assertContains(r, "&quot;caseNumber&quot;: &quot;" + self.failed_number)
        self.assertContains(r, "等了很久才受理")
        self.assertNotContains(r, self.applicant.name)
        self.assertNotContains(r, self.applicant.id_number)

    def test_it_pushes_a_failed_rating_again(self):
        self.client.force_login(self.admin)

        r = self.resend(self.failed, self.queued)

        self.assertContains(r, "已重新排队推送1条评价")
        self.assertContains(r, "1条评价不是“失败”状态，未重新发送")
        self.failed.refresh_from_db()
        self.assertEqual(
            (self.failed.status, self.failed.attempts, self.failed.last_error), (OutboxStatus.QUEUED, 0, "")
        )
        (task,) = pending_tasks(task_path=TASK)
        # With the admin's request id, for the worker's log line of the new try.
        self.assertEqual(
            task.args_kwargs["kwargs"], {"push_id": self.failed.pk, "request_id": "admin-resend-2"}
        )
        self.queued.refresh_from_db()
        self.assertEqual((self.queued.status, self.queued.attempts), (OutboxStatus.QUEUED, 0))

    def test_it_offers_no_add_change_or_delete(self):
        self.client.force_login(self.admin)

        self.assertEqual(self.client.get(reverse("admin:ratings_ratingpush_add")).status_code, 403)
        delete_url = reverse("admin:ratings_ratingpush_delete", args=[self.failed.pk])
        self.assertEqual(self.client.post(delete_url, {"post": "yes"}).status_code, 403)
        change_url = reverse("admin:ratings_ratingpush_change", args=[self.failed.pk])
        self.client.post(change_url, {"status": OutboxStatus.DELIVERED})
        self.failed.refresh_from_db()
        self.assertEqual(self.failed.status, OutboxStatus.FAILED)
        self.assertEqual(RatingPush.objects.count(), 2)

    def test_it_keeps_everyone_else_out(self):
        # Case staff and applicants never enter the admin site (sent to its login); the other
        # two administrators enter it but hold no permission on these rows.
        for user, status in (
            (self.applicant, 302),
            (self.acceptor, 302),
            (self.security_admin, 403),
            (self.auditor, 403),
        ):
            self.client.force_login(user)
            with self.subTest(user=user.username):
                self.assertEqual(self.client.get(LIST_URL).status_code, status)
                self.resend(self.failed)
                self.failed.refresh_from_db()
                self.assertEqual(self.failed.status, OutboxStatus.FAILED)
                self.assertEqual(pending_tasks(task_path=TASK), [])
