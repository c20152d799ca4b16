"""Publishing: only the department's 科室负责人, only a draft with entries, once (a double
click returns the same batch), audited, with the PDF left to the worker; the leader's pages
are his department's only."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from audit.models import AuditAction, AuditEvent
from bulletins.models import Bulletin, BulletinStatus
from bulletins.services import NOT_THE_LEADER, BulletinError, bulletin_draft_prepare, bulletin_publish
from bulletins.tests.builders import change_add, other_leader
from cases.models import Sequence
from catalog.registration_types import ChangeKind
from portal.test import BaseTestCase
from registry.models import Registration
from registry.tests.builders import registration_granted


class PublishServiceTestCase(BaseTestCase):
    registration: Registration

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.registration = registration_granted(cls)

    def test_it_publishes_the_draft_with_a_number_and_an_audit_row(self):
        draft = bulletin_draft_prepare(user=self.leader)

        bulletin = bulletin_publish(user=self.leader, bulletin=draft)

        self.assertEqual(bulletin.pk, draft.pk)
        self.assertEqual(bulletin.status, BulletinStatus.PUBLISHED)
        assert bulletin.published_at is not None
        year = timezone.localdate(bulletin.published_at).year  # numbered by the Beijing year
        self.assertEqual(bulletin.number, f"辽建注公告〔{year}〕第1号")
        self.assertEqual(bulletin.published_by, self.leader)
        event = AuditEvent.objects.get(action=AuditAction.ADMIN_CHANGE, object_type="bulletins.Bulletin")
        self.assertEqual(event.object_id, str(bulletin.pk))
        self.assertEqual(event.object_label, f"发布注册公告 {bulletin.number}")
        self.assertEqual(event.detail, {"bulletin": bulletin.number, "entries": 1})
        # The PDF is the worker's (one task), not the request's.
        task = DBTaskResult.objects.get(task_path="bulletins.tasks.make_bulletin_pdf")
        self.assertEqual(task.args_kwargs["kwargs"]["bulletin_id"], bulletin.pk)

    def test_a_second_publish_returns_the_published_batch_unchanged(self):
        draft = bulletin_draft_prepare(user=self.leader)
        first = bulletin_publish(user=self.leader, bulletin=draft)

        again = bulletin_publish(user=self.leader, bulletin=draft)

        self.assertEqual(
            (again.pk, again.number, again.published_at), (first.pk, first.number, first.published_at)
        )
        assert first.published_at is not None
        self.assertEqual(
            Sequence.objects.get(key=f"bulletin-{timezone.localdate(first.published_at).year}").last, 1
        )
        self.assertEqual(AuditEvent.objects.filter(object_type="bulletins.Bulletin").count(), 1)
        self.assertEqual(
            DBTaskResult.objects.filter(task_path="bulletins.tasks.make_bulletin_pdf").count(), 1
        )

    def test_batches_are_numbered_in_sequence(self):
        first = bulletin_publish(user=self.leader, bulletin=bulletin_draft_prepare(user=self.leader))
        change_add(self.registration, ChangeKind.RENEWAL)
        second = bulletin_publish(user=self.leader, bulletin=bulletin_draft_prepare(user=self.leader))
        self.assertTrue(first.number.endswith("第1号"))
        self.assertTrue(second.number.endswith("第2号"))

    def test_it_refuses_an_empty_batch(self):
        draft = bulletin_draft_prepare(user=self.leader)
        draft.entries.all().delete()

        with self.assertRaisesMessage(BulletinError, "公告没有任何条目，不能发布"):
            bulletin_publish(user=self.leader, bulletin=draft)
        draft.refresh_from_db()
        self.assertEqual(draft.status, BulletinStatus.DRAFT)
        self.assertEqual(draft.number, "")
        self.assertFalse(AuditEvent.objects.filter(object_type="bulletins.Bulletin").exists())

    def test_it_refuses_anyone_but_the_departments_leader(self):
        draft = bulletin_draft_prepare(user=self.leader)
        for user in (self.decider, self.acceptor, self.admin, self.applicant, other_leader(self)):
            with self.subTest(user=user.username), self.assertRaisesMessage(BulletinError, NOT_THE_LEADER):
                bulletin_publish(user=user, bulletin=draft)
        with self.assertRaisesMessage(BulletinError, NOT_THE_LEADER):
            bulletin_draft_prepare(user=self.decider)
        draft.refresh_from_db()
        self.assertEqual(draft.status, BulletinStatus.DRAFT)


class LeaderPagesTestCase(BaseTestCase):
    registration: Registration

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.registration = registration_granted(cls)

    def test_the_leader_sees_what_is_pending_and_prepares_a_draft(self):
        self.client.force_login(self.leader)
        r = self.client.get(reverse("bulletins:manage"))
        self.assertContains(r, "本部门有 1 条注册决定尚未编入公告")
        self.assertEqual(r["Cache-Control"], "private, no-store")

        r = self.client.post(reverse("bulletins:prepare"))

        draft = Bulletin.objects.get(status=BulletinStatus.DRAFT)
        self.assertRedirects(r, reverse("bulletins:draft", args=[draft.pk]))
        r = self.client.get(reverse("bulletins:draft", args=[draft.pk]))
        self.assertContains(r, "发布公告")
        self.assertContains(r, self.registration.number)
        self.assertContains(r, "张*")
        self.assertNotContains(r, "张伟</td>")
        # Not public until published.
        self.client.logout()
        self.assertEqual(self.client.get(reverse("bulletins:detail", args=[draft.pk])).status_code, 404)
        self.assertEqual(self.client.get(reverse("bulletins:pdf", args=[draft.pk])).status_code, 404)

    def test_publishing_twice_by_a_double_click_makes_one_batch(self):
        draft = bulletin_draft_prepare(user=self.leader)
        self.client.force_login(self.leader)
        url = reverse("bulletins:publish", args=[draft.pk])

        first = self.client.post(url)
        second = self.client.post(url)

        self.assertRedirects(first, reverse("bulletins:detail", args=[draft.pk]))
        self.assertRedirects(second, reverse("bulletins:detail", args=[draft.pk]))
        self.assertEqual(Bulletin.objects.filter(status=BulletinStatus.PUBLISHED).count(), 1)
        self.assertEqual(AuditEvent.objects.filter(object_type="bulletins.Bulletin").count(), 1)
        # A published batch has no draft page and cannot be discarded.
        self.assertRedirects(
            self.client.get(reverse("bulletins:draft", args=[draft.pk])),
            reverse("bulletins:detail", args=[draft.pk]),
        )
        self.client.post(reverse("bulletins:discard", args=[draft.pk]))
        self.assertTrue(Bulletin.objects.filter(pk=draft.pk, status=BulletinStatus.PUBLISHED).exists())

    def test_an_empty_draft_is_refused_on_the_page(self):
        draft = bulletin_draft_prepare(user=self.leader)
        draft.entries.all().delete()
        self.client.force_login(self.leader)

        r = self.client.post(reverse("bulletins:publish", args=[draft.pk]), follow=True)

        self.assertContains(r, "公告没有任何条目，不能发布")
        draft.refresh_from_db()
        self.assertEqual(draft.status, BulletinStatus.DRAFT)

    def test_nothing_pending_is_said_on_the_page(self):
        bulletin_publish(user=self.leader, bulletin=bulletin_draft_prepare(user=self.leader))
        self.client.force_login(self.leader)

        r = self.client.post(reverse("bulletins:prepare"), follow=True)

        self.assertContains(r, "本部门目前没有待公告的注册决定")
        self.assertFalse(Bulletin.objects.filter(status=BulletinStatus.DRAFT).exists())

    def test_a_discarded_draft_gives_its_decisions_back(self):
        draft = bulletin_draft_prepare(user=self.leader)
        self.client.force_login(self.leader)

        r = self.client.post(reverse("bulletins:discard", args=[draft.pk]))

        self.assertRedirects(r, reverse("bulletins:manage"))
        self.assertFalse(Bulletin.objects.exists())
        self.assertEqual(bulletin_draft_prepare(user=self.leader).entries.count(), 1)

    def test_other_staff_and_people_get_404(self):
        draft = bulletin_draft_prepare(user=self.leader)
        pages = [
            ("get", reverse("bulletins:manage")),
            ("post", reverse("bulletins:prepare")),
            ("get", reverse("bulletins:draft", args=[draft.pk])),
            ("post", reverse("bulletins:publish", args=[draft.pk])),
            ("post", reverse("bulletins:discard", args=[draft.pk])),
        ]
        for user in (self.decider, self.admin, self.auditor, self.applicant, self.enterprise):
            self.client.force_login(user)
            for method, url in pages:
                with self.subTest(user=user.username, url=url):
                    self.assertEqual(getattr(self.client, method)(url).status_code, 404)
        draft.refresh_from_db()
        self.assertEqual(draft.status, BulletinStatus.DRAFT)

    def test_a_leader_of_another_department_gets_404_for_this_ones_draft(self):
        draft = bulletin_draft_prepare(user=self.leader)
        self.client.force_login(other_leader(self))

        for method, name in (
            ("get", "bulletins:draft"),
            ("post", "bulletins:publish"),
            ("post", "bulletins:discard"),
        ):
            with self.subTest(name=name):
                self.assertEqual(
                    getattr(self.client, method)(reverse(name, args=[draft.pk])).status_code, 404
                )
        # His own page shows nothing of this department.
        r = self.client.get(reverse("bulletins:manage"))
        self.assertContains(r, "本部门有 0 条注册决定尚未编入公告")
        draft.refresh_from_db()
        self.assertEqual(draft.status, BulletinStatus.DRAFT)

    def test_anonymous_is_sent_to_log_in(self):
        r = self.client.get(reverse("bulletins:manage"))
        self.assertEqual(r.status_code, 302)
        self.assertIn(reverse("accounts:login"), r["Location"])

    def test_the_menu_links_the_leaders_page_for_the_leader_only(self):
        self.client.force_login(self.leader)
        self.assertContains(self.client.get("/"), reverse("bulletins:manage"))
        self.client.force_login(self.decider)
        self.assertNotContains(self.client.get("/"), reverse("bulletins:manage"))
