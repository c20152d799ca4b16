"""The test suite's own shortcuts (`portal.testenv`, `portal.test`) give the same rows and
the same answers as the code they stand in for."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.test import TestCase

from catalog.models import CalendarDay, Department, Material, Matter, ServiceItem
from catalog.seed import seed_catalog
from portal.test import PASSWORD, BaseTestCase, catalog_seeded


def catalog_rows() -> dict[str, list[dict[str, Any]]]:
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for model in apps.get_app_config("catalog").get_models()
    }


class CatalogSeededTestCase(TestCase):
    def test_the_copy_is_what_the_seed_writes(self):
        # Once to be sure the seed's rows are kept (the first call in a run keeps them),
        # undone, then the copy is inserted.
        with transaction.atomic():
            catalog_seeded()
            transaction.set_rollback(True)
        self.assertFalse(Department.objects.exists())
        catalog_seeded()
        copied = catalog_rows()
        self.assertTrue(Matter.objects.filter(code="ejjzs-zgrd").exists())
        self.assertGreater(Material.objects.count(), 50)
        self.assertGreater(CalendarDay.objects.count(), 100)
        # The seed, run again on the copy, finds nothing to add and nothing to change.
        seed_catalog()
        self.assertEqual(catalog_rows(), copied)
        # New rows after the copy get keys of their own (PostgreSQL's sequences moved on).
        item = ServiceItem.objects.first()
        assert item is not None
        material = Material.objects.create(item=item, code="extra", name="补充材料", order=999)
        self.assertEqual(Material.objects.filter(pk=material.pk).count(), 1)

    def test_it_seeds_for_real_where_a_catalogue_is_there(self):
        seed_catalog()
        Matter.objects.filter(code="ejjzs-zgrd").update(name="改过的名称")
        catalog_seeded()
        self.assertEqual(Matter.objects.get(code="ejjzs-zgrd").name, "二级注册建造师执业资格认定")


class FastHasherTestCase(BaseTestCase):
    def test_personas_passwords_are_hashed_cheaply_and_still_checked(self):
        self.assertTrue(self.applicant.password.startswith("md5$"))
        # The production hashers stay listed after it: their hashes are still checked.
        self.assertIn("django.contrib.auth.hashers.PBKDF2PasswordHasher", settings.PASSWORD_HASHERS)
        self.assertTrue(self.applicant.check_password(PASSWORD))
        self.assertFalse(self.applicant.check_password(PASSWORD + "x"))


def test_every_app_with_tests_is_collected() -> None:
    # `make test` collects only pyproject's testpaths: an app left out runs none of its tests.
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    listed = set(
        tomllib.loads((root / "pyproject.toml").read_text("utf-8"))["tool"]["pytest"]["ini_options"][
            "testpaths"
        ]
    )
    with_tests = {path.parent.parent.name for path in root.glob("*/tests/__init__.py")}
    assert with_tests - listed == set(), "add these to testpaths in pyproject.toml"
