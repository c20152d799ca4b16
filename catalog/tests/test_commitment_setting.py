"""The per-material 「可告知承诺」 setting (ADR 20): seeded for the 继续教育 proof and the 增项
qualification, with a commitment text; edited by administrators, whose edits a later seed
keeps; a text's version is its fingerprint."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from catalog.models import Material, commitment_text_version
from catalog.registration_types import RegistrationType
from catalog.seed import seed_catalog
from portal.test import BaseTestCase


class CommitmentSettingTestCase(BaseTestCase):
    def test_it_seeds_the_commitment_for_the_materials_the_province_lists(self):
        offered = set(Material.objects.filter(commitment_allowed=True).values_list("item__code", "code"))
        self.assertEqual(
            offered,
            {
                (RegistrationType.INITIAL, "continuing_education"),
                (RegistrationType.REREGISTER, "continuing_education"),
                (RegistrationType.RENEWAL, "continuing_education"),
                (RegistrationType.ADDITION, "addition_qualification"),
            },
        )
        for material in Material.objects.filter(commitment_allowed=True):
            with self.subTest(material.code):
                self.assertTrue(material.commitment_offered)
                self.assertIn("本人郑重承诺", material.commitment_text)
                self.assertIn("第六十九条", material.commitment_text)
                self.assertEqual(material.commitment_check_days, 20)
        renewal = Material.objects.get(item__code=RegistrationType.RENEWAL, code="continuing_education")
        self.assertIn("继续教育", renewal.commitment_text)
        addition = Material.objects.get(item__code=RegistrationType.ADDITION, code="addition_qualification")
        self.assertIn("增项专业", addition.commitment_text)

    def test_a_later_seed_keeps_an_administrators_edit(self):
        material = Material.objects.get(item__code=RegistrationType.RENEWAL, code="continuing_education")
        material.commitment_allowed = False
        material.commitment_text = "本人承诺已完成继续教育。"
        material.commitment_check_days = 30
        material.save()
        seed_catalog()
        material.refresh_from_db()
        self.assertFalse(material.commitment_allowed)
        self.assertEqual(material.commitment_text, "本人承诺已完成继续教育。")
        self.assertEqual(material.commitment_check_days, 30)

    def test_an_offered_commitment_needs_a_text(self):
        material = Material.objects.get(item__code=RegistrationType.INITIAL, code="photo")
        material.commitment_allowed = True
        with self.assertRaises(ValidationError) as raised:
            material.full_clean()
        self.assertIn("commitment_text", raised.exception.message_dict)
        self.assertFalse(material.commitment_offered)

    def test_the_version_is_the_texts_fingerprint(self):
        text = "本人郑重承诺：已完成继续教育。\n如有不实，愿承担法律责任。"
        version = commitment_text_version(text)
        self.assertRegex(version, r"^[0-9A-F]{12}$")
        # Line ends and outer blanks are not a new version; a changed word is.
        self.assertEqual(commitment_text_version("  " + text.replace("\n", "\r\n") + "\n"), version)
        self.assertNotEqual(commitment_text_version(text.replace("已完成", "将完成")), version)

    def test_the_admin_shows_the_setting_and_the_version(self):
        material = Material.objects.get(item__code=RegistrationType.RENEWAL, code="continuing_education")
        self.client.force_login(self.admin)
        r = self.client.get(f"/admin/catalog/material/{material.pk}/change/")
        self.assertContains(r, "可告知承诺")
        self.assertContains(r, material.commitment_version)
