"""告知承诺 in Chromium on a phone (390 px), with axe-core on every page: the applicant reads
the commitment text on the form, ticks it and gives it instead of the 继续教育证明; after the
grant the 审查人员 finds the 核查 task in the workbench and records 承诺不实."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from accounts.models import Enterprise, StaffRole, User, UserKind
from cases.models import Case, Commitment
from cases.services import attachment_add, case_draft_save, case_submit
from cases.tests.helpers import initial_form_data, initial_item, pdf_file, png_file
from cases.types import required_materials
from catalog.models import Department
from certificates.tests.helpers import ensure_keys
from commitments.models import CheckStatus, CommitmentCheck, RevocationProposal
from commitments.tests.helpers import COMMITTED, OLD_QUALIFICATION
from portal.browser import PHONE, BrowserTestCase, assert_no_axe_violations
from portal.display import COOKIE_NAME, DisplayMode
from portal.test import PASSWORD, catalog_seeded, make_uscc, person_create, staff_make
from registry.tests.helpers import case_grant

OVERFLOW = (
    """() => ({scroll: document.documentElement.scrollWidth, width: document.documentElement.clientWidth})"""
)


@pytest.mark.browser
class CommitmentBrowserTestCase(BrowserTestCase):
    def setUp(self) -> None:
        super().setUp()
        ensure_keys()
        catalog_seeded()
        department = Department.objects.get(code="lnszjt")
        self.applicant = person_create(name="张伟", first17="21010219900307001", mobile="13800000001")
        uscc = make_uscc("91210100MA0QC0000")
        self.enterprise = User.objects.create_user(
            username=uscc, password=PASSWORD, kind=UserKind.LEGAL, name="辽宁宏建建设集团有限公司", id_type=""
        )
        Enterprise.objects.create(
            user=self.enterprise,
            uscc=uscc,
            legal_representative="王建国",
            agent_name="赵敏",
            # No verified account: the application takes the manual's paper path, straight to
            # the department (单位确认 online is ADR 19's subject, not this test's).
            verified_at=None,
        )
        self.acceptor = staff_make(
            username="shouli", name="受理员刘洋", role=StaffRole.ACCEPTOR, department=department
        )
        self.reviewer = staff_make(
            username="shencha", name="审查员陈静", role=StaffRole.REVIEWER, department=department
        )
        self.decider = staff_make(
            username="shenpi", name="审批员孙磊", role=StaffRole.DECIDER, department=department
        )

    def log_in(self, user: User) -> None:
        # Straight into a session: the pages are the subject, not the login steps.
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        self.context.clear_cookies()
        self.context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": session.session_key,
                    "url": self.live_server_url,
                }
            ]
        )

    def draft_without_the_proof(self) -> Case:
        case = case_draft_save(
            user=self.applicant,
            item=initial_item(),
            form_data=initial_form_data(
                self, qualification_date=OLD_QUALIFICATION, continuing_education_hours="90"
            ),
            submit_method="online",
        )
        for material in required_materials(item=case.item, form_data=case.form_data):
            if material.code != COMMITTED:
                image = material.kind == "image"
                attachment_add(
                    case=case,
                    material=material,
                    checked=png_file() if image else pdf_file(),
                    original_name=f"{material.name}.{'png' if image else 'pdf'}",
                    user=self.applicant,
                )
        return case

    def assert_fits(self, page: Any, where: str) -> None:
        found = page.evaluate(OVERFLOW)
        self.assertLessEqual(found["scroll"], found["width"], where)
        assert_no_axe_violations(page, where)

    def test_a_commitment_from_the_form_to_the_check_on_a_phone(self) -> None:
        page = self.page
        page.set_viewport_size(PHONE)
        case = self.draft_without_the_proof()
        self.log_in(self.applicant)
        page.goto(self.url(f"/cases/{case.pk}/edit/"))
        row = page.locator(f"#material-{COMMITTED}")
        self.assertIn("本人郑重承诺", row.inner_text())
        self.assert_fits(page, "申请表（告知承诺）@390")
        row.get_by_label("本人已阅读并同意上述承诺").check()
        row.get_by_role("button", name="告知承诺").click()
        page.get_by_text("已选择告知承诺，无需上传").wait_for()
        commitment = Commitment.objects.get(case=case)
        self.assertEqual(commitment.material_code, COMMITTED)
        self.assert_fits(page, "申请表（已告知承诺）@390")
        # 关怀版: the same page, larger; still no sideways scrolling and nothing for axe.
        self.context.add_cookies(
            [{"name": COOKIE_NAME, "value": DisplayMode.CARE.value, "url": self.live_server_url}]
        )
        page.reload()
        self.assertIn("care", page.evaluate("() => document.documentElement.className"))
        self.assert_fits(page, "申请表（已告知承诺，关怀版）@390")
        self.context.clear_cookies()

        case = case_grant(self, case_submit(case=case, user=self.applicant))
        check = CommitmentCheck.objects.get(commitment=commitment)
        self.log_in(self.reviewer)
        page.goto(self.url("/workbench/"))
        page.get_by_role("link", name="告知承诺核查（待核查 1 件）").click()
        page.get_by_role("heading", name="告知承诺核查", exact=True).wait_for()
        self.assertIn(case.number or "", page.locator(f"#check-{check.pk}").inner_text())
        self.assert_fits(page, "告知承诺核查 @390")
        card = page.locator(f"#check-{check.pk}")
        card.get_by_label("承诺不实").check()
        card.get_by_label("核查情况").fill("经向培训机构核实，申请人未参加继续教育")
        card.get_by_role("button", name="办结核查").click()
        page.get_by_text("已记录承诺不实").wait_for()
        check.refresh_from_db()
        self.assertEqual(check.status, CheckStatus.UNTRUE)
        self.assertTrue(RevocationProposal.objects.filter(check_task=check).exists())
        self.assertIn(case.number or "", page.locator("#proposals").inner_text())
        self.assert_fits(page, "告知承诺核查（提请撤销）@390")
