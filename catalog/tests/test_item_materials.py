"""The materials of a 办理项, kept under the catalogue's version for 保存并提交 (ISSUE 14):
read once, and read again after any change the admin or the seed makes."""

from __future__ import annotations

from django.urls import reverse

from cases.tests.sample_files import initial_item
from catalog.answers import catalogue_answers_replace
from catalog.models import Material, ServiceItem
from catalog.seed import seed_catalog
from catalog.selectors import item_materials_prefetch
from portal.test import BaseTestCase


def material_codes(*, fresh_item_pk: int) -> list[str]:
    item = ServiceItem.objects.get(pk=fresh_item_pk)
    item_materials_prefetch(item=item)
    return [m.code for m in item.materials.all()]


class ItemMaterialsTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.item = initial_item()
        self.codes = list(
            Material.objects.filter(item=self.item).order_by("order", "id").values_list("code", flat=True)
        )

    def test_it_reads_the_materials_once_in_catalogue_order(self):
        with self.assertNumQueries(1):
            item_materials_prefetch(item=self.item)
            self.assertEqual([m.code for m in self.item.materials.all()], self.codes)
        item = initial_item()
        with self.assertNumQueries(0):
            item_materials_prefetch(item=item)
            materials = list(item.materials.all())
            # Each row knows its 办理项 without asking.
            self.assertEqual({m.item.pk for m in materials}, {item.pk})
        self.assertEqual([m.code for m in materials], self.codes)

    def test_a_kept_row_changed_by_one_request_is_not_seen_by_the_next(self):
        item_materials_prefetch(item=self.item)
        next(iter(self.item.materials.all())).name = "改过的名称"
        item = initial_item()
        item_materials_prefetch(item=item)
        self.assertNotIn("改过的名称", [m.name for m in item.materials.all()])

    def test_an_admin_removing_a_material_shows_at_the_next_submission(self):
        # 管理员 removes a material from the catalogue.
        item_materials_prefetch(item=self.item)
        self.client.force_login(self.admin)
        gone = Material.objects.get(item=self.item, code=self.codes[-1])
        r = self.client.post(reverse("admin:catalog_material_delete", args=[gone.pk]), {"post": "yes"})
        self.assertEqual(r.status_code, 302)
        self.assertEqual(material_codes(fresh_item_pk=self.item.pk), self.codes[:-1])

    def test_the_seed_shows_at_the_next_submission(self):
        Material.objects.filter(item=self.item, code=self.codes[0]).update(name="旧名称")
        catalogue_answers_replace()  # as an edit in the admin does
        item_materials_prefetch(item=self.item)
        self.assertIn("旧名称", [m.name for m in self.item.materials.all()])
        seed_catalog()  # writes the package's name back, and replaces the catalogue's version
        item = initial_item()
        item_materials_prefetch(item=item)
        self.assertNotIn("旧名称", [m.name for m in item.materials.all()])
