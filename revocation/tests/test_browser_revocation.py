"""撤销注册 in Chromium on a phone (390 px), with axe-core on every page (ADR 27): the 审查人员
finds the registration and starts; the holder finds it under 我的办件 and answers with the
form; the 科室负责人 decides; the public verification page says 注册已撤销."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from accounts.models import Enterprise, StaffRole, User, UserKind
from cases.models import CaseStatus
from catalog.models import Department
from certificates.models import Certificate, CertificateCopy, CertificateStatus, CopyStatus
from certificates.tests.helpers import ensure_keys
from portal.browser import PHONE, BrowserTestCase, assert_no_axe_violations
from portal.test import PASSWORD, catalog_seeded, make_uscc, person_create, staff_make
from registry.models import RegistrationStatus
from registry.tests.helpers import registered
from revocation.models import Proceeding

OVERFLOW = (
    """() => ({scroll: document.documentElement.scrollWidth, width: document.documentElement.clientWidth})"""
)


@pytest.mark.browser
class RevocationBrowserTestCase(BrowserTestCase):
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
        # No verified account: the registration is granted by the manual's paper path.
        Enterprise.objects.create(
            user=self.enterprise,
            uscc=uscc,
            legal_representative="王建国",
            agent_name="赵敏",
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
        self.leader = staff_make(
            username="kezhang", name="科室负责人马骏", role=StaffRole.LEADER, department=department
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

    def assert_fits(self, page: Any, where: str) -> None:
        found = page.evaluate(OVERFLOW)
        self.assertLessEqual(found["scroll"], found["width"], where)
        assert_no_axe_violations(page, where)

    def test_a_revocation_from_the_start_to_the_verification_page_on_a_phone(self) -> None:
        page = self.page
        page.set_viewport_size(PHONE)
        registration = registered(self)
        certificate = Certificate.objects.get(registration=registration, status=CertificateStatus.CURRENT)
        copy = CertificateCopy.objects.create(
            certificate=certificate,
            usage_valid_until=timezone.localdate() + timedelta(days=30),
            requested_by=self.applicant,
            status=CopyStatus.READY,
        )

        # The 审查人员 starts it from the workbench.
        self.log_in(self.reviewer)
        page.goto(self.url("/workbench/"))
        page.get_by_role("link", name="撤销注册与强制注销（办理中 0 件）").click()
        page.get_by_label("注册编号").fill(registration.number)
        page.get_by_role("button", name="查找注册").click()
        page.get_by_role("heading", name="注册信息").wait_for()
        self.assert_fits(page, "启动程序 @390")
        page.get_by_label("撤销注册").check()
        page.locator("#id_ground").select_option("deception")
        page.get_by_label("事实和理由").fill("经查，申请人提交的劳动合同系伪造。")
        page.get_by_role("button", name="启动程序并告知陈述申辩").click()
        page.get_by_text("程序已启动").wait_for()
        proceeding = Proceeding.objects.get()
        self.assert_fits(page, "撤销程序（审查人员）@390")

        # The holder answers under 我的办件; he cannot withdraw.
        self.log_in(self.applicant)
        page.goto(self.url("/cases/mine/"))
        page.get_by_role("link", name="陈述申辩").click()
        page.get_by_role("heading", name="撤销注册 · 陈述申辩").wait_for()
        self.assert_fits(page, "陈述申辩 @390")
        page.locator("#id_text").fill("劳动合同真实有效，单位可以证明。")
        page.get_by_role("button", name="提交陈述申辩").click()
        page.get_by_text("陈述、申辩意见已提交").wait_for()
        proceeding.refresh_from_db()
        self.assertEqual(proceeding.case.status, CaseStatus.STATED)
        page.goto(self.url(f"/cases/{proceeding.case_id}/"))
        self.assertEqual(page.get_by_role("button", name="撤回").count(), 0)
        self.assert_fits(page, "办件详情（撤销程序）@390")

        # The 科室负责人 decides.
        self.log_in(self.leader)
        page.goto(self.url(f"/proceedings/{proceeding.case_id}/"))
        page.locator(".statement-text").get_by_text("劳动合同真实有效").wait_for()
        self.assert_fits(page, "撤销程序（科室负责人）@390")
        page.locator("#decide").get_by_label("撤销注册").check()
        page.get_by_label("决定理由（复核意见）").fill("经复核，申辩理由不能成立。")
        page.get_by_role("button", name="作出决定").click()
        page.get_by_text("已作出决定").wait_for()
        registration.refresh_from_db()
        self.assertEqual(registration.status, RegistrationStatus.REVOKED)

        # Anyone scanning the QR code sees it.
        self.context.clear_cookies()
        page.goto(self.url(f"/certificates/verify/{copy.token}/"))
        page.get_by_text("注册已撤销").first.wait_for()
        self.assert_fits(page, "证书核验（已撤销）@390")
