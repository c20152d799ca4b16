"""A stored file's extension and its download name follow what the file really is, never
the name the applicant's computer gave it."""

from __future__ import annotations

from urllib.parse import quote

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from cases.models import Attachment, Case, attachment_path
from cases.services import attachment_reuse
from cases.tests.sample_files import document_pdf, form_post, photo_png, save_new, stored_files, upload
from catalog.models import Material
from portal.test import BaseTestCase


class StoredNamesTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.applicant)
        save_new(self.client, form_post(self))
        self.case = Case.objects.get(applicant=self.applicant)

    def test_it_stores_a_png_named_html_as_png_and_offers_it_as_png(self) -> None:
        r = self.client.post(
            reverse("cases:upload", args=[self.case.pk, "photo"]), {"file": upload("照片.html", photo_png())}
        )
        self.assertEqual(r.status_code, 302)
        att = Attachment.objects.get(case=self.case)
        self.assertEqual((att.content_type, att.display_name), ("image/png", "照片.html"))
        self.assertTrue(att.file.name.endswith(".png"), att.file.name)
        self.assertEqual([p.suffix for p in stored_files(self.case)], [".png"])
        r = self.client.get(reverse("cases:attachment", args=[self.case.pk, att.pk]))
        self.assertEqual(r["Content-Type"], "image/png")
        self.assertEqual(r["Content-Disposition"], f"inline; filename*=utf-8''{quote('照片.png')}")

    def test_it_stores_a_pdf_named_exe_as_pdf(self) -> None:
        self.client.post(
            reverse("cases:upload", args=[self.case.pk, "identity"]),
            {"file": upload("身份证.exe", document_pdf())},
        )
        att = Attachment.objects.get(case=self.case)
        self.assertTrue(att.file.name.endswith(".pdf"), att.file.name)

    def test_it_names_a_file_saved_through_the_field_by_its_type_not_its_name(self) -> None:
        # The FileField's upload_to (admin, scripts): the given name's extension is ignored.
        att = Attachment(case=self.case, content_type="application/pdf")
        self.assertTrue(attachment_path(att, "evil.html").endswith(".pdf"))
        att.content_type = "text/html"
        self.assertTrue(attachment_path(att, "page.html").endswith(".bin"))

    def test_it_reuses_an_old_file_under_the_extension_of_its_type(self) -> None:
        # An earlier file stored, before this rule, under the extension its name claimed.
        legacy = default_storage.save(f"cases/{self.case.uuid}/legacy.html", ContentFile(photo_png()))
        source = Attachment(
            case=self.case,
            material_code="photo",
            display_name="照片.html",
            content_type="image/png",
            size=len(photo_png()),
            sha256="0" * 64,
            uploaded_by=self.applicant,
        )
        source.file.name = legacy
        source.save()
        material = Material.objects.get(item=self.case.item, code="photo")
        copy = attachment_reuse(case=self.case, material=material, source=source, user=self.applicant)
        self.assertTrue(copy.file.name.endswith(".png"), copy.file.name)
        self.assertEqual((copy.content_type, copy.reused_from), ("image/png", source))
        source.refresh_from_db()
        self.assertIsNotNone(source.removed_at)  # the photo material holds one file
