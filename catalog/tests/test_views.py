from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

from catalog.models import Material, Matter, ServiceItem
from portal.test import BaseTestCase

EJJZS = "二级注册建造师执业资格认定"
GUIDE_URL = "/catalog/matters/ejjzs-zgrd/"
APPLY_URL = "/catalog/matters/ejjzs-zgrd/apply/"
REGISTRATION_TYPES = ["初始注册", "增项注册", "重新注册", "变更注册", "注销注册", "延续注册"]


class UrlsTestCase(BaseTestCase):
    def test_it_names_the_catalogue_urls(self) -> None:
        self.assertEqual(reverse("catalog:search"), "/catalog/search/")
        self.assertEqual(reverse("catalog:departments"), "/catalog/departments/")
        self.assertEqual(reverse("catalog:department", args=["lnszjt"]), "/catalog/departments/lnszjt/")
        self.assertEqual(reverse("catalog:guide", args=["ejjzs-zgrd"]), GUIDE_URL)
        self.assertEqual(reverse("catalog:apply", args=["ejjzs-zgrd"]), APPLY_URL)


class DepartmentsPageTestCase(BaseTestCase):
    def test_it_lists_every_department_with_its_matter_count(self) -> None:
        r = self.client.get(reverse("catalog:departments"))
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "按部门查找事项")
        listed = [d.code for d in r.context["departments"]]
        self.assertEqual(listed[0], "lnszjt")
        self.assertEqual(len(listed), 5)
        self.assertContains(r, 'href="/catalog/departments/lnszjt/"')
        self.assertContains(r, "<strong>省住房城乡建设厅</strong>", html=True)
        count = Matter.objects.filter(department__code="lnszjt").count()
        self.assertContains(r, f"{count} 个事项")

    def test_it_is_reached_from_the_nav_link_labelled_bumen(self) -> None:
        r = self.client.get(reverse("portal:home"))
        self.assertContains(r, f'<a href="{reverse("catalog:departments")}">部门</a>', html=True)


class DepartmentPageTestCase(BaseTestCase):
    def test_it_lists_the_housing_departments_matters(self) -> None:
        r = self.client.get(reverse("catalog:department", args=["lnszjt"]))
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "<h1>辽宁省住房和城乡建设厅</h1>", html=True)
        matters = [m.name for m in r.context["matters"]]
        self.assertEqual(matters[:2], [EJJZS, "二级注册建造师执业资格认定-执业资格证书遗失补办"])
        self.assertIn("建筑业企业资质认定", matters)
        self.assertContains(r, f'<a href="{GUIDE_URL}">{EJJZS}</a>', html=True)
        self.assertContains(r, "/catalog/matters/ejjzs-ysbb/")
        # Matters of other departments are not listed.
        self.assertNotContains(r, "企业设立登记")
        # Breadcrumbs: 首页 › 部门 › 省住房城乡建设厅
        self.assertContains(r, '<li aria-current="page">省住房城乡建设厅</li>', html=True)
        self.assertContains(r, "024-23447766")

    def test_it_answers_404_for_an_unknown_department(self) -> None:
        r = self.client.get(reverse("catalog:department", args=["nope"]))
        self.assertEqual(r.status_code, 404)


