"""The public 注册公告: published batches only, newest first, paginated and searchable by
注册编号, 企业名称 or 公告编号 (never by name); names masked and no personal number anywhere,
on the page or in the PDF, which is drawn once and kept."""

from __future__ import annotations

from unittest import mock
from urllib.parse import quote

from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bulletins.models import Bulletin
from bulletins.services import bulletin_draft_prepare, bulletin_pdf_make
from bulletins.tests.builders import bulletin_published, change_add
from bulletins.views import PDF_CACHE_CONTROL, PER_PAGE
from catalog.registration_types import ChangeKind
from paperwork.documents import bulletin_pdf_render
from paperwork.tests.test_pdf import text_of
from portal.test import BaseTestCase
from registry.models import Registration
from registry.tests.builders import registration_granted

INDEX = reverse("bulletins:index")


class PublicPagesTestCase(BaseTestCase):
    registration: Registration
    bulletin: Bulletin

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.registration = registration_granted(cls, specialties=("10401001", "10401010"))
        cls.bulletin = bulletin_published(cls)

    def personal_data(self) -> list[str]:
        person = self.registration.person
        return [person.name, person.id_number, self.applicant.mobile, self.applicant.id_number]

    def test_it_lists_the_published_batches_to_anyone(self):
        # A draft of a later decision is not public.
        change_add(self.registration, ChangeKind.RENEWAL)
        draft = bulletin_draft_prepare(user=self.leader)

        r = self.client.get(INDEX)

        self.assertEqual(r.status_code, 200)
        self.assertContains(r, self.bulletin.number)
        self.assertContains(r, reverse("bulletins:detail", args=[self.bulletin.pk]))
        self.assertContains(r, reverse("bulletins:pdf", args=[self.bulletin.pk]))
        self.assertContains(r, "共 1 期")
        self.assertNotContains(r, reverse("bulletins:detail", args=[draft.pk]))
        self.assertNotIn("private", r.get("Cache-Control", ""))

    def test_the_batch_page_shows_each_decision_with_the_name_masked(self):
        r = self.client.get(reverse("bulletins:detail", args=[self.bulletin.pk]))

        self.assertEqual(r.status_code, 200)
        self.assertContains(r, f"<h1>{self.bulletin.title}</h1>", html=True)
        self.assertContains(r, '<td role="cell" data-label="姓名">张*</td>', html=True)
        self.assertContains(r, self.registration.number)
        self.assertContains(r, "建筑工程、市政公用工程")
        self.assertContains(r, self.registration.employer_name)
        self.assertContains(r, "初始注册")
        for value in self.personal_data():
            self.assertNotContains(r, value)

    def test_the_pdf_holds_the_entries_masked_and_no_personal_number(self):
        r = self.client.get(reverse("bulletins:pdf", args=[self.bulletin.pk]))

        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["Content-Type"], "application/pdf")
        self.assertEqual(r["Cache-Control"], PDF_CACHE_CONTROL)
        self.assertIn("inline", r["Content-Disposition"])
        text = text_of(r.content)
        for needle in (
            self.bulletin.number,
            self.bulletin.title,
            "张*",
            self.registration.number,
            "初始注册",
        ):
            self.assertIn(needle, text)
        for value in self.personal_data():
            self.assertNotIn(value, text)

    def test_the_pdf_is_drawn_once_and_kept(self):
        with mock.patch("bulletins.services.bulletin_pdf_render", wraps=bulletin_pdf_render) as render:
            first = self.client.get(reverse("bulletins:pdf", args=[self.bulletin.pk])).content
            second = self.client.get(reverse("bulletins:pdf", args=[self.bulletin.pk])).content
            # The worker's task, run late, finds it made.
            bulletin_pdf_make(bulletin_id=self.bulletin.pk)

        self.assertEqual(render.call_count, 1)
        self.assertEqual(first, second)
        self.bulletin.refresh_from_db()
        self.assertTrue(self.bulletin.file.name.startswith("bulletins/"))
        with default_storage.open(self.bulletin.file.name, "rb") as stored:
            self.assertEqual(stored.read(), first)
        default_storage.delete(self.bulletin.file.name)

    def test_the_worker_draws_the_pdf_after_publication(self):
        bulletin_pdf_make(bulletin_id=self.bulletin.pk)

        self.bulletin.refresh_from_db()
        self.assertTrue(self.bulletin.file)
        with default_storage.open(self.bulletin.file.name, "rb") as stored:
            self.assertIn(self.registration.number, text_of(stored.read()))
        default_storage.delete(self.bulletin.file.name)

    def test_it_finds_batches_by_registration_number_employer_or_batch_number(self):
        number = self.registration.number
        for query in (number, number[-6:].lower(), self.registration.employer_name[:4], self.bulletin.number):
            with self.subTest(query=query):
                r = self.client.get(INDEX, {"q": query})
                self.assertEqual(r.status_code, 200)
                self.assertContains(r, "共 1 期")
                self.assertContains(r, reverse("bulletins:detail", args=[self.bulletin.pk]))

        r = self.client.get(INDEX, {"q": number})
        self.assertContains(r, '<td role="cell" data-label="注册编号">' + number + "</td>", html=True)

    def test_a_search_by_name_finds_nothing_and_reveals_nothing(self):
        for query in ("张伟", "张*", "伟"):
            with self.subTest(query=query):
                r = self.client.get(INDEX, {"q": query})
                self.assertEqual(r.status_code, 200)
                self.assertContains(r, "共 0 期")
                self.assertContains(r, "没有匹配的公告条目")
                self.assertNotContains(r, self.registration.number)

    def test_it_refuses_an_overlong_search(self):
        r = self.client.get(INDEX, {"q": "辽" * 101})
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, "查询内容不能超过100个字", status_code=400)

    def test_an_unknown_batch_is_404(self):
        self.assertEqual(self.client.get(reverse("bulletins:detail", args=[999999])).status_code, 404)
        self.assertEqual(self.client.get(reverse("bulletins:pdf", args=[999999])).status_code, 404)


