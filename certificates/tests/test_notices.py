"""Sealed notices (ADR 0033): every notice is issued as an OFD sealed like the certificates, made
in the worker; the applicant downloads it and a PDF copy from 查看详情; a QR code opens the
notice's public check; the upload check knows a notice from a certificate."""

from __future__ import annotations

import io
import uuid
import zipfile
from datetime import timedelta

from asn1crypto import core
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import SimpleTestCase
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from lxml import etree  # type: ignore[import-untyped]  # no stubs installed

from cases.models import Notice, NoticeKind
from cases.tests.helpers import employer_offline, submitted_case
from certificates.layout import TextItem
from certificates.models import SealedNotice, SealStatus
from certificates.notice_layout import SEAL_DROP, NoticeText, compose_notice
from certificates.notices import notice_seal_make, notice_seals_requeue_stale
from certificates.ofd.writer import zip_package
from certificates.signing import OFD_NS
from certificates.tests.helpers import ensure_keys
from certificates.tests.test_independent_verification import gm_sm3_digest, gm_verify
from certificates.verify import verify_ofd
from notifications.testing import drain_task_queue
from portal.test import BaseTestCase
from review.services import case_accept

OFD = f"{{{OFD_NS}}}"


def files_of(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


class SealedNoticeTestCase(BaseTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        ensure_keys()

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # The manual's paper path: submitted straight to the department, whose 材料接收告知单
        # is the first notice.
        employer_offline(cls.enterprise)

    def setUp(self) -> None:
        self.case = submitted_case(self)
        self.receipt = self.case.notices.get(kind=NoticeKind.RECEIPT)

    def sealed(self, notice: Notice) -> SealedNotice:
        drain_task_queue()
        return SealedNotice.objects.get(notice=notice)

    def content(self, notice: Notice) -> bytes:
        with self.sealed(notice).file.open("rb") as f:
            content: bytes = f.read()
        return content

    # --- issue → task → sealed OFD -------------------------------------------------------------

    def test_issuing_a_notice_queues_its_sealing_in_the_same_transaction(self):
        sealed = SealedNotice.objects.get(notice=self.receipt)
        self.assertEqual(sealed.status, SealStatus.PENDING)
        self.assertFalse(sealed.file)

    def test_the_worker_seals_the_receipt_and_it_verifies(self):
        sealed = self.sealed(self.receipt)
        self.assertEqual(sealed.status, SealStatus.READY)
        content = self.content(self.receipt)
        result = verify_ofd(content)
        self.assertTrue(result.ok, result.problems)
        files = files_of(content)
        page = files["Doc_0/Pages/Page_0/Content.xml"].decode()
        # The receipt's 文书编号, which the PDF lacked (issue 15).
        self.assertIn(self.receipt.number, page)
        self.assertIn("材料接收告知单", page)
        record = files["Doc_0/Attachments/notice.json"].decode()
        self.assertIn(self.receipt.number, record)
        self.assertIn(str(sealed.token), record)

    def test_a_decision_notice_is_sealed_with_the_stamp_over_the_department(self):
        case_accept(case=self.case, actor=self.acceptor)
        acceptance = self.case.notices.get(kind=NoticeKind.ACCEPTANCE)
        files = files_of(self.content(acceptance))
        self.assertTrue(verify_ofd(zip_package(files)).ok)
        signature = etree.fromstring(files["Doc_0/Signs/Sign_0/Signature.xml"])
        stamp = signature.find(f".//{OFD}StampAnnot")
        x, y, width, height = (float(v) for v in stamp.get("Boundary").split())
        self.assertEqual((width, height), (40.0, 40.0))
        # Over the 落款: the department's name lies inside the seal's box.
        tags = etree.fromstring(files["Doc_0/Tags/CustomTag.xml"])
        (field,) = (f for f in tags if f.get("Name") == "落款机关")
        page = etree.fromstring(files["Doc_0/Pages/Page_0/Content.xml"])
        (text,) = (t for t in page.iter(f"{OFD}TextObject") if t.get("ID") == field[0].text)
        tx, ty, tw, th = (float(v) for v in text.get("Boundary").split())
        # Centred on the name (wider than the seal, as on paper), the whole line under it.
        self.assertAlmostEqual(tx + tw / 2, x + width / 2, delta=0.6)
        self.assertTrue(y <= ty and ty + th <= y + height)
        date_field = next(f for f in tags if f.get("Name") == "成文日期")
        (date,) = (t for t in page.iter(f"{OFD}TextObject") if t.get("ID") == date_field[0].text)
        _, dy, _, dh = (float(v) for v in date.get("Boundary").split())
        self.assertTrue(y <= dy and dy + dh <= y + height)  # and the date (下压日期)

    def test_gmssl_verifies_the_notices_signature(self):
        # Independently of our verifier (certificates/tests/test_independent_verification.py).
        files = files_of(self.content(self.receipt))
        signature_xml = files["Doc_0/Signs/Sign_0/Signature.xml"]
        ses = core.Sequence.load(files["Doc_0/Signs/Sign_0/SignedValue.dat"])
        to_sign, signer = ses[0], core.OctetString.load(ses[1].dump()).native
        signature = core.BitString.load(ses[3].dump()).contents[1:]
        data_hash = core.BitString.load(core.Sequence.load(to_sign.dump())[3].dump()).contents[1:]
        self.assertEqual(data_hash, gm_sm3_digest(signature_xml))
        self.assertTrue(gm_verify(certificate_der=signer, data=to_sign.dump(), signature_der=signature))

    def test_a_tampered_notice_is_refused_naming_the_page(self):
        files = files_of(self.content(self.receipt))
        page = "Doc_0/Pages/Page_0/Content.xml"
        files[page] = files[page].replace(self.receipt.number.encode(), "辽建许收〔2026〕999号".encode())
        result = verify_ofd(zip_package(files))
        self.assertFalse(result.ok)
        self.assertIn(f"文件 {page} 已被修改（SM3校验值不符）", result.problems)

    def test_a_second_task_for_the_same_notice_does_nothing(self):
        sealed = self.sealed(self.receipt)
        notice_seal_make(sealed_id=sealed.pk)
        again = SealedNotice.objects.get(pk=sealed.pk)
        self.assertEqual((again.file.name, again.attempts), (sealed.file.name, 1))

    def test_the_sweep_seals_a_notice_issued_before_sealing_existed(self):
        SealedNotice.objects.filter(notice=self.receipt).delete()
        self.assertEqual(notice_seals_requeue_stale(), 1)
        self.assertEqual(self.sealed(self.receipt).status, SealStatus.READY)

    def test_the_sweep_hands_out_again_what_a_dead_worker_left(self):
        sealed = SealedNotice.objects.get(notice=self.receipt)
        later = timezone.now() + timedelta(hours=1)
        SealedNotice.objects.filter(pk=sealed.pk).update(claimed_at=timezone.now(), attempts=1)
        DBTaskResult.objects.all().delete()  # the task row went with the worker
        self.assertEqual(notice_seals_requeue_stale(now=later), 1)
        self.assertEqual(self.sealed(self.receipt).status, SealStatus.READY)

    def test_a_notice_waiting_for_a_busy_worker_gets_no_second_task(self):
        sealed = SealedNotice.objects.get(notice=self.receipt)
        for minutes in (1, 2, 3, 4):
            self.assertEqual(notice_seals_requeue_stale(now=timezone.now() + timedelta(minutes=minutes)), 0)
        self.assertEqual(DBTaskResult.objects.filter(args_kwargs__kwargs__sealed_id=sealed.pk).count(), 1)
        self.assertEqual(self.sealed(self.receipt).status, SealStatus.READY)

    # --- 查看详情: the applicant's downloads ------------------------------------------------------

    def test_the_applicant_downloads_the_ofd_and_the_pdf_from_the_case_page(self):
        self.sealed(self.receipt)
        self.client.force_login(self.applicant)
        ofd_url = reverse("certificates:notice_ofd", args=[self.case.pk, self.receipt.pk])
        pdf_url = reverse("certificates:notice_pdf", args=[self.case.pk, self.receipt.pk])
        page = self.client.get(reverse("cases:detail", args=[self.case.pk]))
        self.assertContains(page, f'href="{ofd_url}">下载OFD</a>', html=False)
        self.assertContains(page, f'href="{pdf_url}">下载PDF</a>', html=False)

        r = self.client.get(ofd_url)
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["Content-Type"], "application/ofd")
        self.assertEqual(r.getvalue(), self.content(self.receipt))
        self.assertIn("private", r["Cache-Control"])

        r = self.client.get(pdf_url)
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["Content-Type"], "application/pdf")
        self.assertTrue(r.content.startswith(b"%PDF"))
        self.assertIn("attachment", r["Content-Disposition"])

    def test_the_pdf_copy_shows_the_seal_and_the_qr_code_and_the_number(self):
        from pypdf import PdfReader

        self.sealed(self.receipt)
        self.client.force_login(self.applicant)
        r = self.client.get(reverse("certificates:notice_pdf", args=[self.case.pk, self.receipt.pk]))
        reader = PdfReader(io.BytesIO(r.content))
        text = "".join(p.extract_text() for p in reader.pages).replace(" ", "").replace("\n", "")
        self.assertIn(self.receipt.number, text)
        self.assertIn("扫码核验本文书", text)
        sealed = SealedNotice.objects.get(notice=self.receipt)
        self.assertIn(str(sealed.token), text)
        # On the page of the 落款 (a receipt of many materials runs onto a second page).
        last = reader.pages[-1]
        self.assertIn("扫码核验本文书", last.extract_text().replace(" ", ""))
        self.assertEqual(len({image.name for image in last.images}), 2)  # the seal and the QR code

    def test_another_applicant_gets_404(self):
        self.sealed(self.receipt)
        self.client.force_login(self.other_applicant)
        for name in ("certificates:notice_ofd", "certificates:notice_pdf"):
            r = self.client.get(reverse(name, args=[self.case.pk, self.receipt.pk]))
            self.assertEqual(r.status_code, 404, name)

    def test_before_the_seal_is_on_the_page_offers_the_plain_pdf(self):
        self.client.force_login(self.applicant)
        page = self.client.get(reverse("cases:detail", args=[self.case.pk]))
        self.assertContains(page, "电子印章加盖中")
        self.assertContains(page, reverse("cases:notice", args=[self.case.pk, self.receipt.pk]))
        r = self.client.get(reverse("certificates:notice_ofd", args=[self.case.pk, self.receipt.pk]))
        self.assertEqual(r.status_code, 404)

    def test_staff_still_read_the_notice_pdf(self):
        self.client.force_login(self.acceptor)
        r = self.client.get(reverse("cases:notice", args=[self.case.pk, self.receipt.pk]))
        self.assertEqual(r.status_code, 200)
        self.assertTrue(r.content.startswith(b"%PDF"))

    # --- the public check -------------------------------------------------------------------

    def test_the_qr_code_opens_the_notices_check_with_the_name_masked(self):
        sealed = self.sealed(self.receipt)
        r = self.client.get(reverse("certificates:notice_verify", args=[sealed.token]))
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "文书真实有效")
        self.assertContains(r, self.receipt.number)
        self.assertContains(r, str(self.case.number))
        self.assertContains(r, "材料接收告知单")
        self.assertContains(r, "张*")
        self.assertNotContains(r, "张伟")

    def test_an_unknown_token_is_not_found(self):
        r = self.client.get(reverse("certificates:notice_verify", args=[uuid.UUID(int=0)]))
        self.assertEqual(r.status_code, 404)
        self.assertContains(r, "未找到该文书", status_code=404)

    def test_the_check_is_rate_limited_per_address(self):
        sealed = self.sealed(self.receipt)
        url = reverse("certificates:notice_verify", args=[sealed.token])
        with self.settings(RATE_LIMITS={"verify_notice.client": (1, 60)}):
            self.assertEqual(self.client.get(url, REMOTE_ADDR="203.0.113.9").status_code, 200)
            r = self.client.get(url, REMOTE_ADDR="203.0.113.9")
        self.assertEqual(r.status_code, 429)
        self.assertNotContains(r, self.receipt.number, status_code=429)

    # --- the upload check ---------------------------------------------------------------------

    def test_the_upload_check_accepts_a_sealed_notice_and_names_it(self):
        content = self.content(self.receipt)
        r = self.client.post(
            reverse("certificates:verify_upload"), {"file": SimpleUploadedFile("告知单.ofd", content)}
        )
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "电子印章有效")
        self.assertContains(r, "文书真实有效")
        self.assertContains(r, self.receipt.number)
        self.assertNotContains(r, "未找到该证书")
        self.assertNotContains(r, "持证人")

    def test_the_upload_check_refuses_a_tampered_notice(self):
        files = files_of(self.content(self.receipt))
        record = "Doc_0/Attachments/notice.json"
        files[record] = files[record].replace(b"receipt", b"approval")
        r = self.client.post(
            reverse("certificates:verify_upload"),
            {"file": SimpleUploadedFile("告知单.ofd", zip_package(files))},
        )
        self.assertContains(r, "文件无效")
        self.assertNotContains(r, "文书真实有效")


