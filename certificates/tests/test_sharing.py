"""The 电子证照库 hears of every certificate version issued, superseded and revoked, in the
transaction of the change (docs/exchange.md 「电子证照库」)."""

from __future__ import annotations

import json

from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from cases.tests.helpers import employer_offline
from certificates.models import Certificate, CertificateStatus
from certificates.services import certificate_issue, certificate_revoke
from certificates.tests.helpers import granted_registration
from exchange.contracts import Channel, LicenceEvent
from exchange.models import OutboundRecord, OutboundStatus
from exchange.testing import SHARING_ON
from notifications.testing import drain_task_queue
from portal.test import BaseTestCase


def licence_records() -> list[OutboundRecord]:
    return list(OutboundRecord.objects.filter(channel=Channel.LICENCE).order_by("pk"))


@override_settings(**SHARING_ON)
class LicenceRecordTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # The paper path: these cases go straight to the department (no 单位确认, ADR 19).
        employer_offline(cls.enterprise)

    def test_a_first_version_is_recorded_as_issued_with_what_the_library_keeps(self):
        registration, certificate = granted_registration(self)

        (record,) = licence_records()
        self.assertEqual((record.event, record.subject), (LicenceEvent.ISSUED, certificate.license_id))
        self.assertEqual(record.status, OutboundStatus.QUEUED)
        self.assertEqual(record.occurred_at, certificate.issued_at)
        specialty = registration.specialties.get()
        person = registration.person
        self.assertEqual(
            record.payload,
            {
                "license_id": certificate.license_id,
                "license_type_code": "11100000000013338W",
                "license_name": "中华人民共和国二级建造师注册证书",
                "license_number": registration.number,
                "version": 1,
                "replaces": "",
                "status": "valid",
                "issued_on": certificate.issued_on.isoformat(),
                "valid_from": certificate.issued_on.isoformat(),
                "valid_until": specialty.valid_to.isoformat(),
                "issuer": {"name": self.department.name, "uscc": self.department.uscc},
                "holder": {"name": "张伟", "id_type": "resident", "id_number": person.id_number},
                "employer": {"name": registration.employer_name, "uscc": registration.employer_uscc},
                "specialties": [
                    {
                        "code": specialty.specialty,
                        "name": "建筑工程",
                        "valid_from": specialty.valid_from.isoformat(),
                        "valid_to": specialty.valid_to.isoformat(),
                    }
                ],
            },
        )

    def test_the_id_number_is_the_only_personal_number_and_only_where_the_library_needs_it(self):
        registration, _ = granted_registration(self)
        (record,) = licence_records()
        person = registration.person

        payload = dict(record.payload)
        holder = dict(payload.pop("holder"))
        self.assertEqual(holder.pop("id_number"), person.id_number)
        rest = json.dumps([payload, holder], ensure_ascii=False)
        self.assertNotIn(person.id_number, rest)
        self.assertNotIn(person.id_number[-6:], rest)
        self.assertNotIn(self.applicant.mobile, rest)
        self.assertNotIn(person.birth_date.isoformat(), rest)

    def test_a_new_version_supersedes_the_previous_one_in_the_same_transaction(self):
        registration, first = granted_registration(self)

        with transaction.atomic():
            second = certificate_issue(registration=registration, case=None)

        issued_first, superseded, issued_second = licence_records()
        self.assertEqual(issued_first.subject, first.license_id)
        self.assertEqual((superseded.event, superseded.subject), (LicenceEvent.SUPERSEDED, first.license_id))
        first.refresh_from_db()
        self.assertEqual(first.status, CertificateStatus.SUPERSEDED)
        assert first.revoked_at is not None
        self.assertEqual(
            superseded.payload,
            {
                "license_id": first.license_id,
                "status": "superseded",
                "changed_at": timezone.localtime(first.revoked_at).isoformat(),
                "reason": "换发新版本",
            },
        )
        self.assertEqual(superseded.occurred_at, first.revoked_at)
        self.assertEqual(
            (issued_second.event, issued_second.subject), (LicenceEvent.ISSUED, second.license_id)
        )
        self.assertEqual(issued_second.payload["version"], 2)
        self.assertEqual(issued_second.payload["replaces"], first.license_id)

    def test_a_revoked_version_is_recorded_without_personal_data(self):
        registration, certificate = granted_registration(self)

        certificate_revoke(registration=registration, reason="注册已注销，办件编号LN1")

        _, revoked = licence_records()
        certificate.refresh_from_db()
        self.assertEqual(certificate.status, CertificateStatus.REVOKED)
        self.assertEqual((revoked.event, revoked.subject), (LicenceEvent.REVOKED, certificate.license_id))
        self.assertEqual(set(revoked.payload), {"license_id", "status", "changed_at", "reason"})
        self.assertEqual(revoked.payload["status"], "revoked")
        self.assertEqual(revoked.payload["reason"], "注册已注销，办件编号LN1")
        self.assertNotIn("张伟", json.dumps(revoked.payload, ensure_ascii=False))

    def test_a_lost_certificate_replaced_is_revoked_then_issued_anew(self):
        registration, first = granted_registration(self)

        with transaction.atomic():
            certificate_issue(registration=registration, case=None, revoke_reason="证书遗失补办")

        events = [(r.event, r.subject) for r in licence_records()]
        second = Certificate.objects.get(registration=registration, status=CertificateStatus.CURRENT)
        self.assertEqual(
            events,
            [
                (LicenceEvent.ISSUED, first.license_id),
                (LicenceEvent.REVOKED, first.license_id),
                (LicenceEvent.ISSUED, second.license_id),
            ],
        )

    def test_a_change_that_rolls_back_leaves_no_record(self):
        registration, _ = granted_registration(self)

        class Refused(Exception):
            pass

        with self.assertRaises(Refused), transaction.atomic():
            certificate_issue(registration=registration, case=None)
            raise Refused

        self.assertEqual([r.event for r in licence_records()], [LicenceEvent.ISSUED])

    def test_the_worker_delivers_them_in_order(self):
        registration, _ = granted_registration(self)
        certificate_revoke(registration=registration, reason="注销")

        with self.assertLogs("exchange.gateways", "INFO") as logs:
            # And the 办件's record of its submission, and the sealing of its receipt (ADR 0033).
            self.assertEqual(drain_task_queue(), 4)

        self.assertEqual({r.status for r in licence_records()}, {OutboundStatus.DELIVERED})
        licence_lines = [line for line in logs.output if "licence record" in line]
        self.assertIn("issued", licence_lines[0])
        self.assertIn("revoked", licence_lines[1])

    @override_settings(EXCHANGE_LICENCE_GATEWAY="off")
    def test_nothing_is_recorded_when_the_library_is_off(self):
        granted_registration(self)

        self.assertEqual(licence_records(), [])
