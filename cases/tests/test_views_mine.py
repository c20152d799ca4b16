"""我的办件 → 查看详情: the list, the details with their timeline and notices, and 撤回."""

from __future__ import annotations

import io
from datetime import date

from django.db import transaction
from django.urls import reverse
from pypdf import PdfReader

from cases.deadlines import decision_due_on
from cases.models import Case, CaseAction, CaseEvent, CaseStatus, NoticeKind
from cases.services import case_transition, notice_issue
from cases.tests.builders import case_build
from cases.tests.helpers import employer_offline
from cases.tests.sample_files import form_post, save_new, upload_required
from cases.views import MINE_PER_PAGE
from portal.test import BaseTestCase

# The session and the user, the count, the header's unread messages, one page of cases with
# their matter and item: the same on every page, however many cases there are. The session is
# not saved: the login's first page stamped it (accounts.middleware.SessionRenewMiddleware).
QUERIES_PER_PAGE = 5


class MineTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # The manual's paper path: the employer has no verified account (ADR 19).
        employer_offline(cls.enterprise)

    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.applicant)

    def _draft(self, client=None) -> Case:
        client = client or self.client
        save_new(client, form_post(self))
        return Case.objects.order_by("-id")[0]

    def _submitted(self) -> Case:
        case = self._draft()
        upload_required(self.client, case)
        self.client.post(reverse("cases:edit", args=[case.pk]), {**form_post(self), "action": "submit"})
        case.refresh_from_db()
        return case

    def _accept(self, case: Case) -> None:
        with transaction.atomic():
            case, event = case_transition(
                case=case, action=CaseAction.ACCEPT, actor=self.acceptor, opinion="材料齐全"
            )
            notice_issue(
                case=case,
                kind=NoticeKind.ACCEPTANCE,
                event=event,
                data={"paragraphs": ["你提交的申请材料齐全，符合法定形式，决定予以受理。"]},
            )

    def test_it_lists_only_my_cases(self):
        mine = self._submitted()
        self.client.force_login(self.other_applicant)
        theirs = self._draft()
        self.client.force_login(self.applicant)
        r = self.client.get(reverse("cases:mine"))
        self.assertEqual(r.status_code, 200)
        self.assertEqual([c.pk for c in r.context["cases"]], [mine.pk])
        self.assertContains(r, str(mine.number))
        self.assertContains(r, "待受理")
        self.assertContains(r, "查看详情")
        self.assertContains(r, reverse("cases:detail", args=[mine.pk]))
        self.assertNotContains(r, reverse("cases:detail", args=[theirs.pk]))

    def test_it_shows_a_page_at_a_time_with_the_same_queries_on_each(self):
        # 张伟, an applicant of many years: 45 cases (built directly; the list is the subject).
        built = [case_build(self, status=CaseStatus.APPROVED) for _ in range(45)]
        newest_first = [c.pk for c in sorted(built, key=lambda c: (c.updated_at, c.pk), reverse=True)]
        self.client.get(reverse("accounts:profile"))  # the login's first page

        with self.assertNumQueries(QUERIES_PER_PAGE):
            first = self.client.get(reverse("cases:mine"))
        with self.assertNumQueries(QUERIES_PER_PAGE):
            last = self.client.get(reverse("cases:mine"), {"page": 3})

        self.assertEqual([c.pk for c in first.context["cases"]], newest_first[:MINE_PER_PAGE])
        self.assertEqual([c.pk for c in last.context["cases"]], newest_first[2 * MINE_PER_PAGE :])
        self.assertContains(first, "第 1 / 3 页，共 45 件")
        self.assertContains(first, 'href="?page=2">下一页</a>', html=False)
        self.assertNotContains(first, "上一页")
        self.assertContains(last, 'href="?page=2">上一页</a>', html=False)
        # A page past the end shows the last one, as the workbench does.
        self.assertEqual(self.client.get(reverse("cases:mine"), {"page": 99}).context["cases"].number, 3)

    def test_it_offers_to_continue_a_draft(self):
        draft = self._draft()
        r = self.client.get(reverse("cases:mine"))
        self.assertContains(r, "草稿")
        self.assertContains(r, "继续填写")
        self.assertContains(r, reverse("cases:edit", args=[draft.pk]))

    def test_it_highlights_a_case_waiting_for_correction(self):
        case = self._submitted()
        with transaction.atomic():
            case_transition(
                case=case,
                action=CaseAction.REQUEST_CORRECTION,
                actor=self.acceptor,
                data={"items": [{"code": "identity", "name": "身份证明", "reason": "反面缺失"}]},
            )
        r = self.client.get(reverse("cases:mine"))
        self.assertContains(r, '<span class="status status-correction">待补正</span>', html=True)
        self.assertContains(r, "补正材料")
        r = self.client.get(reverse("cases:detail", args=[case.pk]))
        self.assertContains(r, "身份证明：反面缺失")
        self.assertContains(r, "反面缺失")

    def test_it_tells_an_enterprise_that_the_list_is_for_people(self):
        self.client.force_login(self.enterprise)
        r = self.client.get(reverse("cases:mine"))
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "法人账号不能申请二级建造师注册")
        self.assertEqual(list(r.context["cases"]), [])

    def test_it_shows_the_details_with_a_timeline_and_the_notices(self):
        case = self._submitted()
        self._accept(case)
        r = self.client.get(reverse("cases:detail", args=[case.pk]))
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, str(case.number))
        self.assertContains(r, "审查中")
        self.assertContains(r, "土木工程")
        self.assertContains(r, "建筑工程")  # the specialty's name, not its code
        self.assertContains(r, "身份证.pdf")
        # The timeline: every step with its role; staff by role only.
        self.assertContains(r, "保存并提交")
        self.assertContains(r, "受理人员")
        self.assertContains(r, "意见：材料齐全")
        self.assertNotContains(r, "受理员刘洋")
        self.assertEqual(len(r.context["events"]), 2)
        # The notices to download.
        for notice in case.notices.all():
            self.assertContains(r, reverse("cases:notice", args=[case.pk, notice.pk]))
        self.assertContains(r, "受理通知书")
        self.assertNotContains(r, ">撤回</button>")

    def test_it_serves_a_decision_notice_as_a_pdf(self):
        case = self._submitted()
        self._accept(case)
        notice = case.notices.get(kind=NoticeKind.ACCEPTANCE)
        r = self.client.get(reverse("cases:notice", args=[case.pk, notice.pk]))
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["Content-Type"], "application/pdf")
        self.assertIn("inline", r["Content-Disposition"])
        text = PdfReader(io.BytesIO(r.content)).pages[0].extract_text()
        self.assertIn("受理通知书", text)
        self.assertIn("决定予以受理", text)
        self.assertIn(notice.number, text)

    def test_it_withdraws_before_acceptance(self):
        case = self._submitted()
        r = self.client.get(reverse("cases:detail", args=[case.pk]))
        self.assertContains(r, ">撤回</button>")
        r = self.client.post(reverse("cases:withdraw", args=[case.pk]), {"reason": "信息填写有误"})
        self.assertRedirects(r, reverse("cases:detail", args=[case.pk]), fetch_redirect_response=False)
        case.refresh_from_db()
        self.assertEqual(case.status, CaseStatus.WITHDRAWN)
        event = CaseEvent.objects.get(case=case, action=CaseAction.WITHDRAW)
        self.assertEqual((event.actor, event.opinion), (self.applicant, "信息填写有误"))
        r = self.client.get(r["Location"])
        self.assertContains(r, "办件已撤回")
        self.assertContains(r, "已撤回")
        self.assertNotContains(r, ">撤回</button>")

    def test_it_refuses_to_withdraw_after_acceptance(self):
        case = self._submitted()
        self._accept(case)
        r = self.client.post(reverse("cases:withdraw", args=[case.pk]))
        case.refresh_from_db()
        self.assertEqual(case.status, CaseStatus.REVIEWING)
        self.assertFalse(case.events.filter(action=CaseAction.WITHDRAW).exists())
        self.assertContains(self.client.get(r["Location"]), "不能撤回")

    def test_it_shows_the_limit_running_now(self):
        case = self._submitted()
        r = self.client.get(reverse("cases:detail", args=[case.pk]))
        self.assertContains(r, f"<dt>受理期限</dt><dd>{case.accept_due:%Y-%m-%d}前</dd>", html=True)
        self.assertNotContains(r, "办结期限")
        self._accept(case)
        # As review.services.case_accept writes it.
        Case.objects.filter(pk=case.pk).update(
            decision_due=decision_due_on(accepted_on=date(2031, 3, 7), promised_days=10)
        )
        case.refresh_from_db()
        r = self.client.get(reverse("cases:detail", args=[case.pk]))
        self.assertContains(r, f"<dt>办结期限</dt><dd>{case.decision_due:%Y-%m-%d}前</dd>", html=True)
        self.assertNotContains(r, "<dt>受理期限</dt>")

    def test_it_links_my_cases_from_the_personal_centre(self):
        r = self.client.get(reverse("accounts:profile"))
        self.assertContains(r, f'href="{reverse("cases:mine")}"', count=2)  # the nav and the card
        self.client.force_login(self.acceptor)
        r = self.client.get(reverse("accounts:profile"))
        self.assertNotContains(r, reverse("cases:mine"))
