from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.test import SimpleTestCase
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from pypinyin import Style, lazy_pinyin

from catalog import selectors
from catalog.models import Matter
from catalog.search import SEPARATOR, matter_search_text, normalize_query, split_aliases
from portal.test import BaseTestCase

if TYPE_CHECKING:
    # Only in django-stubs: the test client's response, with .context and .templates.
    from django.test.client import _MonkeyPatchedWSGIResponse

EJJZS = "二级注册建造师执业资格认定"
YSBB = "二级注册建造师执业资格认定-执业资格证书遗失补办"

# Common Chinese characters (CJK Unified Ideographs, basic block).
hanzi = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1, max_size=12)


def names(matters: list[Matter]) -> list[str]:
    return [m.name for m in matters]


class SearchTextTestCase(BaseTestCase):
    def test_it_holds_text_full_pinyin_and_initials(self) -> None:
        text = matter_search_text(name=EJJZS, aliases="二建，建造师注册、二级建造师;EJ  ")
        forms = text.split(SEPARATOR)
        self.assertIn(EJJZS, forms)
        self.assertIn("erjizhucejianzaoshizhiyezigerending", forms)
        self.assertIn("ejzcjzszyzgrd", forms)
        self.assertIn("二建", forms)
        self.assertIn("erjian", forms)
        self.assertIn("建造师注册", forms)
        self.assertIn("jzszc", forms)
        self.assertIn("ejjzs", forms)
        self.assertIn("ej", forms)
        self.assertEqual(len(forms), len(set(forms)))

    def test_it_splits_aliases_on_every_kind_of_comma(self) -> None:
        self.assertEqual(
            split_aliases("二建,二建注册，建造师注册、二级建造师;注册建造师；建造师 ＳＣ证"),
            ["二建", "二建注册", "建造师注册", "二级建造师", "注册建造师", "建造师", "sc证"],
        )

    def test_it_normalizes_queries(self) -> None:
        self.assertEqual(normalize_query("  ＥＪＪＺＳ "), "ejjzs")
        self.assertEqual(normalize_query("二建\u3000 注册"), "二建 注册")
        self.assertEqual(normalize_query("ErJian"), "erjian")
        self.assertEqual(normalize_query("二级注册建造师执业资格认定－执业资格证书遗失补办"), YSBB)


# A pure function: no database, so Hypothesis can run it outside a transaction per example.
class SearchTextPropertyTestCase(SimpleTestCase):
    @settings(max_examples=50, deadline=None)
    @given(name=hanzi, alias=hanzi)
    def test_it_contains_the_initials_of_any_name_and_alias(self, name: str, alias: str) -> None:
        forms = matter_search_text(name=name, aliases=alias).split(SEPARATOR)
        for text in (name, alias):
            self.assertIn(text, forms)
            self.assertIn("".join(lazy_pinyin(text, style=Style.FIRST_LETTER)).lower(), forms)
            self.assertIn("".join(lazy_pinyin(text)).lower(), forms)


