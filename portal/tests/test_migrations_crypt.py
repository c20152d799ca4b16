"""The migrations that encrypt personal data convert an existing database in place: rows made
the old way (ID numbers, mobiles, the filled form and SMS texts in clear, a person's login name
their 证件号码) come out encrypted, indexed and findable, and the way back restores them."""

from __future__ import annotations

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase

from lib.datacrypt import identity_index, is_encrypted, mobile_index

BEFORE = [
    ("accounts", "0006_account_closing_roles"),
    ("cases", "0003_case_version_drafts"),
    ("notifications", "0001_initial"),
    ("registry", "0005_counters_status"),
]
AFTER = [
    ("accounts", "0007_personal_data_crypt"),
    ("cases", "0004_form_data_crypt"),
    ("notifications", "0002_outbox_crypt"),
    ("registry", "0006_person_crypt"),
]
NUMBER = "21010219900307001X"
MOBILE = "13800000001"


def migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection)


def column(table: str, name: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{name}" FROM "{table}" ORDER BY id')  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


class PersonalDataMigrationTestCase(TransactionTestCase):
    def tearDown(self) -> None:
        # Leave the schema as every other test expects it.
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
        super().tearDown()

    def make_old_rows(self, executor: MigrationExecutor) -> dict[str, int]:
        old = executor.loader.project_state(BEFORE).apps
        User = old.get_model("accounts", "User")
        person = User.objects.create(
            username=NUMBER, kind="person", name="张伟", id_type="resident", id_number=NUMBER, mobile=MOBILE
        )
        staff = User.objects.create(
            username="shouli", kind="staff", name="刘洋", id_type="", mobile="13500000011"
        )
        company = User.objects.create(
            username="91210100MA0QC00001", kind="legal", name="宏建", mobile="13700000003"
        )
        old.get_model("accounts", "Enterprise").objects.create(
            user=company, uscc="91210100MA0QC00001", legal_representative="王建国", agent_name="赵敏",
            agent_id_number="210103198501010021",
        )  # fmt: skip
        old.get_model("accounts", "KnownIdentity").objects.create(
            name="张伟", id_type="resident", id_number=NUMBER
        )
        old.get_model("accounts", "SmsQuota").objects.create(mobile=MOBILE, day="2026-03-01", count=2)
        old.get_model("accounts", "SmsCode").objects.create(
            mobile=MOBILE, purpose="login", code_hash="x", expires_at="2026-03-01T10:00:00+08:00"
        )
        old.get_model("accounts", "LoginThrottle").objects.create(key=f"person:{NUMBER}", failures=3)
        old.get_model("accounts", "LoginThrottle").objects.create(key=f"user:{person.pk}", failures=1)
        department = old.get_model("catalog", "Department").objects.create(code="lnszjt", name="住建厅")
        matter = old.get_model("catalog", "Matter").objects.create(
            department=department, code="m", name="注册"
        )
        item = old.get_model("catalog", "ServiceItem").objects.create(
            matter=matter, code="item1", name="办理项"
        )
        old.get_model("cases", "Case").objects.create(
            applicant=person, applicant_name="张伟", department=department, matter=matter, item=item,
            form_data={"id_number": NUMBER, "employer_contact_phone": MOBILE, "note": "中文"},
        )  # fmt: skip
        old.get_model("registry", "Person").objects.create(
            id_type="resident",
            id_number=NUMBER,
            name="张伟",
            sex="男",
            birth_date="1990-03-07",
            mobile=MOBILE,
        )
        old.get_model("notifications", "SmsMessage").objects.create(
            user=person,
            mobile=MOBILE,
            template="verification_code",
            text="您的验证码为123456",
            sensitive=True,
        )
        return {"person": person.pk, "staff": staff.pk}

    def test_clear_rows_come_out_encrypted_and_findable_and_go_back_in_clear(self):
        executor = migrate(BEFORE)
        pks = self.make_old_rows(executor)

        executor = migrate(AFTER)
        new = executor.loader.project_state(AFTER).apps
        for table, name in [
            ("accounts_user", "id_number"),
            ("accounts_user", "mobile"),
            ("accounts_enterprise", "agent_id_number"),
            ("accounts_knownidentity", "id_number"),
            ("cases_case", "form_data"),
            ("registry_person", "id_number"),
            ("registry_person", "mobile"),
            ("notifications_smsmessage", "mobile"),
            ("notifications_smsmessage", "text"),
        ]:
            values = [value for value in column(table, name) if value]
            self.assertTrue(values, (table, name))
            self.assertTrue(all(is_encrypted(value) for value in values), (table, name, values))
            self.assertFalse(any(NUMBER in v or MOBILE in v or "123456" in v for v in values), (table, name))
        self.assertEqual(column("accounts_user", "id_number")[1], "")  # the staff member has none

        index = identity_index(id_type="resident", id_number=NUMBER)
        User = new.get_model("accounts", "User")
        person = User.objects.get(kind="person", id_index=index)
        self.assertEqual(person.pk, pks["person"])
        self.assertEqual((person.id_number, person.mobile), (NUMBER, MOBILE))
        self.assertNotIn(NUMBER, person.username)  # no longer the login name
        self.assertEqual(User.objects.get(kind="person", mobile_index=mobile_index(MOBILE)).pk, pks["person"])
        self.assertEqual(User.objects.get(mobile_index=mobile_index("13500000011")).pk, pks["staff"])
        self.assertEqual(new.get_model("accounts", "KnownIdentity").objects.get(id_index=index).name, "张伟")
        self.assertEqual(new.get_model("registry", "Person").objects.get(id_index=index).mobile, MOBILE)
        self.assertEqual(new.get_model("cases", "Case").objects.get().form_data["id_number"], NUMBER)
        self.assertEqual(
            new.get_model("accounts", "SmsQuota").objects.get(mobile_index=mobile_index(MOBILE)).count, 2
        )
        self.assertTrue(
            new.get_model("accounts", "SmsCode").objects.filter(mobile_index=mobile_index(MOBILE)).exists()
        )
        # The lock counted under a typed 证件号码 is gone; the account's own stays.
        self.assertEqual(column("accounts_loginthrottle", "key"), [f"user:{pks['person']}"])
        message = new.get_model("notifications", "SmsMessage").objects.get()
        self.assertEqual((message.mobile, message.text), (MOBILE, "您的验证码为123456"))

        # And back: the old schema with the values in clear, the login name the number again.
        migrate(BEFORE)
        self.assertEqual(column("accounts_user", "id_number")[0], NUMBER)
        self.assertEqual(column("accounts_user", "username")[0], NUMBER)
        self.assertEqual(column("registry_person", "mobile"), [MOBILE])
        self.assertIn(NUMBER, column("cases_case", "form_data")[0])


class AttachmentNameMigrationTestCase(TransactionTestCase):
    """cases/0012: the uploaded file's original name, which often carries the ID number."""

    BEFORE = [("cases", "0011_case_days_figuresperf")]
    AFTER = [("cases", "0012_attachment_display_name_crypt")]
    NAME = f"张伟身份证{NUMBER}.jpg"

    def tearDown(self) -> None:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
        super().tearDown()

    def test_clear_names_come_out_encrypted_and_readable_and_go_back_in_clear(self):
        executor = migrate(self.BEFORE)
        # Every other app as it is now (the state of cases/0011's ancestors alone would show
        # accounts before its own encryption).
        others = [node for node in executor.loader.graph.leaf_nodes() if node[0] != "cases"]
        old = executor.loader.project_state([*others, *self.BEFORE]).apps
        person = old.get_model("accounts", "User").objects.create(username="u1", kind="person", name="张伟")
        department = old.get_model("catalog", "Department").objects.create(code="lnszjt", name="住建厅")
        matter = old.get_model("catalog", "Matter").objects.create(
            department=department, code="m", name="注册"
        )
        item = old.get_model("catalog", "ServiceItem").objects.create(matter=matter, code="i", name="办理项")
        case = old.get_model("cases", "Case").objects.create(
            applicant=person, applicant_name="张伟", department=department, matter=matter, item=item
        )
        Attachment = old.get_model("cases", "Attachment")
        for name in (self.NAME, "劳动合同.pdf"):
            Attachment.objects.create(
                case=case, material_code="id", file="cases/x.jpg", display_name=name,
                content_type="image/jpeg", size=1, sha256="0" * 64, uploaded_by=person,
            )  # fmt: skip
        self.assertEqual(column("cases_attachment", "display_name"), [self.NAME, "劳动合同.pdf"])

        executor = migrate(self.AFTER)
        stored = column("cases_attachment", "display_name")
        self.assertTrue(all(is_encrypted(value) for value in stored), stored)
        self.assertFalse(any(NUMBER in value for value in stored))
        new = executor.loader.project_state([*others, *self.AFTER]).apps
        names = list(
            new.get_model("cases", "Attachment").objects.order_by("id").values_list("display_name", flat=True)
        )
        self.assertEqual(names, [self.NAME, "劳动合同.pdf"])

        migrate(self.BEFORE)
        self.assertEqual(column("cases_attachment", "display_name"), [self.NAME, "劳动合同.pdf"])
