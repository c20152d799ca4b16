"""audit_record: every row joins the chain, and chain_check finds a row changed, removed or
inserted by whoever can write the table but lacks the audit key."""

from __future__ import annotations

from typing import Any

from django.test import RequestFactory

from audit.chain import GENESIS, chain_check, row_mac
from audit.models import AuditAction, AuditEvent, AuditHead, AuditResult
from audit.services import audit_record
from portal.test import BaseTestCase


def rows() -> list[dict[str, Any]]:
    return [dict(row) for row in AuditEvent.objects.order_by("id").values()]


class AuditRecordTestCase(BaseTestCase):
    def test_it_records_who_from_where_what_and_the_result(self) -> None:
        request = RequestFactory().get("/review/cases/1/", REMOTE_ADDR="10.1.2.3")
        request.user = self.reviewer
        event = audit_record(
            action=AuditAction.CASE_VIEW, request=request, obj=self.reviewer, label="办件 X", subject_id=42
        )
        event.refresh_from_db()
        self.assertEqual(event.actor_id, self.reviewer.pk)
        self.assertEqual(event.actor_name, self.reviewer.name)
        self.assertEqual(event.actor_role, "reviewer")
        assert self.reviewer.department is not None
        self.assertEqual(event.department, self.reviewer.department.name)
        self.assertEqual(event.client_address, "10.1.2.3")
        self.assertEqual((event.object_type, event.object_id), ("accounts.User", str(self.reviewer.pk)))
        self.assertEqual((event.subject_id, event.result), (42, AuditResult.SUCCESS))
        head = AuditHead.objects.get()
        self.assertEqual((head.last_id, head.last_mac, head.count), (event.pk, event.mac, 1))
        self.assertEqual(event.prev_mac, GENESIS)

    def test_an_anonymous_failure_is_recorded_with_no_actor(self) -> None:
        request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="10.9.9.9")
        event = audit_record(action=AuditAction.LOGIN, request=request, result=AuditResult.FAILURE)
        self.assertEqual((event.actor_id, event.actor_name, event.client_address), (0, "", "10.9.9.9"))

    def test_rows_chain_and_the_chain_checks(self) -> None:
        for _ in range(3):
            audit_record(action=AuditAction.LOGIN, actor=self.applicant, detail={"方式": "密码"})
        fault, last, count = chain_check(rows(), start_mac=GENESIS)
        self.assertIsNone(fault)
        self.assertEqual((last, count), (AuditHead.objects.get().last_mac, 3))

    def test_a_changed_row_is_found_by_its_id(self) -> None:
        events = [audit_record(action=AuditAction.LOGIN, actor=self.applicant) for _ in range(3)]
        AuditEvent.objects.filter(pk=events[1].pk).update(actor_name="别人")
        fault, _, count = chain_check(rows(), start_mac=GENESIS)
        assert fault is not None
        self.assertEqual((fault.row_id, count), (events[1].pk, 1))
        self.assertIn("内容被修改", str(fault))

    def test_a_removed_row_is_found_at_the_next(self) -> None:
        events = [audit_record(action=AuditAction.LOGIN, actor=self.applicant) for _ in range(3)]
        AuditEvent.objects.filter(pk=events[1].pk).delete()
        fault, _, _ = chain_check(rows(), start_mac=GENESIS)
        assert fault is not None
        self.assertEqual(fault.row_id, events[2].pk)
        self.assertIn("删除或插入", fault.reason)

    def test_a_row_inserted_without_the_key_is_found(self) -> None:
        first = audit_record(action=AuditAction.LOGIN, actor=self.applicant)
        forged = AuditEvent.objects.get(pk=first.pk)
        forged.pk = None
        forged.actor_name = "伪造"
        forged.prev_mac = first.mac
        forged.mac = "0" * 64  # without AUDIT_KEY nobody can compute the right one
        forged.save()
        fault, _, _ = chain_check(rows(), start_mac=GENESIS)
        assert fault is not None
        self.assertEqual(fault.row_id, forged.pk)

    def test_the_mac_covers_the_detail_as_stored(self) -> None:
        event = audit_record(
            action=AuditAction.EXPORT, actor=self.decider, detail={"rows": 3, "名单": ["a", "b"]}
        )
        stored = AuditEvent.objects.values().get(pk=event.pk)
        self.assertEqual(row_mac(stored), event.mac)
