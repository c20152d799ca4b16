"""lib/encrypted.py on the real models: ciphertext in the columns, plain values in Python, blind
indexes that follow their sources whichever way a row is saved, and lookups on an encrypted
field refused rather than silently finding nothing."""

from __future__ import annotations

from django.core.exceptions import FieldError
from django.db import connection

from accounts.models import KnownIdentity, User
from cases.models import Case
from catalog.models import ServiceItem
from lib.datacrypt import identity_index, mobile_index
from notifications.models import SmsMessage
from portal.test import BaseTestCase, id_index, make_id_number


def raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{column}" FROM "{table}" WHERE id = %s', [pk])  # noqa: S608
        value: str = cursor.fetchone()[0]
    return value


class EncryptedFieldsTestCase(BaseTestCase):
    def test_the_columns_hold_ciphertext_and_the_model_plain_values(self):
        user = User.objects.get(pk=self.applicant.pk)
        self.assertEqual(user.id_number, self.applicant.id_number)
        self.assertEqual(user.mobile, "13800000001")
        stored = raw("accounts_user", "id_number", user.pk)
        self.assertTrue(stored.startswith("sm4:test1:"))
        self.assertNotIn(user.id_number, stored)
        self.assertTrue(raw("accounts_user", "mobile", user.pk).startswith("sm4:test1:"))
        self.assertEqual(raw("accounts_user", "id_index", user.pk), id_index(user.id_number))
        self.assertEqual(raw("accounts_user", "mobile_index", user.pk), mobile_index("13800000001"))
        self.assertNotIn(user.id_number, user.username)
        # values() and values_list() decrypt too.
        self.assertEqual(
            User.objects.filter(pk=user.pk).values_list("mobile", flat=True).get(), "13800000001"
        )

    def test_a_staff_members_blank_number_stays_blank(self):
        self.assertEqual(raw("accounts_user", "id_number", self.acceptor.pk), "")
        self.assertEqual(raw("accounts_user", "id_index", self.acceptor.pk), "")

    def test_the_form_data_is_one_encrypted_document(self):
        item = ServiceItem.objects.filter(matter__department=self.department).select_related("matter").first()
        assert item is not None
        case = Case.objects.create(
            applicant=self.applicant,
            applicant_name="张伟",
            department=self.department,
            matter=item.matter,
            item=item,
            form_data={"employer_name": "辽宁宏建", "specialties": ["10401001"]},
        )
        self.assertTrue(raw("cases_case", "form_data", case.pk).startswith("sm4:test1:"))
        self.assertNotIn("辽宁宏建", raw("cases_case", "form_data", case.pk))
        case.refresh_from_db()
        self.assertEqual(case.form_data, {"employer_name": "辽宁宏建", "specialties": ["10401001"]})

    def test_an_index_follows_its_source_through_update_fields_and_bulk_create(self):
        user = User.objects.get(pk=self.applicant.pk)
        user.mobile = "13600000066"
        user.save(update_fields=["mobile"])  # the index is added to update_fields
        self.assertEqual(raw("accounts_user", "mobile_index", user.pk), mobile_index("13600000066"))
        self.assertEqual(User.objects.get(mobile_index=mobile_index("13600000066")), user)

        number = make_id_number("21010419910101006")
        KnownIdentity.objects.bulk_create([KnownIdentity(name="周杰", id_type="resident", id_number=number)])
        self.assertEqual(
            KnownIdentity.objects.get(id_index=identity_index(id_type="resident", id_number=number)).name,
            "周杰",
        )

    def test_a_lookup_on_an_encrypted_field_is_refused_not_silently_empty(self):
        for lookup in (
            {"mobile": "13800000001"},
            {"mobile__icontains": "1380"},
            {"id_number__startswith": "21"},
        ):
            with self.subTest(lookup=lookup), self.assertRaisesMessage(FieldError, "blind index"):
                User.objects.filter(**lookup).exists()
        # Blank and null are still asked for as they are stored.
        self.assertTrue(User.objects.filter(kind="staff", id_number="").exists())
        self.assertFalse(SmsMessage.objects.filter(mobile__isnull=True).exists())
