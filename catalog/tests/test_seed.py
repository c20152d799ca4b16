from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from catalog.models import Department, Material, MaterialKind, Matter, ServiceItem
from catalog.registration_types import RegistrationType
from catalog.seed import seed_catalog
from lib.uscc import validate_uscc
from portal.test import BaseTestCase

COMMON = [
    ("application_form", "申请表", True, MaterialKind.DOCUMENT),
    ("photo", "申请人本人白底1寸照片（图片）", True, MaterialKind.IMAGE),
    ("signature", "申请人本人手写签名（图片）", True, MaterialKind.IMAGE),
    ("identity", "身份证明", True, MaterialKind.DOCUMENT),
]
INITIAL = [
    *COMMON,
    ("qualification", "资格证书", True, MaterialKind.DOCUMENT),
    ("labour_contract", "劳动合同", True, MaterialKind.DOCUMENT),
    ("education", "学历证书", False, MaterialKind.DOCUMENT),
    ("continuing_education", "继续教育证明", False, MaterialKind.DOCUMENT),
]
# DOMAIN.md, "Materials": what each registration type asks for, in order.
EXPECTED_MATERIALS = {
    RegistrationType.INITIAL: INITIAL,
    RegistrationType.ADDITION: [
        *COMMON,
        ("addition_qualification", "增项专业资格证书", True, MaterialKind.DOCUMENT),
        ("addition_pledge", "增项注册告知承诺书", False, MaterialKind.DOCUMENT),
    ],
    RegistrationType.REREGISTER: INITIAL,
    RegistrationType.CHANGE: [*COMMON, ("change_proof", "变更证明材料", True, MaterialKind.DOCUMENT)],
    RegistrationType.CANCEL: [*COMMON, ("cancel_proof", "注销事由证明", True, MaterialKind.DOCUMENT)],
    RegistrationType.RENEWAL: [
        *COMMON,
        ("continuing_education", "继续教育证明", True, MaterialKind.DOCUMENT),
    ],
}


def counts() -> tuple[int, int, int, int]:
    return (
        Department.objects.count(),
        Matter.objects.count(),
        ServiceItem.objects.count(),
        Material.objects.count(),
    )


def materials_of(item: ServiceItem) -> list[tuple[str, str, bool, str]]:
    return [(m.code, m.name, m.required, m.kind) for m in item.materials.order_by("order", "id")]


