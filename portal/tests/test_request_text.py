"""A page's address or query with a control character (a `%00` typed or sent into a search)
gets the 400 page in Chinese, before the session, a view or a query sees it: on PostgreSQL a
NUL reaching a query was a server error (the catalogue search, the admin's searches). A tab
pasted into a search is no control character to refuse. CI runs these on PostgreSQL too."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from lib.requesttext import control_characters_escaped, has_control_characters
from portal.test import BaseTestCase


class RequestTextTestCase(BaseTestCase):
    def assertRefusedPage(self, r: Any) -> None:
        self.assertEqual(r.status_code, 400)
        self.assertEqual(r["Content-Type"], "text/html; charset=utf-8")
        self.assertContains(r, "请求无法处理", status_code=400)

    def test_a_nul_in_a_public_search_is_the_400_page(self) -> None:
        self.assertRefusedPage(self.client.get(reverse("catalog:search"), {"q": "注册\x00"}))
        self.assertRefusedPage(self.client.get(reverse("registry:query"), {"name": "张\x00", "number": "a"}))
        self.assertRefusedPage(self.client.get("/catalog/matters/a%00b/"))

    def test_a_nul_in_the_auditors_and_the_admins_searches_is_the_400_page(self) -> None:
        self.client.force_login(self.auditor)
        self.assertRefusedPage(self.client.get(reverse("audit:search"), {"person": "2101\x00"}))
        self.client.force_login(self.admin)
        self.assertRefusedPage(self.client.get(reverse("admin:catalog_matter_changelist"), {"q": "a\x00"}))

    def test_a_tab_in_a_search_is_searched(self) -> None:
        r = self.client.get(reverse("catalog:search"), {"q": "二级\t建造师"})
        self.assertEqual(r.status_code, 200)

    def test_what_counts_as_a_control_character(self) -> None:
        for text in ("\x00", "a\x1fb", "\x7f", "\x0b"):
            self.assertTrue(has_control_characters(text), repr(text))
        for text in ("二级\t建造师", "第一行\r\n第二行", "普通文字 ABC"):
            self.assertFalse(has_control_characters(text), repr(text))
        self.assertEqual(control_characters_escaped("a\x00b\x7f"), "a\\x00b\\x7f")
