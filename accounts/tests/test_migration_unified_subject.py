"""accounts 0011 converts the links to 统一身份认证 already made: their subjects come out
encrypted and indexed (so the next sign-in finds its link), and the way back restores them."""

from __future__ import annotations

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase

from accounts.models import UnifiedIdentityLink
from lib.datacrypt import is_encrypted, platform_subject_index

BEFORE = [("accounts", "0010_person_sex_birth_date")]
AFTER = [("accounts", "0011_unified_subject_crypt")]
ISSUER = "https://tyrz.example"


def migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection)


def stored_subjects() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT subject FROM accounts_unifiedidentitylink ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


class UnifiedSubjectMigrationTestCase(TransactionTestCase):
    def tearDown(self) -> None:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
        super().tearDown()

    def test_linked_subjects_come_out_encrypted_and_findable_and_go_back_in_clear(self):
        old = migrate(BEFORE).loader.project_state(BEFORE).apps
        User = old.get_model("accounts", "User")
        person = User.objects.create(
            username="p-zhangwei",
            kind="person",
            name="张伟",
            id_type="resident",
            id_number="21010219900307001X",
        )
        # A platform that gives the 证件号码 as its subject, and one with an opaque subject.
        Link = old.get_model("accounts", "UnifiedIdentityLink")
        Link.objects.create(user=person, issuer=ISSUER, subject="21010219900307001X")
        other = User.objects.create(
            username="p-wangfang",
            kind="person",
            name="王芳",
            id_type="resident",
            id_number="210102199205120028",
        )
        Link.objects.create(user=other, issuer=ISSUER, subject="u-1002")

        migrate(AFTER)
        self.assertTrue(all(is_encrypted(value) for value in stored_subjects()))
        found = UnifiedIdentityLink.objects.get(
            subject_index=platform_subject_index(issuer=ISSUER, subject="21010219900307001X")
        )
        self.assertEqual((found.user_id, found.subject), (person.pk, "21010219900307001X"))

        migrate(BEFORE)
        self.assertEqual(stored_subjects(), ["21010219900307001X", "u-1002"])