class SeedTestCase(BaseTestCase):
    # The seed is the subject: the class runs it, not the copy other test classes get.
    real_seed = True

    def test_it_seeds_the_housing_department_with_a_valid_uscc(self) -> None:
        department = Department.objects.get(code="lnszjt")
        self.assertEqual(department.name, "辽宁省住房和城乡建设厅")
        self.assertEqual(department.short_name, "省住房城乡建设厅")
        self.assertEqual(department.order, 1)
        self.assertEqual(department.address, "沈阳市和平区太原北街2号")
        self.assertEqual(department.phone, "024-23447766")
        # The code given for the demo had a wrong check character; the seed uses the one
        # GB 32100 computes for the same first 17 characters.
        self.assertTrue(department.uscc.startswith("11210000001189087"))
        self.assertEqual(validate_uscc(department.uscc), department.uscc)

    def test_it_gives_every_department_a_valid_uscc(self) -> None:
        for department in Department.objects.all():
            with self.subTest(department=department.name):
                self.assertEqual(validate_uscc(department.uscc), department.uscc)

    def test_it_is_idempotent(self) -> None:
        before = counts()
        matter = Matter.objects.get(code="ejjzs-zgrd")
        matter.summary = "管理员改过的简介"
        matter.save()

        seed_catalog()
        seed_catalog()

        self.assertEqual(counts(), before)
        matter.refresh_from_db()
        self.assertEqual(
            matter.summary, "取得二级建造师资格证书的人员，申请初始、增项、重新、变更、注销、延续注册。"
        )
        self.assertEqual(Department.objects.filter(code="lnszjt").count(), 1)
        self.assertEqual(Matter.objects.filter(name="二级注册建造师执业资格认定").count(), 1)

    def test_it_keeps_rows_administrators_added(self) -> None:
        matter = Matter.objects.get(code="ejjzs-zgrd")
        ServiceItem.objects.create(matter=matter, code="extra", name="管理员新增")

        seed_catalog()

        self.assertTrue(ServiceItem.objects.filter(matter=matter, code="extra").exists())

    def test_it_seeds_the_registration_matter_and_its_guide(self) -> None:
        matter = Matter.objects.get(code="ejjzs-zgrd")
        self.assertEqual(matter.name, "二级注册建造师执业资格认定")
        self.assertEqual(matter.department.code, "lnszjt")
        self.assertEqual(
            matter.aliases, "二建,二建注册,建造师注册,二级建造师,二级建造师注册,注册建造师,建造师"
        )
        self.assertIn("《注册建造师管理规定》（建设部令第153号）", matter.basis)
        self.assertIn("《中华人民共和国行政许可法》", matter.basis)
        self.assertIn("二级建造师资格证书", matter.conditions)
        for step in ("网上申请", "受理", "审查", "决定", "办结/送达", "5个工作日"):
            self.assertIn(step, matter.process)
        self.assertEqual(matter.legal_days, 20)
        self.assertEqual(matter.promised_days, 10)
        self.assertEqual(matter.fee, "不收费")
        self.assertEqual(matter.phone, "024-23447766")
        self.assertEqual(matter.result, "二级建造师注册证书（电子证照）")
        self.assertEqual(matter.delivery, "网上下载电子证照（OFD格式）")
        self.assertIn("太原北街2号", matter.location)
        self.assertTrue(matter.online)

    def test_it_seeds_the_six_registration_types_with_their_materials(self) -> None:
        matter = Matter.objects.get(code="ejjzs-zgrd")
        items = list(matter.items.order_by("order"))
        self.assertEqual(
            [(i.code, i.name) for i in items],
            [
                (RegistrationType.INITIAL, "初始注册"),
                (RegistrationType.ADDITION, "增项注册"),
                (RegistrationType.REREGISTER, "重新注册"),
                (RegistrationType.CHANGE, "变更注册"),
                (RegistrationType.CANCEL, "注销注册"),
                (RegistrationType.RENEWAL, "延续注册"),
            ],
        )
        for item in items:
            with self.subTest(item=item.code):
                self.assertTrue(item.description)
                self.assertEqual(materials_of(item), EXPECTED_MATERIALS[RegistrationType(item.code)])

    def test_it_seeds_the_material_notes(self) -> None:
        initial = ServiceItem.objects.get(matter__code="ejjzs-zgrd", code=RegistrationType.INITIAL)
        notes = {m.code: m.notes for m in initial.materials.all()}
        self.assertEqual(
            notes["application_form"], "打印申请表后由申请人、负责人签字并加盖企业公章，扫描上传"
        )
        self.assertIn("25×35mm", notes["photo"])
        self.assertIn("白色背景", notes["photo"])
        self.assertIn("JPG/PNG", notes["photo"])
        self.assertEqual(notes["signature"], "字迹清晰工整，白纸黑字，文字居中")
        self.assertEqual(notes["continuing_education"], "取得资格证书超过3年申请注册的必须提供")
        change = ServiceItem.objects.get(matter__code="ejjzs-zgrd", code=RegistrationType.CHANGE)
        self.assertIn("离职证明", change.materials.get(code="change_proof").notes)

    def test_it_seeds_the_reissue_matter(self) -> None:
        matter = Matter.objects.get(code="ejjzs-ysbb")
        self.assertEqual(matter.name, "二级注册建造师执业资格认定-执业资格证书遗失补办")
        self.assertEqual(matter.department.code, "lnszjt")
        self.assertEqual(matter.aliases, "遗失补办,证书遗失,补办证书,二建遗失,建造师证书补办")
        self.assertEqual(matter.legal_days, 20)
        self.assertTrue(matter.basis and matter.conditions and matter.process and matter.result)
        item = matter.items.get()
        self.assertEqual((item.code, item.name), (RegistrationType.REISSUE, "遗失补办"))
        self.assertEqual(
            materials_of(item), [*COMMON, ("loss_statement", "遗失声明", True, MaterialKind.DOCUMENT)]
        )

    def test_it_seeds_other_departments_with_filled_matters(self) -> None:
        self.assertGreaterEqual(Department.objects.count(), 5)
        self.assertGreaterEqual(Matter.objects.filter(department__code="lnszjt").count(), 3)
        for department in Department.objects.all():
            matters = list(department.matters.all())
            with self.subTest(department=department.name):
                self.assertGreaterEqual(len(matters), 2)
            for matter in matters:
                with self.subTest(matter=matter.name):
                    for field in (
                        "basis",
                        "conditions",
                        "process",
                        "fee",
                        "phone",
                        "result",
                        "delivery",
                        "location",
                    ):
                        self.assertTrue(getattr(matter, field), field)
                    self.assertTrue(matter.search_text)
                    items = list(matter.items.all())
                    self.assertGreaterEqual(len(items), 1)
                    for item in items:
                        self.assertGreaterEqual(item.materials.count(), 2)

    def test_it_indexes_the_search_text(self) -> None:
        matter = Matter.objects.get(code="ejjzs-zgrd")
        self.assertIn("二级注册建造师执业资格认定", matter.search_text)
        self.assertIn("二建", matter.search_text)
        self.assertIn("ejjzs", matter.search_text)

    def test_it_runs_as_a_management_command(self) -> None:
        before = counts()
        out = StringIO()

        call_command("seed_catalog", stdout=out)

        self.assertEqual(counts(), before)
        self.assertIn(f"{before[0]} departments", out.getvalue())
        self.assertIn(f"{before[1]} matters", out.getvalue())
