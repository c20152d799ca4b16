"""The migration that ends superusers (accounts 0005): a superuser made by an earlier version's
`createsuperuser` is a plain 系统管理员 afterwards, and so is every account the earlier admin
marked is_staff only by its role."""

from __future__ import annotations

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase

BEFORE = [("accounts", "0004_staff_roles_three_administrators")]
AFTER = [("accounts", "0005_no_superusers_roles")]


class NoSuperusersMigrationTestCase(TransactionTestCase):
    def test_a_superuser_becomes_a_plain_system_administrator(self):
        executor = MigrationExecutor(connection)
        executor.migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps.get_model("accounts", "User")
        old.objects.create(
            username="root", name="管理员", kind="staff", staff_role="admin", is_staff=True, is_superuser=True
        )
        old.objects.create(
            username="shouli", name="受理员", kind="staff", staff_role="acceptor", is_staff=True
        )
        try:
            executor = MigrationExecutor(connection)
            executor.migrate(AFTER)
            new = executor.loader.project_state(AFTER).apps.get_model("accounts", "User")
            root = new.objects.get(username="root")
            self.assertEqual(
                (root.kind, root.staff_role, root.is_staff, root.is_superuser),
                ("staff", "admin", True, False),
            )
            self.assertFalse(new.objects.get(username="shouli").is_staff)
        finally:
            # Back to the latest schema for the tests after this one.
            executor = MigrationExecutor(connection)
            executor.migrate(executor.loader.graph.leaf_nodes())
