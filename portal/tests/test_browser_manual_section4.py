"""The manual, section 4.1, in Chromium, with the demo holder 王强: search “二级注册建造师执业资格认定-
执业资格证书遗失补办” → the matter's name → 办事指南 「开始申请」, straight to the form
→ type the 身份证号 and 「提取信息」 (someone else's number is refused and logged first) → the
补办 fields → 「保存信息」 (the 提交方式) → 「全部沿用」 and upload the rest by clicking the
materials' names → 「保存并提交」 → his employer confirms online (ADR 19) → 材料接收告知单;
staff decide through the review services; then 「我的办件」 → 「查看详情」 → 「公示附件」 → 「加注」
→ the reissued certificate (version 002) downloads, its QR page says 有效, and the lost
certificate's page says 已作废."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import zipfile
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from accounts.models import Enterprise, StaffRole, User, UserKind
from cases.models import Case, CaseStatus, ConfirmationAnswer
from cases.services import confirmation_answer
from cases.tests.sample_files import document_pdf
from catalog.registration_types import RegistrationType
from catalog.seed import seed_catalog
from certificates.models import Certificate, CertificateCopy, CertificateStatus, CopyStatus
from certificates.services import certificate_copy_request
from certificates.tests.helpers import ensure_keys
from certificates.verify import verify_ofd
from lib.datacrypt import mobile_index
from portal.browser import BrowserTestCase, queued_tasks_run
from portal.demo import APPLICANT_PASSWORD, seed_demo
from registry.models import RegisterLookup, Registration
from review.services import case_accept, case_approve, case_review

HOLDER_MOBILE = "13800138003"  # 王强 in the demo data: registration granted
OTHER_MOBILE = "13800138000"  # 张三: a valid ID number that is not 王强's
MATTER = "二级注册建造师执业资格认定-执业资格证书遗失补办"
REUSED = ("申请人本人白底1寸照片（图片）", "申请人本人手写签名（图片）", "身份证明")
UPLOADED = ("遗失声明", "申请表")
# Screenshots of the form after 提取信息 and of the materials, to look at (/tmp/shots).
SHOTS = Path(tempfile.gettempdir()) / "shots"


def field(page: Any, label: str) -> Any:
    return page.get_by_label(re.compile(rf"^\*?{re.escape(label)}$"))


def certificate_json(content: bytes) -> dict[str, Any]:
    record: dict[str, Any] = json.loads(
        zipfile.ZipFile(BytesIO(content)).read("Doc_0/Attachments/certificate.json")
    )
    return record


@pytest.mark.browser
class ManualSectionFourTestCase(BrowserTestCase):
    def setUp(self) -> None:
        super().setUp()
        ensure_keys()
        seed_catalog()
        seed_demo()
        self.holder = User.objects.get(mobile_index=mobile_index(HOLDER_MOBILE), kind=UserKind.PERSON)
        self.other = User.objects.get(mobile_index=mobile_index(OTHER_MOBILE), kind=UserKind.PERSON)
        self.registration = Registration.objects.get(person__id_index=self.holder.id_index)
        self.files = Path(tempfile.mkdtemp(prefix="manual-"))
        self.addCleanup(shutil.rmtree, self.files, ignore_errors=True)
        (self.files / "scan.pdf").write_bytes(document_pdf())
        SHOTS.mkdir(parents=True, exist_ok=True)

    def old_copy(self) -> CertificateCopy:
        """A copy of the certificate 王强 is about to report lost, made as 加注 makes it."""
        certificate = Certificate.objects.get(
            registration=self.registration, status=CertificateStatus.CURRENT
        )
        copy = certificate_copy_request(certificate=certificate, user=self.holder)
        queued_tasks_run()
        copy.refresh_from_db()
        self.assertEqual(copy.status, CopyStatus.READY)
        return copy

    def upload(self, page: Any, material: str) -> None:
        # 点击附件目录文字来进行上传附件: the material's name opens the file chooser.
        with page.expect_file_chooser() as chooser:
            page.locator("label.material-upload", has_text=material).click()
        with page.expect_navigation():
            chooser.value.set_files(str(self.files / "scan.pdf"))
        page.locator(".material-row", has_text=material).locator(".file-list").wait_for()

    def decide(self, case: Case) -> Case:
        """受理 → 审查通过 → 准予许可 by the demo staff (the workbench is section 2's test)."""
        staff = {
            u.staff_role: u for u in User.objects.filter(kind=UserKind.STAFF, department=case.department)
        }
        case = case_accept(case=case, actor=staff[StaffRole.ACCEPTOR], opinion="材料齐全，予以受理")
        case = case_review(case=case, actor=staff[StaffRole.REVIEWER], opinion="遗失声明已刊登，同意补办")
        return case_approve(case=case, actor=staff[StaffRole.DECIDER], opinion="准予补办")

    def test_it_follows_the_manual_from_search_to_the_reissued_certificate(self) -> None:
        old = self.old_copy()
        page = self.page
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto(self.url("/accounts/login/"))
        page.get_by_role("link", name="个人", exact=True).click()
        field(page, "账号").fill(HOLDER_MOBILE)
        field(page, "密码").fill(APPLICANT_PASSWORD)
        page.get_by_role("button", name="登录", exact=True).click()
        page.wait_for_load_state()

        # 4.1 (1)-(2): search the matter, click its name, 开始申请: the matter has one 办理项, so
        # the application form opens at once, as the manual says.
        search = page.get_by_role("searchbox", name="搜索事项")
        search.fill(MATTER)
        search.press("Enter")
        page.get_by_role("link", name=MATTER, exact=True).first.click()
        page.get_by_role("heading", name=MATTER).wait_for()
        page.get_by_role("link", name="开始申请").click()
        page.get_by_role("heading", name="二级建造师注册证书遗失补办申请表").wait_for()

        # 4.1 (3): someone else's 身份证号 is refused, and the attempt is logged.
        field(page, "身份证号").fill(self.other.id_number)
        page.get_by_role("button", name="提取信息").click()
        page.get_by_text(re.compile("提取信息失败：只能提取本人的注册信息")).wait_for()
        self.assertEqual(page.locator("#extracted").count(), 0)
        self.assertTrue(
            RegisterLookup.objects.filter(user=self.holder, allowed=False, note="非本人证件号码").exists()
        )

        # His own: the register's data appears, nothing typed but the number.
        field(page, "身份证号").fill(self.holder.id_number)
        page.get_by_role("button", name="提取信息").click()
        extracted = page.locator("#extracted")
        extracted.wait_for()
        self.assertTrue(RegisterLookup.objects.filter(user=self.holder, allowed=True, note="已提取").exists())
        self.assertEqual(field(page, "身份证号").input_value(), self.holder.id_number)
        extracted.get_by_text("王强", exact=True).wait_for()
        extracted.get_by_text(self.registration.number, exact=True).wait_for()
        extracted.get_by_text(self.registration.employer_name, exact=True).wait_for()
        specialties = self.registration.specialties.all()
        self.assertTrue(specialties)
        for s in specialties:
            row = extracted.locator("tr", has_text=s.get_specialty_display())
            row.get_by_text(f"{s.valid_from:%Y-%m-%d} 至 {s.valid_to:%Y-%m-%d}").wait_for()
        page.screenshot(path=str(SHOTS / "reissue-form-extracted.png"), full_page=True)

        # The 补办 fields, then 保存信息: the first save asks for the 提交方式.
        field(page, "补办原因").select_option(label="遗失")
        field(page, "遗失声明刊登媒体").fill("辽沈晚报")
        field(page, "遗失声明刊登日期").fill((date.today() - timedelta(days=7)).isoformat())
        page.get_by_role("button", name="保存信息").click()
        dialog = page.locator("#submit-method-dialog")
        dialog.get_by_label("网上提交").check()
        dialog.get_by_role("button", name="确定").click()
        page.get_by_text("保存成功").wait_for()
        case = Case.objects.get(applicant=self.holder, item__code=RegistrationType.REISSUE)
        self.assertEqual(case.submit_method, "online")
        self.assertEqual(case.form_data["extracted"]["number"], self.registration.number)
        page.locator("#extracted").get_by_text(self.registration.number, exact=True).wait_for()

        # Materials: the photo, signature and 身份证明 of his earlier application, 全部沿用.
        with page.expect_navigation():
            page.get_by_role("button", name="全部沿用").click()
        page.get_by_text(re.compile("已沿用此前提交的材料")).wait_for()
        for material in REUSED:
            page.locator(".material-row", has_text=material).locator(".file-list li").first.wait_for()
        self.assertEqual(page.get_by_role("button", name="全部沿用").count(), 0)
        for material in UPLOADED:
            self.upload(page, material)
        page.locator("#materials").screenshot(path=str(SHOTS / "reissue-materials.png"))
        page.get_by_role("button", name="保存并提交").click()
        # 王强's employer, the demo company, has a verified account: it confirms online first
        # (ADR 19), then the department receives the case and the receipt is issued.
        page.get_by_role("heading", name="等待单位确认").wait_for()
        confirmation = case.confirmations.get()
        company = Enterprise.objects.get(uscc=confirmation.uscc).user
        confirmation_answer(confirmation=confirmation, user=company, answer=ConfirmationAnswer.CONFIRM)
        page.goto(self.url(reverse("cases:receipt", args=[case.pk])))
        page.get_by_role("heading", name=re.compile("材料接收告知单")).wait_for()
        case.refresh_from_db()
        self.assertEqual(case.status, CaseStatus.PENDING)
        page.get_by_text(case.number or "-").first.wait_for()

        case = self.decide(case)
        self.assertEqual(case.status, CaseStatus.APPROVED)
        old.certificate.refresh_from_db()
        self.assertEqual(old.certificate.status, CertificateStatus.REVOKED)

        # 4.1 (4)-(5): 我的办件 → the 遗失补办 case → 查看详情 → 公示附件 → 加注.
        page.goto(self.url("/accounts/profile/"))
        page.get_by_role("link", name="我的办件").first.click()
        row = page.locator("tr", has_text=case.number or "-")
        row.get_by_text("办结（准予许可）").wait_for()
        row.get_by_role("link", name="查看详情").click()
        page.get_by_role("link", name="公示附件").click()
        attachments = page.get_by_role("dialog")
        attachments.get_by_role("button", name="加注").click()
        attachments.get_by_text("加注中…").wait_for()
        queued_tasks_run()
        copy = CertificateCopy.objects.exclude(pk=old.pk).get(certificate__registration=self.registration)
        self.assertEqual(copy.status, CopyStatus.READY)
        with page.expect_download() as download_info:
            attachments.get_by_role("link", name="二建建造师注册证书").click()
        content = Path(download_info.value.path()).read_bytes()

        # 4.1 (6): sealed, a new version of the same certificate, 有效; the lost one 已作废.
        result = verify_ofd(content)
        self.assertTrue(result.ok, result.problems)
        record = certificate_json(content)
        self.assertEqual(record["license_id"], copy.certificate.license_id)
        self.assertNotEqual(record["license_id"], old.certificate.license_id)
        self.assertEqual(record["license_id"].split(".")[-2], "002")
        page.goto(record["verify_url"].replace("http://127.0.0.1:8000", self.live_server_url))
        page.get_by_text("有效", exact=True).first.wait_for()
        page.goto(self.url(reverse("certificates:verify", args=[old.token])))
        page.locator(".verdict-label").get_by_text("已作废", exact=True).wait_for()
