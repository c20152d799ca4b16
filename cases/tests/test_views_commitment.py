"""告知承诺 on the application form (ADR 20): a material the catalogue lets an applicant replace
by a commitment offers its text; ticking it records the text and its version, the material
counts as given, the printed 申请表 and the receipt state it, and the workbench shows it."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

from django.urls import reverse
from pypdf import PdfReader

from cases.models import Case, CaseStatus, Commitment, Notice, NoticeKind
from cases.services import COMMITMENT_CHANGED, missing_materials
from cases.tests.helpers import employer_offline
from cases.tests.sample_files import form_post, save_new, upload_required
from catalog.models import Material
from portal.test import BaseTestCase

# More than 3 years after the qualification: the 继续教育证明 is required.
OLD_QUALIFICATION = (date.today() - timedelta(days=5 * 365)).isoformat()
CODE = "continuing_education"


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


class CommitmentFormTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # The paper path: these cases go straight to the department (no 单位确认, ADR 19).
        employer_offline(cls.enterprise)

    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.applicant)
        self.post = form_post(self, qualification_date=OLD_QUALIFICATION, continuing_education_hours="90")
        save_new(self.client, self.post)
        self.case = Case.objects.get(applicant=self.applicant)
        self.material = Material.objects.get(item=self.case.item, code=CODE)
        self.edit_url = reverse("cases:edit", args=[self.case.pk])

    def _commit(self, **data: str):
        return self.client.post(
            reverse("cases:commit", args=[self.case.pk, CODE]),
            {"agree": "1", "version": self.material.commitment_version, **data},
        )

    def test_it_offers_the_commitment_text_with_its_version(self):
        r = self.client.get(self.edit_url)
        self.assertContains(r, "告知承诺（可代替上传该材料）")
        self.assertContains(r, reverse("cases:commit", args=[self.case.pk, CODE]))
        self.assertContains(r, f'name="version" value="{self.material.commitment_version}"')
        self.assertContains(r, "本人郑重承诺")
        self.assertContains(r, "本人已阅读并同意上述承诺")
        # Only the materials the catalogue lists: the photo is uploaded, never promised.
        self.assertNotContains(r, reverse("cases:commit", args=[self.case.pk, "photo"]))

    def test_it_records_the_commitment_and_counts_the_material_as_given(self):
        self.assertIn(CODE, [m.code for m in missing_materials(self.case)])
        r = self._commit()
        self.assertRedirects(r, self.edit_url + f"#material-{CODE}", fetch_redirect_response=False)
        commitment = Commitment.objects.get(case=self.case)
        self.assertEqual(commitment.material_code, CODE)
        self.assertEqual(commitment.material_name, "继续教育证明")
        self.assertEqual(commitment.version, self.material.commitment_version)
        self.assertEqual(commitment.text, self.material.commitment_text.strip())
        self.assertEqual(commitment.accepted_by, self.applicant)
        self.assertIsNotNone(commitment.accepted_at)
        self.assertNotIn(CODE, [m.code for m in missing_materials(self.case)])
        r = self.client.get(self.edit_url)
        self.assertContains(r, "已对“继续教育证明”作出告知承诺，无需再上传该材料")
        self.assertContains(r, "已选择告知承诺，无需上传")
        self.assertContains(r, f"承诺书版本{commitment.version}")
        self.assertContains(r, "撤回承诺")

    def test_it_submits_without_the_file_and_the_receipt_names_the_commitment(self):
        self._commit()
        upload_required(self.client, self.case)
        r = self.client.post(self.edit_url, {**self.post, "action": "submit"})
        self.assertRedirects(r, reverse("cases:receipt", args=[self.case.pk]), fetch_redirect_response=False)
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, CaseStatus.PENDING)
        receipt = Notice.objects.get(case=self.case, kind=NoticeKind.RECEIPT)
        self.assertIn({"name": "继续教育证明（告知承诺）", "files": 0}, receipt.data["materials"])
        r = self.client.get(reverse("cases:receipt", args=[self.case.pk]))
        self.assertContains(r, "继续教育证明（告知承诺）")

    def test_without_the_commitment_submission_names_the_material(self):
        upload_required(self.client, self.case)
        r = self.client.post(self.edit_url, {**self.post, "action": "submit"}, follow=True)
        self.assertContains(r, "以下必传材料尚未上传：继续教育证明")
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, CaseStatus.DRAFT)

    def test_it_records_nothing_without_the_tick(self):
        r = self._commit(agree="")
        self.assertRedirects(r, self.edit_url + f"#material-{CODE}", fetch_redirect_response=False)
        self.assertFalse(Commitment.objects.exists())
        r = self.client.get(self.edit_url)
        self.assertContains(r, "勾选“本人已阅读并同意上述承诺”后再提交")

    def test_it_refuses_a_text_changed_since_the_page_was_shown(self):
        shown = self.material.commitment_version
        self.material.commitment_text += "\n本人同意审批机关向有关单位核实。"
        self.material.save()
        r = self._commit(version=shown)
        self.assertFalse(Commitment.objects.exists())
        self.assertContains(self.client.get(r["Location"]), COMMITMENT_CHANGED)

    def test_it_refuses_a_material_the_catalogue_does_not_offer(self):
        r = self.client.post(
            reverse("cases:commit", args=[self.case.pk, "photo"]),
            {
                "agree": "1",
                "version": Material.objects.get(item=self.case.item, code="photo").commitment_version,
            },
        )
        self.assertFalse(Commitment.objects.exists())
        self.assertContains(self.client.get(r["Location"]), "不适用告知承诺，请上传材料")

    def test_a_second_click_keeps_one_commitment(self):
        self._commit()
        self._commit()
        self.assertEqual(Commitment.objects.filter(case=self.case).count(), 1)

    def test_withdrawing_it_asks_for_the_file_again(self):
        self._commit()
        r = self.client.post(reverse("cases:commit_withdraw", args=[self.case.pk, CODE]))
        self.assertRedirects(r, self.edit_url + f"#material-{CODE}", fetch_redirect_response=False)
        commitment = Commitment.objects.get(case=self.case)
        self.assertIsNotNone(commitment.withdrawn_at)
        self.assertIn(CODE, [m.code for m in missing_materials(self.case)])
        r = self.client.get(self.edit_url)
        self.assertContains(r, "已撤回对“继续教育证明”的告知承诺，请上传该材料")
        self.assertContains(r, "告知承诺（可代替上传该材料）")

    def test_it_no_longer_counts_once_the_catalogue_stops_offering_it(self):
        self._commit()
        Material.objects.filter(pk=self.material.pk).update(commitment_allowed=False)
        self.assertIn(CODE, [m.code for m in missing_materials(self.case)])

    def test_it_cannot_be_given_or_withdrawn_after_submission(self):
        self._commit()
        upload_required(self.client, self.case)
        self.client.post(self.edit_url, {**self.post, "action": "submit"})
        self.client.post(reverse("cases:commit_withdraw", args=[self.case.pk, CODE]))
        self.assertIsNone(Commitment.objects.get(case=self.case).withdrawn_at)

    def test_another_applicant_cannot_commit_on_the_case(self):
        self.client.force_login(self.other_applicant)
        r = self._commit()
        self.assertEqual(r.status_code, 404)
        self.assertFalse(Commitment.objects.exists())

    def test_the_printed_form_states_the_commitment(self):
        self._commit()
        commitment = Commitment.objects.get(case=self.case)
        r = self.client.get(reverse("cases:print", args=[self.case.pk]))
        self.assertEqual(r.status_code, 200)
        text = _pdf_text(r.content)
        self.assertIn("告知承诺", text)
        self.assertIn("继续教育证明：申请人选择告知承诺，不提交该材料", text)
        self.assertIn("本人郑重承诺", text)
        self.assertIn(f"承诺书版本{commitment.version}", text)
        self.assertIn("申请人（签字）", text)

    def test_the_applicant_and_the_workbench_see_it_after_submission(self):
        self._commit()
        upload_required(self.client, self.case)
        self.client.post(self.edit_url, {**self.post, "action": "submit"})
        r = self.client.get(reverse("cases:detail", args=[self.case.pk]))
        self.assertContains(r, "已选择告知承诺，无需上传")
        self.assertNotContains(r, "撤回承诺")
        self.client.force_login(self.acceptor)
        r = self.client.get(reverse("review:case", args=[self.case.pk]))
        self.assertContains(r, "告知承诺")
        self.assertContains(r, f"承诺书版本{self.material.commitment_version}")
        self.assertContains(r, "本人郑重承诺")