class NoticeLayoutTestCase(SimpleTestCase):
    def text(self, **overrides: object) -> NoticeText:
        values: dict[str, object] = {
            "title": "一次性补正告知书",
            "number": "辽建许补〔2026〕3号",
            "department": "辽宁省住房和城乡建设厅",
            "recipient": "王𠮷堃",
            "facts": (("办件编号", "LN2026120100001"),),
            "paragraphs": ("你（单位）提出的申请，需要补正。",),
            "items_heading": "需要补正的内容及理由",
            "items": ("劳动合同：未盖章",),
            "issued_on": timezone.localdate(),
            "verify_url": "https://portal.example/certificates/verify/notice/x/",
        }
        values.update(overrides)
        return NoticeText(**values)  # type: ignore[arg-type]

    def test_a_short_notice_is_one_page(self):
        self.assertEqual(len(compose_notice(self.text()).sheets), 1)

    def test_a_long_notice_runs_on_and_the_seal_goes_on_the_last_page(self):
        items = tuple(f"材料{i}：字迹不清晰，请重新扫描上传" for i in range(60))
        pages = compose_notice(self.text(items=items))
        self.assertGreater(len(pages.sheets), 1)
        last = pages.sheets[-1]
        department = [i for i in last.items if isinstance(i, TextItem) and i.tag == "落款机关"]
        self.assertEqual(len(department), 1)
        self.assertAlmostEqual(pages.seal_center[1], department[0].lines[0].y + SEAL_DROP)
        footers = [
            line.text for sheet in pages.sheets for i in sheet.items for line in getattr(i, "lines", ())
        ]
        self.assertIn(f"第 {len(pages.sheets)} 页 共 {len(pages.sheets)} 页", footers)

    def test_a_reason_over_several_lines_keeps_its_line_breaks(self):
        pages = compose_notice(self.text(paragraphs=("第一行\n第二行",)))
        texts = [line.text for i in pages.sheets[0].items for line in getattr(i, "lines", ())]
        self.assertIn("第一行", texts)
        self.assertIn("第二行", texts)