class MatterSearchTestCase(BaseTestCase):
    def assertFirst(self, query: str, name: str) -> None:
        found = names(selectors.matter_search(query=query))
        self.assertTrue(found, f"nothing found for {query!r}")
        self.assertEqual(found[0], name, f"for {query!r}: {found}")

    def test_it_finds_the_registration_matter_by_every_way_people_type_it(self) -> None:
        for query in (
            EJJZS,
            "二建",
            "建造师注册",
            "ejjzs",
            "EJJZS",
            "ＥＪＪＺＳ",
            "erjian",
            "二级建造师",
            "建造师",
        ):
            with self.subTest(query=query):
                self.assertFirst(query, EJJZS)

    def test_it_ranks_the_exact_name_before_names_that_contain_it(self) -> None:
        found = names(selectors.matter_search(query=EJJZS))
        self.assertEqual(found, [EJJZS, YSBB])

    def test_it_finds_the_reissue_matter(self) -> None:
        self.assertFirst(YSBB, YSBB)
        self.assertEqual(names(selectors.matter_search(query=YSBB)), [YSBB])
        self.assertFirst("遗失补办", YSBB)
        self.assertFirst("二级注册建造师执业资格认定－执业资格证书遗失补办", YSBB)

    def test_it_ranks_name_hits_before_alias_hits_before_pinyin_hits(self) -> None:
        # "注册" is in the name of both 二建 matters, and only in an alias of none else.
        found = selectors.matter_search(query="注册")
        self.assertEqual(names(found)[:2], [EJJZS, YSBB])
        # 安全生产许可证 is the name's own text for one matter and an alias of none;
        # "aqsc" is pinyin-only everywhere.
        self.assertFirst("安许证", "建筑施工企业安全生产许可证核发")
        self.assertFirst("aqsc", "建筑施工企业安全生产许可证核发")

    def test_it_requires_every_term(self) -> None:
        self.assertEqual(names(selectors.matter_search(query="二建 遗失")), [YSBB])
        self.assertEqual(names(selectors.matter_search(query="ej bb")), [YSBB])
        self.assertEqual(selectors.matter_search(query="二建 营业执照"), [])

    def test_it_finds_nothing_for_empty_or_separator_queries(self) -> None:
        self.assertEqual(selectors.matter_search(query=""), [])
        self.assertEqual(selectors.matter_search(query="   "), [])
        self.assertEqual(selectors.matter_search(query=SEPARATOR), [])
        self.assertEqual(selectors.matter_search(query="火星移民"), [])

    def test_it_finds_other_departments_matters(self) -> None:
        self.assertFirst("营业执照", "企业设立登记")
        self.assertFirst("sfz", "居民身份证换领")
        found = selectors.matter_search(query="营业执照")
        self.assertEqual(found[0].department.name, "辽宁省市场监督管理局")


class SearchPageTestCase(BaseTestCase):
    def get(self, q: str) -> _MonkeyPatchedWSGIResponse:
        return self.client.get(reverse("catalog:search") + "?" + urlencode({"q": q}))

    def test_it_lists_results_with_count_department_and_guide_link(self) -> None:
        r = self.get(EJJZS)
        self.assertEqual(r.status_code, 200)
        self.assertEqual(names(r.context["results"]), [EJJZS, YSBB])
        self.assertContains(r, "共找到 2 个事项")
        self.assertContains(
            r, f'<a href="{reverse("catalog:guide", args=["ejjzs-zgrd"])}">{EJJZS}</a>', html=True
        )
        self.assertContains(r, "实施部门：辽宁省住房和城乡建设厅")
        # The query stays in the search box.
        self.assertContains(r, f'value="{EJJZS}"')

    def test_it_finds_the_matter_for_every_listed_query(self) -> None:
        for query in ("二建", "建造师注册", "ejjzs", "EJJZS", "ＥＪＪＺＳ"):
            with self.subTest(query=query):
                r = self.get(query)
                self.assertEqual(r.status_code, 200)
                self.assertEqual(r.context["results"][0].name, EJJZS)
                self.assertContains(r, reverse("catalog:guide", args=["ejjzs-zgrd"]))

    def test_it_finds_the_reissue_matter(self) -> None:
        for query in (YSBB, "遗失补办"):
            with self.subTest(query=query):
                r = self.get(query)
                self.assertEqual(r.context["results"][0].name, YSBB)
                self.assertContains(r, reverse("catalog:guide", args=["ejjzs-ysbb"]))
                self.assertContains(r, "共找到 1 个事项")

    def test_it_suggests_what_to_try_when_nothing_matches(self) -> None:
        r = self.get("火星移民")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.context["results"], [])
        self.assertContains(r, "没有找到与“火星移民”相关的事项")
        self.assertContains(r, "?q=%E4%BA%8C%E5%BB%BA")  # 二建
        self.assertContains(r, reverse("catalog:departments"))
        self.assertNotContains(r, "共找到")

    def test_it_shows_the_form_and_popular_matters_for_an_empty_query(self) -> None:
        r = self.client.get(reverse("catalog:search"))
        self.assertEqual(r.status_code, 200)
        self.assertFalse(r.context["searched"])
        self.assertContains(r, '<label for="search-q">事项名称或关键词</label>', html=True)
        self.assertContains(r, "热门事项")
        self.assertContains(r, EJJZS)
        self.assertNotContains(r, "共找到")
        self.assertNotContains(r, "没有找到")

    def test_it_escapes_the_query(self) -> None:
        r = self.get("<script>alert(1)</script>")
        self.assertEqual(r.status_code, 200)
        self.assertNotContains(r, "<script>alert(1)</script>")
        self.assertContains(r, "&lt;script&gt;")
