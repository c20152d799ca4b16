"""首页, 事项搜索, 办事指南 and 注册人员查询 are rendered once for every visitor without a session
and kept under the catalogue's version (portal/sharedpages.py, ADR 0030 addendum): a hit reads
no row; no one signed in ever gets a kept page or leaves one behind; an edit of the catalogue
in the admin, or a new seed, shows at the next request; each visitor gets a CSRF token of
their own on the kept 注册人员查询 page, and it is accepted."""

from __future__ import annotations

import re
from unittest import mock

from django.test import Client
from django.urls import reverse

from catalog.answers import catalogue_answers_replace
from catalog.models import Department, Matter
from catalog.tests.test_admin import change_form_data
from lib.publiccache import local_answers_forget
from portal.display import COOKIE_NAME as DISPLAY_COOKIE
from portal.display import DisplayMode
from portal.test import BaseTestCase

GUIDE = reverse("catalog:guide", args=["ejjzs-zgrd"])
PAGES = {
    "首页": reverse("portal:home"),
    "事项搜索": reverse("catalog:search") + "?q=%E4%BA%8C%E5%BB%BA",
    "办事指南": GUIDE,
    "注册人员查询": reverse("registry:query"),
}
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def without_token(html: str) -> str:
    return TOKEN.sub("", html)


class SharedPagesTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        local_answers_forget()
        self.addCleanup(local_answers_forget)

    def test_a_visitor_gets_the_kept_page_without_reading_a_row(self) -> None:
        for label, url in PAGES.items():
            with self.subTest(page=label):
                first = Client().get(url)
                self.assertEqual(first.status_code, 200)
                with self.assertNumQueries(0):
                    again = Client().get(url)
                self.assertEqual(again.status_code, 200)
                self.assertEqual(again.templates, [], "kept: nothing rendered")
                self.assertEqual(without_token(again.content.decode()), without_token(first.content.decode()))
                for response in (first, again):
                    self.assertIn("Cookie", response["Vary"])

    def test_a_kept_page_never_shows_a_signed_in_header(self) -> None:
        for label, url in PAGES.items():
            with self.subTest(page=label):
                signed_in = Client()
                signed_in.force_login(self.applicant)
                # Signed in first: nothing of theirs is kept for the next visitor.
                mine = signed_in.get(url)
                self.assertContains(mine, self.applicant.name)
                self.assertContains(mine, "退出")
                visitor = Client().get(url)
                self.assertNotContains(visitor, self.applicant.name)
                self.assertContains(visitor, 'class="btn-top btn-top-primary">登录</a>')
                # And with the page now kept, the signed-in user still gets their own.
                again = signed_in.get(url)
                self.assertContains(again, self.applicant.name)
                self.assertNotContains(again, 'class="btn-top btn-top-primary">登录</a>')

    def test_a_catalogue_edit_in_the_admin_shows_at_once(self) -> None:
        self.assertContains(Client().get(GUIDE), "<h1>二级注册建造师执业资格认定</h1>", html=True)
        home = Client().get(PAGES["首页"])
        self.assertContains(home, "<strong>省住房城乡建设厅</strong>", html=True)
        admin = Client()
        admin.force_login(self.admin)
        matter = Matter.objects.get(code="ejjzs-zgrd")
        r = admin.post(
            reverse("admin:catalog_matter_change", args=[matter.pk]),
            change_form_data(matter, name="二级注册建造师执业资格认定（新）"),
        )
        self.assertEqual(r.status_code, 302)
        self.assertContains(Client().get(GUIDE), "<h1>二级注册建造师执业资格认定（新）</h1>", html=True)

        department = Department.objects.get(code="lnszjt")
        r = admin.post(
            reverse("admin:catalog_department_changelist"),
            {
                "form-TOTAL_FORMS": "1",
                "form-INITIAL_FORMS": "1",
                "form-0-id": department.pk,
                "form-0-order": department.order + 10,
                "_save": "保存",
            },
        )
        self.assertEqual(r.status_code, 302)
        tiles = Client().get(PAGES["首页"]).content.decode()
        self.assertLess(tiles.index("省公安厅"), tiles.index("省住房城乡建设厅"))

    def test_a_new_seed_shows_at_once(self) -> None:
        Client().get(GUIDE)
        Matter.objects.filter(code="ejjzs-zgrd").update(name="旧名称")
        self.assertNotContains(Client().get(GUIDE), "旧名称")  # kept: the update went round the admin
        catalogue_answers_replace()  # what seed_catalog does after writing
        self.assertContains(Client().get(GUIDE), "旧名称")

    def test_each_visitor_gets_a_token_of_their_own_and_it_is_accepted(self) -> None:
        url = PAGES["注册人员查询"]
        tokens = []
        for _ in range(2):
            visitor = Client(enforce_csrf_checks=True)
            page = visitor.get(url).content.decode()
            found = TOKEN.search(page)
            assert found is not None
            self.assertNotIn("timemark", page)
            tokens.append(found.group(1))
            r = visitor.post(url, {"name": "张三", "number": "X", "csrfmiddlewaretoken": found.group(1)})
            self.assertEqual(r.status_code, 200)
        self.assertNotEqual(tokens[0], tokens[1])
        forged = Client(enforce_csrf_checks=True).post(url, {"name": "张三", "number": "X"})
        self.assertEqual(forged.status_code, 403)

    def test_the_care_mode_and_each_search_are_kept_apart(self) -> None:
        care = Client()
        care.cookies[DISPLAY_COOKIE] = DisplayMode.CARE.value
        for url in PAGES.values():
            Client().get(url)
            self.assertContains(care.get(url), 'class="care"')
            self.assertNotContains(Client().get(url), 'class="care"')
        search = reverse("catalog:search")
        self.assertContains(Client().get(search, {"q": "二建"}), "二级注册建造师执业资格认定")
        self.assertContains(Client().get(search, {"q": "没有这个事项"}), "没有找到与“没有这个事项”相关的事项")

    def test_without_the_cache_the_pages_are_rendered_as_before(self) -> None:
        failing = mock.Mock()
        failing.get.side_effect = ConnectionError("down")
        with mock.patch("lib.publiccache._cache", return_value=failing), self.assertLogs("lib.publiccache"):
            for url in PAGES.values():
                self.assertEqual(Client().get(url).status_code, 200)
