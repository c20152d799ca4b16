from __future__ import annotations

from typing import Any

from django.urls import reverse

from catalog import selectors
from catalog.models import Matter, ServiceItem
from catalog.registration_types import RegistrationType
from portal.test import BaseTestCase

GUIDE_FIELDS = (
    "department", "code", "name", "aliases", "summary", "basis", "conditions", "process",
    "legal_days", "accept_days", "promised_days", "employer_confirm_days", "release_silence_days",
    "fee", "phone",
    "result", "delivery", "location", "order",
)  # fmt: skip


def change_form_data(matter: Matter, **changes: Any) -> dict[str, Any]:
    """What the browser posts for the matter's change page, with `changes` applied."""
    data: dict[str, Any] = {}
    for field in GUIDE_FIELDS:
        value = getattr(matter, field)
        data[field] = value.pk if field == "department" else value
    if matter.online:
        data["online"] = "on"
    items = list(matter.items.order_by("order", "id"))
    data.update(
        {
            "items-TOTAL_FORMS": len(items),
            "items-INITIAL_FORMS": len(items),
            "items-MIN_NUM_FORMS": 0,
            "items-MAX_NUM_FORMS": 1000,
        }
    )
    for i, item in enumerate(items):
        data.update(
            {
                f"items-{i}-id": item.pk,
                f"items-{i}-matter": matter.pk,
                f"items-{i}-code": item.code,
                f"items-{i}-name": item.name,
                f"items-{i}-description": item.description,
                f"items-{i}-order": item.order,
            }
        )
    data.update(changes)
    return data


class MatterAdminTestCase(BaseTestCase):
    def test_it_lists_matters_for_the_admin(self) -> None:
        self.client.force_login(self.admin)
        r = self.client.get(reverse("admin:catalog_matter_changelist"))
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "二级注册建造师执业资格认定")
        self.assertContains(r, "辽宁省住房和城乡建设厅")
        # Column headers in Chinese.
        self.assertContains(r, "事项名称")
        self.assertContains(r, "承诺时限（工作日）")

    def test_it_searches_matters_in_the_admin(self) -> None:
        self.client.force_login(self.admin)
        r = self.client.get(reverse("admin:catalog_matter_changelist") + "?q=二建")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.context["cl"].result_count, 2)

    def test_it_shows_the_items_inline(self) -> None:
        self.client.force_login(self.admin)
        matter = Matter.objects.get(code="ejjzs-zgrd")
        r = self.client.get(reverse("admin:catalog_matter_change", args=[matter.pk]))
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "办事指南")
        for name in ("初始注册", "延续注册"):
            self.assertContains(r, f'value="{name}"')

    def test_it_refreshes_the_search_text_when_aliases_change(self) -> None:
        self.client.force_login(self.admin)
        matter = Matter.objects.get(code="ejjzs-zgrd")
        self.assertEqual(selectors.matter_search(query="建造师执业注册"), [])

        r = self.client.post(
            reverse("admin:catalog_matter_change", args=[matter.pk]),
            change_form_data(matter, aliases=matter.aliases + "，建造师执业注册"),
        )

        self.assertEqual(r.status_code, 302, r.context and r.context["adminform"].form.errors)
        matter.refresh_from_db()
        self.assertTrue(matter.aliases.endswith("，建造师执业注册"))
        self.assertIn("建造师执业注册", matter.search_text)
        self.assertIn("jzszyzc", matter.search_text)
        self.assertEqual([m.code for m in selectors.matter_search(query="jzszyzc")], ["ejjzs-zgrd"])
        self.assertEqual(ServiceItem.objects.filter(matter=matter).count(), 6)

    def test_it_keeps_non_staff_out(self) -> None:
        for user in (self.applicant, self.enterprise, self.acceptor):
            with self.subTest(user=user.name):
                self.client.force_login(user)
                url = reverse("admin:catalog_matter_changelist")
                r = self.client.get(url)
                self.assertEqual(r.status_code, 302)
                self.assertTrue(r["Location"].startswith(reverse("admin:login")))
                self.assertNotIn("二级注册建造师执业资格认定", r.content.decode())


class OtherAdminPagesTestCase(BaseTestCase):
    def test_it_lists_departments(self) -> None:
        self.client.force_login(self.admin)
        r = self.client.get(reverse("admin:catalog_department_changelist"))
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "辽宁省住房和城乡建设厅")
        self.assertContains(r, "统一社会信用代码")

    def test_it_shows_materials_inline_on_a_service_item(self) -> None:
        self.client.force_login(self.admin)
        item = ServiceItem.objects.get(matter__code="ejjzs-zgrd", code=RegistrationType.INITIAL)
        r = self.client.get(reverse("admin:catalog_serviceitem_change", args=[item.pk]))
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, 'value="申请人本人白底1寸照片（图片）"')
        self.assertContains(r, 'value="继续教育证明"')

    def test_it_lists_service_items_with_material_counts(self) -> None:
        self.client.force_login(self.admin)
        r = self.client.get(reverse("admin:catalog_serviceitem_changelist") + "?q=初始注册")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.context["cl"].result_count, 1)
        self.assertContains(r, "材料数")
        self.assertContains(r, '<td class="field-material_count">8</td>', html=True)
