"""The outbox: a record per change, written with the change, delivered by the worker once at
the receiver, through failures, refusals and a worker that dies at the worst moment."""

from __future__ import annotations

from datetime import timedelta
from unittest.mock import patch

from django.db import transaction
from django.test import TestCase, override_settings
from django.utils import timezone
from prometheus_client import REGISTRY

from exchange.contracts import CaseRecordEvent, Channel, LicenceEvent
from exchange.models import OutboundRecord, OutboundStatus
from exchange.services import outbound_deliver, outbound_enqueue, outbound_requeue_stale, outbound_retry
from exchange.testing import SHARING_ON
from exchange.tests.receiver import FakeReceiver
from lib.errors import ApplicationError
from notifications.testing import drain_task_queue, frozen_now, pending_tasks

DELIVER = "exchange.tasks.deliver_outbound"
BASE = 60  # EXCHANGE_RETRY_BASE_SECONDS in these tests


def sent_count(channel: str, outcome: str) -> float:
    value = REGISTRY.get_sample_value(
        "portal_outbound_records_total", {"channel": channel, "outcome": outcome}
    )
    return value or 0.0


def enqueue_case(number: str = "LN2026030400001", status: str = "pending") -> OutboundRecord:
    record = outbound_enqueue(
        channel=Channel.CASE,
        event=CaseRecordEvent.STATUS_CHANGED,
        subject=number,
        payload={"case_number": number, "status": status},
        occurred_at=timezone.now(),
    )
    assert record is not None
    return record


@override_settings(**SHARING_ON)
class EnqueueTestCase(TestCase):
    def test_it_writes_the_record_and_its_task_without_sending(self):
        with patch("exchange.gateways.ConsoleReceiver.send") as send:
            record = enqueue_case()

        record.refresh_from_db()
        self.assertEqual(record.status, OutboundStatus.QUEUED)
        self.assertEqual(record.payload, {"case_number": "LN2026030400001", "status": "pending"})
        self.assertEqual(record.attempts, 0)
        tasks = pending_tasks(task_path=DELIVER)
        self.assertEqual([t.args_kwargs["kwargs"] for t in tasks], [{"record_id": record.pk}])
        send.assert_not_called()

    def test_it_leaves_nothing_when_the_change_rolls_back(self):
        class Refused(Exception):
            pass

        with self.assertRaises(Refused), transaction.atomic():
            enqueue_case()
            raise Refused

        self.assertFalse(OutboundRecord.objects.exists())
        self.assertEqual(pending_tasks(task_path=DELIVER), [])

    def test_it_stores_the_payload_encrypted(self):
        record = enqueue_case()

        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT payload FROM exchange_outboundrecord WHERE id = %s", [record.pk])
            (stored,) = cursor.fetchone()
        self.assertTrue(stored.startswith("sm4:"), stored)
        self.assertNotIn("LN2026030400001", stored)

    @override_settings(EXCHANGE_CASE_GATEWAY="off")
    def test_it_writes_nothing_for_a_channel_that_is_off(self):
        record = outbound_enqueue(
            channel=Channel.CASE,
            event=CaseRecordEvent.STATUS_CHANGED,
            subject="LN1",
            payload={},
            occurred_at=timezone.now(),
        )

        self.assertIsNone(record)
        self.assertFalse(OutboundRecord.objects.exists())
        self.assertEqual(pending_tasks(task_path=DELIVER), [])

    def test_it_refuses_an_event_the_channel_does_not_carry(self):
        with self.assertRaises(ValueError):
            outbound_enqueue(
                channel=Channel.CASE,
                event=LicenceEvent.ISSUED,
                subject="LN1",
                payload={},
                occurred_at=timezone.now(),
            )
        self.assertFalse(OutboundRecord.objects.exists())


@override_settings(**SHARING_ON)
class ConsoleDeliveryTestCase(TestCase):
    def test_it_logs_the_record_with_the_id_number_masked(self):
        record = outbound_enqueue(
            channel=Channel.LICENCE,
            event=LicenceEvent.ISSUED,
            subject="1.2.156.3005.2.X",
            payload={"holder": {"name": "张伟", "id_number": "210102199003070014"}},
            occurred_at=timezone.now(),
        )
        assert record is not None

        with self.assertLogs("exchange.gateways", "INFO") as logs:
            self.assertEqual(drain_task_queue(), 1)

        record.refresh_from_db()
        self.assertEqual(record.status, OutboundStatus.DELIVERED)
        self.assertEqual(record.attempts, 1)
        self.assertEqual(record.receipt, f"console-{record.key}")
        self.assertIsNotNone(record.sent_at)
        line = "\n".join(logs.output)
        self.assertIn("DEMO console receiver, nothing is sent", line)
        self.assertIn("2101**********0014", line)
        self.assertNotIn("210102199003070014", line)


