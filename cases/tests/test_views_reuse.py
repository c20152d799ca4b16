"""「沿用」: the photo, signature, ID and qualification an applicant gave in an earlier
application are offered in the next one, so nobody uploads the same file twice."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse

from cases.models import Attachment, Case
from cases.services import case_draft_save
from cases.tests.helpers import form_data_of, item_of, submitted_case
from catalog.registration_types import RegistrationType
from portal.test import BaseTestCase

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse


class ReuseTestCase(BaseTestCase):
    earlier: Case
    case: Case

    def setUp(self) -> None:
        self.earlier = submitted_case(self)
        self.case = case_draft_save(
            user=self.applicant,
            item=item_of(RegistrationType.ADDITION),
            form_data=form_data_of(self, RegistrationType.ADDITION),
            submit_method="online",
        )
        self.client.force_login(self.applicant)

    def _reuse(self, code: str, case: Case | None = None) -> _MonkeyPatchedWSGIResponse:
        return self.client.post(reverse("cases:reuse", args=[(case or self.case).pk, code]))

    def test_the_page_offers_the_earlier_files(self) -> None:
        r = self.client.get(reverse("cases:edit", args=[self.case.pk]))
        self.assertContains(r, "全部沿用")
        for code in ("photo", "signature", "identity"):
            self.assertContains(r, reverse("cases:reuse", args=[self.case.pk, code]))
        # The 增项 form asks for no 资格证书 of its own, and the 申请表 is new each time.
        self.assertNotContains(r, reverse("cases:reuse", args=[self.case.pk, "qualification"]))
        self.assertNotContains(r, reverse("cases:reuse", args=[self.case.pk, "application_form"]))
        self.assertContains(r, f"办件编号{self.earlier.number}")

    def test_it_copies_one_file_into_this_case(self) -> None:
        r = self._reuse("photo")
        self.assertRedirects(
            r, reverse("cases:edit", args=[self.case.pk]) + "#materials", fetch_redirect_response=False
        )
        source = self.earlier.attachments.get(material_code="photo")
        copy = self.case.attachments.get(material_code="photo")
        self.assertEqual(
            (copy.reused_from, copy.sha256, copy.display_name), (source, source.sha256, source.display_name)
        )
        self.assertNotEqual(copy.file.name, source.file.name)
        with copy.file.open("rb") as a, source.file.open("rb") as b:
            self.assertEqual(a.read(), b.read())
        # The earlier case keeps its own file.
        self.assertIsNone(self.earlier.attachments.get(material_code="photo").removed_at)
        r = self.client.get(reverse("cases:edit", args=[self.case.pk]))
        self.assertContains(r, "已沿用此前提交的材料：申请人本人白底1寸照片（图片）")

    def test_all_at_once_and_a_second_click_adds_nothing(self) -> None:
        self._reuse("all")
        self.assertEqual(
            sorted(self.case.attachments.values_list("material_code", flat=True)),
            ["identity", "photo", "signature"],
        )
        r = self._reuse("all")
        self.assertEqual(self.case.attachments.count(), 3)
        r = self.client.get(reverse("cases:edit", args=[self.case.pk]))
        self.assertContains(r, "没有需要沿用的材料")
        self.assertNotContains(r, "全部沿用")

    def test_another_applicant_gets_a_404_and_is_offered_nothing_of_mine(self) -> None:
        self.client.force_login(self.other_applicant)
        r = self._reuse("photo")
        self.assertEqual(r.status_code, 404)
        self.assertFalse(self.case.attachments.exists())
        own = case_draft_save(
            user=self.other_applicant,
            item=item_of(RegistrationType.INITIAL),
            form_data={},
            submit_method="online",
        )
        r = self.client.get(reverse("cases:edit", args=[own.pk]))
        self.assertNotContains(r, "沿用")
        self._reuse("photo", own)
        self.assertFalse(own.attachments.exists())

    def test_a_submitted_case_takes_no_more_files(self) -> None:
        r = self._reuse("photo", self.earlier)
        self.assertFalse(Attachment.objects.filter(case=self.earlier, reused_from__isnull=False).exists())
        self.assertEqual(r.status_code, 302)
