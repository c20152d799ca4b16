from __future__ import annotations

from django.urls import reverse

from portal.test import BaseTestCase


class HomePageTestCase(BaseTestCase):
    def test_it_shows_the_big_search_box(self) -> None:
        r = self.client.get(reverse("portal:home"))
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, 'placeholder="请输入事项名称，如：二级注册建造师执业资格认定"')
        self.assertContains(r, f'action="{reverse("catalog:search")}"')
        self.assertContains(
            r, '<label for="home-q" class="visually-hidden">输入事项名称或关键词</label>', html=True
        )

    def test_it_shows_featured_matters(self) -> None:
        r = self.client.get(reverse("portal:home"))
        self.assertContains(r, "热门事项")
        featured = [m.code for m in r.context["featured"]]
        self.assertEqual(featured[:2], ["ejjzs-zgrd", "ejjzs-ysbb"])
        self.assertLessEqual(len(featured), 8)
        self.assertContains(r, 'href="/catalog/matters/ejjzs-zgrd/"')
        self.assertContains(r, "<strong>二级注册建造师执业资格认定</strong>", html=True)

    def test_it_shows_the_departments_grid(self) -> None:
        r = self.client.get(reverse("portal:home"))
        self.assertContains(r, "按部门查找")
        self.assertEqual(r.context["departments"][0].code, "lnszjt")
        self.assertContains(r, 'href="/catalog/departments/lnszjt/"')
        self.assertContains(r, "<strong>省住房城乡建设厅</strong>", html=True)
        self.assertContains(r, "<strong>省公安厅</strong>", html=True)

    def test_it_shows_the_help_box_and_the_nav(self) -> None:
        r = self.client.get(reverse("portal:home"))
        self.assertContains(r, "办事帮助")
        self.assertContains(r, f'<a href="{reverse("portal:help")}">帮助手册</a>', html=True)
        self.assertContains(r, "<strong>12345</strong>", html=True)
        self.assertContains(r, "<strong>024-83988821</strong>", html=True)
        self.assertContains(r, f'<a href="{reverse("catalog:departments")}">部门</a>', html=True)
        # Anonymous visitors see 注册 and 登录 at the top right, as the manual says.
        self.assertContains(r, ">注册</a>")
        self.assertContains(r, ">登录</a>")


class HelpPageTestCase(BaseTestCase):
    def test_it_walks_through_the_manual(self) -> None:
        r = self.client.get(reverse("portal:help"))
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "<h1>帮助手册</h1>", html=True)
        for heading in ("1. 注册", "2. 登录", "3. 查找事项", "4. 开始申请", "5. 电子证照下载", "7. 咨询电话"):
            with self.subTest(heading=heading):
                self.assertContains(r, heading)
        for label in ("“个人”", "“法人”", "“部门”", "“开始申请”", "“保存信息”", "“打印申请表”",
                      "“保存并提交”", "“我的办件”", "“查看详情”", "“ofd阅读器下载”", "“公示附件”",
                      "“加注”", "“提取信息”"):  # fmt: skip
            with self.subTest(label=label):
                self.assertContains(r, label)
        self.assertContains(r, "省住房城乡建设厅")
        self.assertContains(r, reverse("accounts:register"))
        self.assertContains(r, reverse("accounts:login"))
        self.assertContains(r, reverse("catalog:search") + "?q=")
        self.assertContains(r, "<strong>12345</strong>", html=True)
        self.assertContains(r, "<strong>024-83988821</strong>", html=True)