@override_settings(EXCHANGE_RETRY_BASE_SECONDS=BASE, EXCHANGE_MAX_ATTEMPTS=4, EXCHANGE_STALE_SECONDS=300)
class HttpDeliveryTestCase(TestCase):
    receiver: FakeReceiver

    def setUp(self) -> None:
        super().setUp()
        self.receiver = FakeReceiver().start()
        self.addCleanup(self.receiver.stop)
        overrides = override_settings(**self.receiver.settings_for("CASE"))
        overrides.enable()
        self.addCleanup(overrides.disable)

    def test_a_receiver_failing_twice_gets_the_record_exactly_once(self):
        self.receiver.received.failures = [503, 503]
        before = {o: sent_count("case", o) for o in ("sent", "retry", "failed")}
        start = timezone.now()
        with frozen_now(start):
            record = enqueue_case()

        with self.assertLogs("exchange.services", "WARNING"):
            drain_task_queue(at=start)  # 1st attempt: 503
            record.refresh_from_db()
            self.assertEqual((record.status, record.attempts), (OutboundStatus.QUEUED, 1))
            self.assertEqual(record.next_attempt_at, start + timedelta(seconds=BASE))
            self.assertEqual(record.last_error, "办件归集接口返回 HTTP 503")
            drain_task_queue(at=start + timedelta(seconds=BASE))  # 2nd: 503, waits twice as long
            record.refresh_from_db()
            self.assertEqual(record.next_attempt_at, start + timedelta(seconds=3 * BASE))
        drain_task_queue(at=start + timedelta(seconds=3 * BASE))  # 3rd: taken

        record.refresh_from_db()
        self.assertEqual(record.status, OutboundStatus.DELIVERED)
        self.assertEqual(record.attempts, 3)
        self.assertEqual(record.receipt, f"R-{str(record.key)[:8]}")
        self.assertEqual(record.last_error, "")
        received = self.receiver.received
        self.assertEqual(received.keys, [str(record.key)] * 3)
        self.assertEqual(list(received.records), [str(record.key)])
        envelope = received.records[str(record.key)]
        self.assertEqual(envelope["seq"], record.pk)
        self.assertEqual(envelope["data"], {"case_number": "LN2026030400001", "status": "pending"})
        self.assertEqual(received.bad_signatures, 0)
        self.assertEqual(pending_tasks(task_path=DELIVER), [])
        after = {o: sent_count("case", o) for o in ("sent", "retry", "failed")}
        self.assertEqual({o: after[o] - before[o] for o in after}, {"sent": 1, "retry": 2, "failed": 0})

    def test_a_worker_dying_between_send_and_mark_does_not_duplicate_at_the_receiver(self):
        start = timezone.now()
        with frozen_now(start):
            record = enqueue_case()

        # The receiver takes the record; the worker dies before it can write so.
        with (
            frozen_now(start),
            patch("exchange.services._delivered", side_effect=SystemExit("worker killed")),
            self.assertRaises(SystemExit),
        ):
            outbound_deliver(record_id=record.pk)
        record.refresh_from_db()
        self.assertEqual(record.status, OutboundStatus.SENDING)
        self.assertEqual(len(self.receiver.received.records), 1)

        # The sweep hands it out again once it is stale; the worker sends it again.
        with self.assertLogs("exchange.services", "WARNING"):
            self.assertEqual(outbound_requeue_stale(now=start + timedelta(seconds=299)), 0)
            self.assertEqual(outbound_requeue_stale(now=start + timedelta(seconds=301)), 1)
        drain_task_queue(at=start + timedelta(seconds=301))

        record.refresh_from_db()
        self.assertEqual(record.status, OutboundStatus.DELIVERED)
        self.assertEqual(record.attempts, 2)
        received = self.receiver.received
        self.assertEqual(received.keys, [str(record.key), str(record.key)])
        self.assertEqual(list(received.records), [str(record.key)])  # kept once
        self.assertEqual(record.receipt, f"R-{str(record.key)[:8]}")

    def test_a_slow_worker_whose_record_was_handed_out_again_does_not_mark_it(self):
        start = timezone.now()
        with frozen_now(start):
            record = enqueue_case()
        slow_claim = start
        OutboundRecord.objects.filter(pk=record.pk).update(
            status=OutboundStatus.SENDING, claimed_at=slow_claim, attempts=1
        )
        with self.assertLogs("exchange.services", "WARNING"):
            outbound_requeue_stale(now=start + timedelta(seconds=301))
        drain_task_queue(at=start + timedelta(seconds=301))
        record.refresh_from_db()
        self.assertEqual(record.status, OutboundStatus.DELIVERED)

        # The slow worker's failure arrives late: the delivered record stays delivered.
        from exchange.services import _attempt_failed

        record.claimed_at, record.status = slow_claim, OutboundStatus.SENDING
        _attempt_failed(record=record, reason="超时", permanent=False)
        record.refresh_from_db()
        self.assertEqual(record.status, OutboundStatus.DELIVERED)
        self.assertEqual(record.last_error, "")
        self.assertEqual(pending_tasks(task_path=DELIVER), [])

    def test_it_gives_up_after_the_last_attempt_and_staff_can_send_it_again(self):
        self.receiver.received.failures = [503] * 4
        before = sent_count("case", "failed")
        start = timezone.now()
        with frozen_now(start):
            record = enqueue_case()

        with self.assertLogs("exchange.services", "WARNING") as logs:
            drain_task_queue(at=start + timedelta(days=1))
            drain_task_queue(at=start + timedelta(days=2))
            drain_task_queue(at=start + timedelta(days=3))
            drain_task_queue(at=start + timedelta(days=4))

        record.refresh_from_db()
        self.assertEqual(record.status, OutboundStatus.FAILED)
        self.assertEqual(record.attempts, 4)
        self.assertIn("failed 4 times, giving up", logs.output[-1])
        self.assertEqual(sent_count("case", "failed") - before, 1)
        self.assertEqual(pending_tasks(task_path=DELIVER), [])
        self.assertEqual(self.receiver.received.records, {})

        outbound_retry(record=record)
        drain_task_queue()
        record.refresh_from_db()
        self.assertEqual(record.status, OutboundStatus.DELIVERED)
        self.assertEqual(record.attempts, 1)
        self.assertEqual(list(self.receiver.received.records), [str(record.key)])

    def test_only_a_failed_record_is_sent_again_by_hand(self):
        record = enqueue_case()
        with self.assertRaisesMessage(ApplicationError, "只有发送失败的记录可以重新发送"):
            outbound_retry(record=record)

    def test_a_record_the_receiver_refuses_fails_at_once(self):
        self.receiver.received.failures = [422]
        record = enqueue_case()

        with self.assertLogs("exchange.services", "ERROR") as logs:
            drain_task_queue()

        record.refresh_from_db()
        self.assertEqual(record.status, OutboundStatus.FAILED)
        self.assertEqual(record.attempts, 1)
        self.assertEqual(record.last_error, "办件归集接口返回 HTTP 422")
        self.assertIn("refused by the receiver", logs.output[0])
        self.assertEqual(pending_tasks(task_path=DELIVER), [])

    def test_records_of_one_subject_arrive_in_the_order_they_were_written(self):
        self.receiver.received.failures = [503]
        start = timezone.now()
        with frozen_now(start):
            first = enqueue_case(status="pending")
            second = enqueue_case(status="reviewing")
            other = enqueue_case(number="LN2026030400002")

        with self.assertLogs("exchange.services", "WARNING"):
            drain_task_queue(at=start)
        # The first failed and waits; the second waits behind it; another case is not held up.
        statuses = dict(OutboundRecord.objects.values_list("pk", "status"))
        self.assertEqual(
            statuses,
            {
                first.pk: OutboundStatus.QUEUED,
                second.pk: OutboundStatus.QUEUED,
                other.pk: OutboundStatus.DELIVERED,
            },
        )
        # Nor does the sweep give the waiting one a task of its own, round after round.
        self.assertEqual(outbound_requeue_stale(now=start + timedelta(seconds=301)), 0)

        drain_task_queue(at=start + timedelta(seconds=BASE))

        delivered = OutboundRecord.objects.filter(status=OutboundStatus.DELIVERED).count()
        self.assertEqual(delivered, 3)
        order = [
            e["data"].get("status")
            for e in self.receiver.received.records.values()
            if e["subject"] == first.subject
        ]
        self.assertEqual(order, ["pending", "reviewing"])
        first.refresh_from_db()
        second.refresh_from_db()
        assert first.sent_at is not None and second.sent_at is not None
        self.assertLess(first.pk, second.pk)

    def test_the_sweep_gives_a_record_whose_task_was_lost_a_new_one(self):
        start = timezone.now()
        with frozen_now(start):
            record = enqueue_case()
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.all().delete()

        with self.assertLogs("exchange.services", "WARNING"):
            self.assertEqual(outbound_requeue_stale(now=start + timedelta(seconds=301)), 1)
        self.assertEqual(outbound_requeue_stale(now=start + timedelta(seconds=302)), 0)  # it has one now
        drain_task_queue(at=start + timedelta(seconds=301))
        record.refresh_from_db()
        self.assertEqual(record.status, OutboundStatus.DELIVERED)
