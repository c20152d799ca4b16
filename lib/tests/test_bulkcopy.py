"""`rows_create`: the history's rows written at once (COPY on PostgreSQL, `bulk_create`
elsewhere), read back as the services would have written them."""

from __future__ import annotations

from django.db import connection

from cases.models import Case, CaseAction, CaseEvent, CaseStatus
from catalog.models import ServiceItem
from catalog.registration_types import RegistrationType
from lib.bulkcopy import rows_create
from portal.test import BaseTestCase


class RowsCreateTestCase(BaseTestCase):
    def test_the_rows_read_back_with_their_keys_secrets_and_json(self):
        item = ServiceItem.objects.select_related("matter__department").get(
            matter__code="ejjzs-zgrd", code=RegistrationType.INITIAL
        )
        cases = [
            Case(
                applicant=self.applicant,
                applicant_name=name,
                department=item.matter.department,
                matter=item.matter,
                item=item,
                status=CaseStatus.PENDING,
                form_data={"major": "土木工程", "specialties": ["10401001"]},
            )
            for name in ("张伟", "王芳")
        ]

        made = rows_create(Case, cases)

        self.assertEqual([c.pk for c in made], [c.pk for c in cases])
        self.assertTrue(all(c.pk for c in cases))
        self.assertFalse(cases[0]._state.adding)
        back = Case.objects.get(pk=cases[1].pk)
        self.assertEqual(back.applicant_name, "王芳")
        self.assertEqual(back.form_data, {"major": "土木工程", "specialties": ["10401001"]})
        # Encrypted at rest, as `save()` and `bulk_create` write it.
        with connection.cursor() as cursor:
            cursor.execute("SELECT form_data FROM cases_case WHERE id = %s", [back.pk])
            (stored,) = cursor.fetchone()
        self.assertNotIn("土木工程", str(stored))

        # Rows that refer to them follow, and the table's own key goes on after them.
        events = [
            CaseEvent(
                case=case,
                action=CaseAction.SUBMIT,
                from_status=CaseStatus.DRAFT,
                to_status=CaseStatus.PENDING,
                actor=self.applicant,
                actor_role="applicant",
                actor_name="张伟",
                data={"批次": 1},
            )
            for case in cases
        ]
        rows_create(CaseEvent, events)
        self.assertEqual(
            list(CaseEvent.objects.filter(case__in=cases).values_list("case_id", "data")),
            [(cases[0].pk, {"批次": 1}), (cases[1].pk, {"批次": 1})],
        )
        later = Case.objects.create(
            applicant=self.applicant,
            applicant_name="刘洋",
            department=item.matter.department,
            matter=item.matter,
            item=item,
        )
        self.assertGreater(later.pk, cases[1].pk)

    def test_nothing_to_write_writes_nothing(self):
        self.assertEqual(rows_create(Case, []), [])
