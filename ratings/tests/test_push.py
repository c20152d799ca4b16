"""The push to the provincial 好差评 system: through the outbox (notifications/outbox.py), by
the worker, retried while the system is down, and delivered exactly once."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from unittest.mock import patch

from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from lib.errors import ApplicationError
from notifications.outbox import OutboxStatus
from notifications.testing import drain_task_queue, frozen_now, pending_tasks
from portal.test import BaseTestCase
from ratings.gateways import HttpRatingGateway, RatingGatewayError
from ratings.models import Rating, RatingPush
from ratings.services import rating_push_retry, rating_pushes_requeue_stale
from ratings.tests.builders import case_ended, rating_made

PUSH = "ratings.gateways.ConsoleRatingGateway.push"
TASK = "ratings.tasks.push_rating"


class RatingPushTestCase(BaseTestCase):
    def test_a_gateway_failing_twice_delivers_exactly_once(self):
        start = timezone.now()
        with frozen_now(start):
            rating = rating_made(self)
        down = RatingGatewayError("省好差评系统返回 HTTP 503")

        with patch(PUSH, side_effect=[down, down, "HCP-0001"]) as push:
            at = start
            self.assertEqual(drain_task_queue(at=at), 1)
            for expected_attempts in (1, 2):
                row = RatingPush.objects.get(rating=rating)
                self.assertEqual(row.status, OutboxStatus.QUEUED)
                self.assertEqual(row.attempts, expected_attempts)
                self.assertEqual(row.last_error, "省好差评系统返回 HTTP 503")
                (task,) = pending_tasks(task_path=TASK)
                self.assertEqual(task.run_after, row.next_attempt_at)
                at = row.next_attempt_at
                self.assertEqual(drain_task_queue(at=at), 1)
            # Later rounds of the worker and of the sweeps find nothing to do.
            self.assertEqual(drain_task_queue(at=at + timedelta(days=1)), 0)
            self.assertEqual(rating_pushes_requeue_stale(), 0)

        row = RatingPush.objects.get(rating=rating)
        self.assertEqual(row.status, OutboxStatus.DELIVERED)
        self.assertEqual(row.attempts, 3)
        self.assertEqual(row.receipt, "HCP-0001")
        self.assertEqual(row.last_error, "")
        self.assertIsNotNone(row.sent_at)
        self.assertEqual(push.call_count, 3)
        # The same idempotency key every time: the province counts one rating.
        keys = {call.kwargs["payload"]["ratingId"] for call in push.call_args_list}
        self.assertEqual(keys, {str(rating.uuid)})
        self.assertEqual(pending_tasks(), [])

    def test_the_payload_names_the_case_and_no_person(self):
        rating = rating_made(self, text="窗口等候时间长")

        with patch(PUSH, return_value="HCP-1") as push:
            drain_task_queue()

        payload = push.call_args.kwargs["payload"]
        self.assertEqual(payload["caseNumber"], rating.case.number)
        self.assertEqual(payload["level"], 1)
        self.assertEqual(payload["levelName"], "非常不满意")
        self.assertEqual(payload["indicators"], [{"code": "efficiency", "name": "办事效率"}])
        self.assertEqual(payload["text"], "窗口等候时间长")
        self.assertEqual(payload["departmentCode"], rating.case.department.code)
        flat = json.dumps(payload, ensure_ascii=False)
        self.assertNotIn(self.applicant.name, flat)
        self.assertNotIn(self.applicant.mobile, flat)

    @override_settings(RATING_PUSH_MAX_ATTEMPTS=2)
    def test_it_gives_up_after_the_last_attempt(self):
        rating = rating_made(self)

        with (
            patch(PUSH, side_effect=RatingGatewayError("down")),
            self.assertLogs("ratings.services", "ERROR"),
        ):
            at = timezone.now()
            for _ in range(3):
                drain_task_queue(at=at)
                at += timedelta(hours=1)

        row = RatingPush.objects.get(rating=rating)
        self.assertEqual(row.status, OutboxStatus.FAILED)
        self.assertEqual(row.attempts, 2)
        self.assertEqual(pending_tasks(), [])

    @override_settings(RATING_PUSH_MAX_ATTEMPTS=2)
    def test_a_push_given_up_and_sent_again_is_delivered_once_with_the_same_id(self):
        rating = rating_made(self)
        down = RatingGatewayError("省好差评系统返回 HTTP 503")
        with patch(PUSH, side_effect=[down, down, "HCP-0002"]) as push, self.assertLogs("ratings.services"):
            at = timezone.now()
            for _ in range(3):
                drain_task_queue(at=at)
                at += timedelta(hours=1)
            row = RatingPush.objects.get(rating=rating)
            self.assertEqual((row.status, row.attempts), (OutboxStatus.FAILED, 2))
            # Only a failed push is sent again; then with a fresh set of attempts.
            rating_push_retry(push=row)
            with self.assertRaisesMessage(ApplicationError, "只有推送失败的评价可以重新发送"):
                rating_push_retry(push=row)
            row.refresh_from_db()
            self.assertEqual((row.status, row.attempts, row.last_error), (OutboxStatus.QUEUED, 0, ""))
            (task,) = pending_tasks(task_path=TASK)
            self.assertEqual(task.args_kwargs["kwargs"]["push_id"], row.pk)
            self.assertEqual(drain_task_queue(at=at), 1)
            self.assertEqual(drain_task_queue(at=at + timedelta(days=1)), 0)

        row.refresh_from_db()
        self.assertEqual((row.status, row.attempts, row.receipt), (OutboxStatus.DELIVERED, 1, "HCP-0002"))
        self.assertEqual(push.call_count, 3)
        self.assertEqual({c.kwargs["payload"]["ratingId"] for c in push.call_args_list}, {str(rating.uuid)})

    def test_a_rolled_back_rating_pushes_nothing(self):
        case = case_ended(self)

        class Refused(Exception):
            pass

        with self.assertRaises(Refused), transaction.atomic():
            rating_made(self, case=case)
            raise Refused

        self.assertFalse(Rating.objects.exists())
        self.assertFalse(RatingPush.objects.exists())
        self.assertEqual(pending_tasks(task_path=TASK), [])

    def test_a_push_left_by_a_dead_worker_is_sent_again(self):
        rating = rating_made(self)
        claimed_at = timezone.now() - timedelta(minutes=10)
        RatingPush.objects.filter(rating=rating).update(
            status=OutboxStatus.SENDING, claimed_at=claimed_at, attempts=1
        )
        DBTaskResult.objects.update(status=TaskResultStatus.FAILED)

        self.assertEqual(rating_pushes_requeue_stale(), 1)
        with patch(PUSH, return_value="HCP-2") as push:
            drain_task_queue()

        row = RatingPush.objects.get(rating=rating)
        self.assertEqual(row.status, OutboxStatus.DELIVERED)
        self.assertEqual(row.attempts, 2)
        push.assert_called_once()


class FakeProvince(BaseHTTPRequestHandler):
    answer: ClassVar[tuple[int, bytes]] = (200, b'{"receiptId": "HCP-9"}')
    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        FakeProvince.received.append({"headers": dict(self.headers), "body": json.loads(body)})
        status, payload = self.answer
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class HttpRatingGatewayTestCase(BaseTestCase):
    server: ThreadingHTTPServer
    url: str

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A real server on an ephemeral port: the request goes through urllib and a socket.
        cls.server = ThreadingHTTPServer(("127.0.0.1", 0), FakeProvince)
        cls.server.daemon_threads = True
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.url = f"http://127.0.0.1:{cls.server.server_address[1]}/api/ratings"

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        FakeProvince.received = []
        FakeProvince.answer = (200, b'{"receiptId": "HCP-9"}')
        self.gateway = HttpRatingGateway(url=self.url, token="t0ken", timeout=5)

    def test_it_posts_the_contract_with_an_idempotency_key(self):
        receipt = self.gateway.push(payload={"ratingId": "r-1", "level": 5})

        self.assertEqual(receipt, "HCP-9")
        (request,) = FakeProvince.received
        self.assertEqual(request["body"], {"ratingId": "r-1", "level": 5})
        self.assertEqual(request["headers"]["Authorization"], "Bearer t0ken")
        self.assertEqual(request["headers"]["Idempotency-Key"], "r-1")

    def test_an_error_answer_is_a_failed_attempt(self):
        FakeProvince.answer = (503, b"{}")

        with self.assertRaisesRegex(RatingGatewayError, "^省好差评系统返回 HTTP 503$"):
            self.gateway.push(payload={"ratingId": "r-1"})

    def test_an_answer_without_a_receipt_is_a_failed_attempt(self):
        FakeProvince.answer = (200, b'{"ok": true}')

        with self.assertRaisesRegex(RatingGatewayError, "receiptId"):
            self.gateway.push(payload={"ratingId": "r-1"})

    def test_it_refuses_an_address_that_is_not_http(self):
        with self.assertRaisesRegex(ValueError, "RATING_HTTP_URL"):
            HttpRatingGateway(url="file:///etc/passwd", token="", timeout=1)

    @override_settings(RATING_GATEWAY="http", RATING_HTTP_TOKEN="t0ken")
    def test_the_worker_pushes_through_it_when_configured(self):
        with override_settings(RATING_HTTP_URL=self.url):
            rating = rating_made(self)
            drain_task_queue()

        self.assertEqual(RatingPush.objects.get(rating=rating).receipt, "HCP-9")
        self.assertEqual(FakeProvince.received[0]["body"]["ratingId"], str(rating.uuid))