class GuidePageTestCase(BaseTestCase):
    def test_it_shows_every_guide_field(self) -> None:
        r = self.client.get(GUIDE_URL)
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, f"<h1>{EJJZS}</h1>", html=True)
        for label in (
            "设定依据", "受理条件", "申请材料", "办理流程", "法定时限", "承诺时限",
            "收费标准", "咨询电话", "办理结果", "送达方式", "办理地点",
        ):  # fmt: skip
            with self.subTest(label=label):
                self.assertContains(r, label)
        self.assertContains(r, "《注册建造师管理规定》（建设部令第153号）")
        self.assertContains(r, "《中华人民共和国行政许可法》")
        self.assertContains(r, '<tr><th scope="row">法定时限</th><td>20个工作日</td></tr>', html=True)
        self.assertContains(r, '<tr><th scope="row">承诺时限</th><td>10个工作日</td></tr>', html=True)
        self.assertContains(r, '<tr><th scope="row">收费标准</th><td>不收费</td></tr>', html=True)
        self.assertContains(r, "024-23447766")
        self.assertContains(r, "二级建造师注册证书（电子证照）")
        self.assertContains(r, "网上下载电子证照（OFD格式）")
        self.assertContains(r, "5个工作日")

    def test_it_shows_the_materials_of_every_item_with_required_marks(self) -> None:
        r = self.client.get(GUIDE_URL)
        for name in REGISTRATION_TYPES:
            self.assertContains(r, f">{name}</h3>")
        self.assertContains(r, '<th scope="col">材料名称</th>', count=6)
        self.assertContains(r, '<th scope="col">格式要求</th>', count=6)
        self.assertContains(r, '<th scope="col">说明</th>', count=6)
        required = Material.objects.filter(item__matter__code="ejjzs-zgrd", required=True).count()
        self.assertContains(r, '<span class="required-mark" aria-label="必传">*</span>', count=required)
        self.assertContains(
            r,
            '<td><span class="required-mark" aria-label="必传">*</span>申请人本人白底1寸照片（图片）</td>',
            html=True,
        )
        # Optional materials have no mark.
        self.assertContains(r, "<td>学历证书</td>", html=True)
        self.assertContains(r, "图片（JPG/PNG）")
        self.assertContains(r, "打印申请表后由申请人、负责人签字并加盖企业公章，扫描上传")

    def test_it_has_one_start_button_to_the_apply_page(self) -> None:
        r = self.client.get(GUIDE_URL)
        self.assertContains(r, ">开始申请</a>", count=1)
        self.assertContains(r, f'<a class="btn btn-red btn-big" href="{APPLY_URL}">开始申请</a>', html=True)

    def test_it_shows_breadcrumbs(self) -> None:
        r = self.client.get(GUIDE_URL)
        self.assertContains(r, '<a href="/catalog/departments/">部门</a>', html=True)
        self.assertContains(r, '<a href="/catalog/departments/lnszjt/">省住房城乡建设厅</a>', html=True)
        self.assertContains(r, f'<li aria-current="page">{EJJZS}</li>', html=True)

    def test_it_shows_the_reissue_guide(self) -> None:
        r = self.client.get(reverse("catalog:guide", args=["ejjzs-ysbb"]))
        self.assertEqual(r.status_code, 200)
        self.assertContains(
            r, '<td><span class="required-mark" aria-label="必传">*</span>遗失声明</td>', html=True
        )
        self.assertContains(r, "提取信息")
        self.assertContains(r, "/catalog/matters/ejjzs-ysbb/apply/")

    def test_start_goes_straight_to_the_form_of_a_single_item_matter(self) -> None:
        self.client.force_login(self.applicant)
        r = self.client.get(reverse("catalog:apply", args=["ejjzs-ysbb"]))
        item = ServiceItem.objects.get(matter__code="ejjzs-ysbb")
        self.assertRedirects(r, reverse("cases:start", args=[item.pk]), fetch_redirect_response=False)
        # An enterprise looking at what applicants are asked for still sees the chooser.
        self.client.force_login(self.enterprise)
        r = self.client.get(reverse("catalog:apply", args=["ejjzs-ysbb"]))
        self.assertContains(r, "<h1>请选择办理项</h1>", html=True)

    def test_it_hides_the_start_button_for_a_counter_only_matter(self) -> None:
        r = self.client.get(reverse("catalog:guide", args=["jmsfz-hl"]))
        self.assertEqual(r.status_code, 200)
        self.assertNotContains(r, "开始申请")
        self.assertContains(r, "本事项暂不支持网上申请")
        self.assertContains(r, "工本费20元")

    def test_it_answers_404_for_an_unknown_matter(self) -> None:
        r = self.client.get(reverse("catalog:guide", args=["nope"]))
        self.assertEqual(r.status_code, 404)


class ApplyPageTestCase(BaseTestCase):
    def test_it_sends_anonymous_users_to_login_and_back(self) -> None:
        r = self.client.get(APPLY_URL)
        self.assertEqual(r.status_code, 302)
        login = resolve_url(settings.LOGIN_URL)
        self.assertEqual(r["Location"], f"{login}?next={quote(APPLY_URL)}")

    def test_it_lists_the_six_registration_types(self) -> None:
        self.client.force_login(self.applicant)
        r = self.client.get(APPLY_URL)
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "<h1>请选择办理项</h1>", html=True)
        items = [i.name for i in r.context["matter"].items.all()]
        self.assertEqual(items, REGISTRATION_TYPES)
        for name in REGISTRATION_TYPES:
            self.assertContains(r, f">{name}</h2>")
        self.assertContains(r, "需准备的材料", count=6)
        # Every type is open online, each with its own form.
        self.assertContains(r, "填写申请表", count=6)
        self.assertNotContains(r, "暂未开通网上申请")
        self.assertContains(r, "增项专业资格证书")
        self.assertContains(r, "注销事由证明")
        self.assertContains(r, "<strong>二级注册建造师执业资格认定</strong>", html=True)

    def test_it_lets_enterprises_and_staff_look(self) -> None:
        for user in (self.enterprise, self.acceptor, self.admin):
            with self.subTest(user=user.name):
                self.client.force_login(user)
                r = self.client.get(APPLY_URL)
                self.assertEqual(r.status_code, 200)
                self.assertContains(r, "初始注册")

    def test_it_lists_the_reissue_item(self) -> None:
        # An enterprise sees the chooser; a person goes straight to the one form (GuidePage).
        self.client.force_login(self.enterprise)
        r = self.client.get(reverse("catalog:apply", args=["ejjzs-ysbb"]))
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, ">遗失补办</h2>")
        self.assertContains(r, "遗失声明")

    def test_it_says_a_counter_only_matter_cannot_be_applied_for_online(self) -> None:
        self.client.force_login(self.applicant)
        r = self.client.get(reverse("catalog:apply", args=["jmsfz-hl"]))
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "本事项暂不支持网上申请")
        self.assertNotContains(r, "需准备的材料")

    def test_it_answers_404_for_an_unknown_matter(self) -> None:
        self.client.force_login(self.applicant)
        r = self.client.get(reverse("catalog:apply", args=["nope"]))
        self.assertEqual(r.status_code, 404)
