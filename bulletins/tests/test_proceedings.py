"""The authority's own decisions (撤销注册, 强制注销, ADR 27) in the 注册公告: taken through the
proceedings' services, then published, each labelled by its kind on the page and in the PDF,
the name masked."""

from __future__ import annotations

from django.urls import reverse

from bulletins.tests.builders import bulletin_published
from cases.models import CaseAction
from catalog.registration_types import ChangeKind, ProceedingKind
from paperwork.tests.test_pdf import text_of
from portal.test import BaseTestCase
from registry.tests.helpers import registered
from revocation.models import Ground
from revocation.services import proceeding_decide
from revocation.tests.helpers import period_over, started


class ProceedingEntriesTestCase(BaseTestCase):
    def test_a_revocation_and_a_forced_cancellation_are_published_by_their_names(self):
        revoked = registered(self)
        cancelled = registered(self, applicant=self.other_applicant)
        for registration, kind, ground, action in (
            (revoked, ProceedingKind.REVOKE, Ground.DECEPTION, CaseAction.REVOKE),
            (cancelled, ProceedingKind.FORCED_CANCEL, Ground.DEATH, CaseAction.FORCE_CANCEL),
        ):
            proceeding = period_over(started(self, registration, kind=kind, ground=ground))
            proceeding_decide(
                proceeding=proceeding, by=self.leader, action=action, reason="事实清楚，依法决定。"
            )

        bulletin = bulletin_published(self)

        entries = {e.registration_number: e for e in bulletin.entries.exclude(kind=ChangeKind.INITIAL)}
        self.assertEqual(
            {number: e.kind for number, e in entries.items()},
            {revoked.number: ChangeKind.REVOKE, cancelled.number: ChangeKind.FORCED_CANCEL},
        )
        self.assertEqual(entries[revoked.number].holder_name_masked, "张*")

        r = self.client.get(reverse("bulletins:detail", args=[bulletin.pk]))
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, '<td role="cell" data-label="类别">撤销注册</td>', html=True)
        self.assertContains(r, '<td role="cell" data-label="类别">强制注销</td>', html=True)
        self.assertContains(r, revoked.number)
        self.assertNotContains(r, "张伟")
        self.assertNotContains(r, ">revoke<")

        text = text_of(self.client.get(reverse("bulletins:pdf", args=[bulletin.pk])).content)
        for needle in ("撤销注册", "强制注销", revoked.number, cancelled.number, "张*"):
            self.assertIn(needle, text)
        self.assertNotIn("张伟", text)
        self.assertNotIn("forced_cancel", text)