class PaginationTestCase(BaseTestCase):
    registration: Registration

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.registration = registration_granted(cls)
        bulletin_published(cls)
        for _ in range(PER_PAGE + 4):
            change_add(cls.registration, ChangeKind.RENEWAL)
            bulletin_published(cls)

    def test_it_pages_the_batches_newest_first(self):
        newest = Bulletin.objects.order_by("-published_at", "-id").first()
        oldest = Bulletin.objects.order_by("published_at", "id").first()
        assert newest is not None and oldest is not None

        first = self.client.get(INDEX)
        second = self.client.get(INDEX, {"page": 2})

        self.assertContains(first, f"共 {PER_PAGE + 5} 期")
        self.assertContains(first, "第 1 / 2 页")
        self.assertContains(first, newest.number)
        self.assertNotContains(first, oldest.number)
        self.assertContains(second, oldest.number)
        self.assertEqual(len(second.context["page"].object_list), 5)

    def test_a_search_keeps_its_text_across_pages(self):
        r = self.client.get(INDEX, {"q": self.registration.number})
        self.assertContains(r, f"?q={quote(self.registration.number)}&amp;page=2")

    def test_the_list_takes_the_same_queries_for_any_number_of_batches(self):
        with CaptureQueriesContext(connection) as full:
            self.client.get(INDEX)
        Bulletin.objects.exclude(pk__in=Bulletin.objects.order_by("-id")[:1].values("pk")).delete()
        with CaptureQueriesContext(connection) as single:
            self.client.get(INDEX)
        self.assertEqual(len(full), len(single))
        # The count and the page with its entry counts; nothing per batch.
        self.assertLessEqual(len(full), 3)
        with CaptureQueriesContext(connection) as searched:
            self.client.get(INDEX, {"q": self.registration.number})
        self.assertLessEqual(len(searched), 4)


class LinksTestCase(BaseTestCase):
    def test_the_home_page_the_footer_and_the_register_query_link_the_bulletins(self):
        link = f'href="{INDEX}"'
        home = self.client.get("/")
        # The home page's 办事帮助 and the footer of every page.
        self.assertEqual(home.content.decode().count(link), 2)
        self.assertContains(self.client.get(reverse("registry:query")), link, count=2)


class MissingFileTestCase(BaseTestCase):
    def test_a_pdf_lost_from_storage_is_drawn_again(self):
        registration_granted(self)
        bulletin = bulletin_published(self)
        Bulletin.objects.filter(pk=bulletin.pk).update(file="bulletins/gone.pdf")

        r = self.client.get(reverse("bulletins:pdf", args=[bulletin.pk]))

        self.assertEqual(r.status_code, 200)
        self.assertIn(bulletin.number, text_of(r.content))
        bulletin.refresh_from_db()
        self.assertNotEqual(bulletin.file.name, "bulletins/gone.pdf")
        self.assertTrue(default_storage.exists(bulletin.file.name))
        default_storage.delete(bulletin.file.name)
