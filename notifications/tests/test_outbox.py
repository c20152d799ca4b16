from __future__ import annotations

from datetime import timedelta
from io import StringIO
from unittest.mock import patch

from django.core.management import call_command
from django.db import transaction
from django.test import TransactionTestCase, override_settings
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from lib.errors import ApplicationError
from notifications.gateways import GatewayError
from notifications.models import SmsMessage, SmsStatus
from notifications.services import (
    sms_deliver,
    sms_enqueue,
    sms_render,
    sms_requeue_stale,
    sms_retry,
)
from notifications.testing import TaskFailed, drain_task_queue, frozen_now, pending_tasks
from portal.test import BaseTestCase

SEND = "notifications.gateways.ConsoleGateway.send"
DELIVER = "notifications.tasks.deliver_sms"
CODE_TEXT = "【辽宁政务服务网】您的验证码为246810，用于注册，5分钟内有效。如非本人操作，请忽略本短信。"


class OutboxTestCase(BaseTestCase):
    def enqueue(self) -> SmsMessage:
        return sms_enqueue(
            mobile="13800000001",
            template="verification_code",
            context={"code": "246810", "purpose": "注册", "minutes": 5},
            user=self.applicant,
        )


class SmsEnqueueTestCase(OutboxTestCase):
    def test_it_renders_the_verification_code_text(self):
        text = sms_render(
            template="verification_code", context={"code": "246810", "purpose": "注册", "minutes": 5}
        )
        self.assertEqual(text, CODE_TEXT)

    def test_it_renders_plain_text_without_html_escaping(self):
        text = sms_render(
            template="verification_code", context={"code": "1", "purpose": "A&B <C> '企业'", "minutes": 5}
        )
        self.assertIn("用于A&B <C> '企业'，", text)

    def test_it_refuses_a_template_name_that_is_a_path(self):
        with self.assertRaises(ValueError):
            sms_render(template="../base", context={})

    def test_it_writes_the_row_and_its_task_without_calling_the_gateway(self):
        with patch(SEND) as send:
            message = self.enqueue()

        message.refresh_from_db()
        self.assertEqual(message.status, SmsStatus.QUEUED)
        self.assertEqual(message.text, CODE_TEXT)
        self.assertEqual(message.template, "verification_code")
        self.assertEqual(message.user, self.applicant)
        self.assertEqual(message.attempts, 0)
        self.assertLessEqual(message.next_attempt_at, timezone.now())
        tasks = pending_tasks(task_path=DELIVER)
        self.assertEqual(len(tasks), 1)
        self.assertEqual(tasks[0].args_kwargs, {"args": [], "kwargs": {"message_id": message.pk}})
        send.assert_not_called()

    def test_it_leaves_no_message_and_no_task_when_the_caller_rolls_back(self):
        class Refused(Exception):
            pass

        with self.assertRaises(Refused), transaction.atomic():
            self.enqueue()
            raise Refused

        self.assertFalse(SmsMessage.objects.exists())
        self.assertFalse(DBTaskResult.objects.exists())
        self.assertEqual(drain_task_queue(), 0)


class SmsDeliverTestCase(OutboxTestCase):
    def test_it_delivers_exactly_once(self):
        message = self.enqueue()

        with patch(SEND, return_value="provider-1") as send:
            self.assertEqual(drain_task_queue(), 1)
            self.assertEqual(drain_task_queue(), 0)

        message.refresh_from_db()
        self.assertEqual(message.status, SmsStatus.DELIVERED)
        self.assertEqual(message.attempts, 1)
        self.assertEqual(message.provider_message_id, "provider-1")
        self.assertIsNotNone(message.sent_at)
        self.assertEqual(message.last_error, "")
        send.assert_called_once_with(mobile="13800000001", text=CODE_TEXT)
        self.assertEqual(DBTaskResult.objects.get().status, TaskResultStatus.SUCCESSFUL)

    def test_it_delivers_through_the_console_gateway_by_default(self):
        message = self.enqueue()

        with self.assertLogs("notifications.gateways", "INFO") as logs:
            drain_task_queue()

        message.refresh_from_db()
        self.assertEqual(message.status, SmsStatus.DELIVERED)
        self.assertTrue(message.provider_message_id.startswith("console-"))
        self.assertEqual(
            logs.output,
            [
                "INFO:notifications.gateways:DEMO console SMS gateway, nothing is sent: "
                f"SMS to 138****0001: {CODE_TEXT}"
            ],
        )

    def test_it_retries_with_growing_delays_until_the_gateway_is_up(self):
        start = timezone.now()
        with frozen_now(start):
            message = self.enqueue()
        down = GatewayError("短信网关返回 HTTP 503")

        delays = []
        with patch(SEND, side_effect=[down, down, down, "provider-4"]) as send:
            at = start
            self.assertEqual(drain_task_queue(at=at), 1)
            for _ in range(3):
                message.refresh_from_db()
                self.assertEqual(message.status, SmsStatus.QUEUED)
                self.assertEqual(message.last_error, "短信网关返回 HTTP 503")
                (task,) = pending_tasks(task_path=DELIVER)
                self.assertEqual(task.run_after, message.next_attempt_at)
                delays.append(message.next_attempt_at - at)
                # Nothing happens before the retry is due.
                self.assertEqual(drain_task_queue(at=message.next_attempt_at - timedelta(seconds=1)), 0)
                at = message.next_attempt_at
                self.assertEqual(drain_task_queue(at=at), 1)

        self.assertEqual(delays, [timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120)])
        message.refresh_from_db()
        self.assertEqual(message.status, SmsStatus.DELIVERED)
        self.assertEqual(message.attempts, 4)
        self.assertEqual(message.provider_message_id, "provider-4")
        self.assertEqual(message.last_error, "")
        self.assertEqual(send.call_count, 4)
        self.assertEqual(pending_tasks(), [])

    def test_it_caps_the_retry_delay_at_an_hour(self):
        with override_settings(SMS_RETRY_BASE_SECONDS=600, SMS_MAX_ATTEMPTS=10):
            message = self.enqueue()
            at = timezone.now()
            with patch(SEND, side_effect=GatewayError("down")):
                for _ in range(5):
                    last_try = at
                    drain_task_queue(at=at)
                    message.refresh_from_db()
                    at = message.next_attempt_at

        # 600 s doubled four times would be 9600 s.
        self.assertEqual(message.attempts, 5)
        self.assertEqual(message.next_attempt_at - last_try, timedelta(hours=1))

    @override_settings(SMS_MAX_ATTEMPTS=3)
    def test_it_gives_up_after_the_last_attempt(self):
        message = self.enqueue()

        down = GatewayError("短信网关超时（10秒）")
        with (
            patch(SEND, side_effect=down) as send,
            self.assertLogs("notifications.services", "ERROR") as logs,
        ):
            at = timezone.now()
            for _ in range(5):
                drain_task_queue(at=at)
                at += timedelta(hours=1)

        message.refresh_from_db()
        self.assertEqual(message.status, SmsStatus.FAILED)
        self.assertEqual(message.attempts, 3)
        self.assertEqual(message.last_error, "短信网关超时（10秒）")
        self.assertIsNone(message.sent_at)
        self.assertEqual(send.call_count, 3)
        self.assertEqual(pending_tasks(), [])
        self.assertIn("138****0001 failed 3 times, giving up", logs.output[0])
        self.assertNotIn("13800000001", "".join(logs.output))

    def test_it_counts_an_unexpected_adapter_error_as_a_failed_attempt(self):
        message = self.enqueue()

        with patch(SEND, side_effect=RuntimeError("adapter bug")), self.assertLogs("notifications.services"):
            drain_task_queue()

        message.refresh_from_db()
        self.assertEqual(message.status, SmsStatus.QUEUED)
        self.assertEqual(message.attempts, 1)
        self.assertEqual(message.last_error, "adapter bug")
        self.assertEqual(len(pending_tasks(task_path=DELIVER)), 1)

    def test_it_lets_only_one_of_two_workers_send(self):
        message = self.enqueue()

        def send_while_another_worker_tries(*, mobile, text):
            # The second worker arrives while the first is still talking to the gateway.
            sms_deliver(message_id=message.pk)
            return "provider-1"

        with patch(SEND, side_effect=send_while_another_worker_tries) as send:
            sms_deliver(message_id=message.pk)
            sms_deliver(message_id=message.pk)

        message.refresh_from_db()
        self.assertEqual(message.status, SmsStatus.DELIVERED)
        self.assertEqual(message.attempts, 1)
        send.assert_called_once()

    def test_it_leaves_alone_a_message_that_is_not_due(self):
        message = self.enqueue()
        later = timezone.now() + timedelta(minutes=1)
        SmsMessage.objects.filter(pk=message.pk).update(next_attempt_at=later)

        with patch(SEND) as send:
            sms_deliver(message_id=message.pk)

        message.refresh_from_db()
        self.assertEqual(message.status, SmsStatus.QUEUED)
        self.assertEqual(message.attempts, 0)
        send.assert_not_called()

    def test_it_ignores_a_task_for_a_missing_message(self):
        with patch(SEND) as send:
            sms_deliver(message_id=987654)
        send.assert_not_called()

    def test_drain_task_queue_fails_the_test_when_a_task_raises(self):
        self.enqueue()

        broken = patch("notifications.services.sms_deliver", side_effect=RuntimeError("boom"))
        with broken, self.assertRaisesRegex(TaskFailed, "boom"):
            drain_task_queue()

        self.assertEqual(DBTaskResult.objects.get().status, TaskResultStatus.FAILED)


class SmsRequeueStaleTestCase(OutboxTestCase):
    def make_stale_sending(self, *, claimed_minutes_ago: int) -> SmsMessage:
        """A message whose worker claimed it and then died: SENDING, its task row RUNNING."""
        message = self.enqueue()
        claimed_at = timezone.now() - timedelta(minutes=claimed_minutes_ago)
        SmsMessage.objects.filter(pk=message.pk).update(
            status=SmsStatus.SENDING, claimed_at=claimed_at, attempts=1
        )
        DBTaskResult.objects.update(status=TaskResultStatus.RUNNING, started_at=claimed_at)
        return message

    def test_it_requeues_a_message_whose_worker_died_and_delivers_it_once(self):
        message = self.make_stale_sending(claimed_minutes_ago=10)

        self.assertEqual(sms_requeue_stale(), 1)
        self.assertEqual(sms_requeue_stale(), 0)

        message.refresh_from_db()
        self.assertEqual(message.status, SmsStatus.QUEUED)
        self.assertEqual(len(pending_tasks(task_path=DELIVER)), 1)
        with patch(SEND, return_value="provider-1") as send:
            self.assertEqual(drain_task_queue(), 1)
        message.refresh_from_db()
        self.assertEqual(message.status, SmsStatus.DELIVERED)
        self.assertEqual(message.attempts, 2)
        send.assert_called_once()
        self.assertEqual(sms_requeue_stale(), 0)

    def test_it_leaves_a_message_that_is_still_being_sent(self):
        message = self.make_stale_sending(claimed_minutes_ago=1)

        self.assertEqual(sms_requeue_stale(), 0)

        message.refresh_from_db()
        self.assertEqual(message.status, SmsStatus.SENDING)
        self.assertEqual(pending_tasks(), [])

    def test_it_gives_a_task_to_a_queued_message_that_lost_its_own(self):
        message = self.enqueue()
        DBTaskResult.objects.all().delete()
        later = timezone.now() + timedelta(minutes=6)

        self.assertEqual(sms_requeue_stale(now=later), 1)
        self.assertEqual(sms_requeue_stale(now=later), 0)

        with patch(SEND, return_value="provider-1") as send:
            self.assertEqual(drain_task_queue(), 1)
        message.refresh_from_db()
        self.assertEqual(message.status, SmsStatus.DELIVERED)
        send.assert_called_once()

    def test_it_leaves_a_queued_message_whose_task_is_waiting(self):
        self.enqueue()

        self.assertEqual(sms_requeue_stale(now=timezone.now() + timedelta(hours=1)), 0)

        self.assertEqual(len(pending_tasks(task_path=DELIVER)), 1)


class SmsRetryTestCase(OutboxTestCase):
    def test_it_requeues_a_failed_message_with_fresh_attempts(self):
        message = self.enqueue()
        DBTaskResult.objects.all().delete()
        SmsMessage.objects.filter(pk=message.pk).update(
            status=SmsStatus.FAILED, attempts=6, last_error="down"
        )

        sms_retry(message=message)

        message.refresh_from_db()
        self.assertEqual(message.status, SmsStatus.QUEUED)
        self.assertEqual(message.attempts, 0)
        self.assertEqual(message.last_error, "")
        self.assertEqual(len(pending_tasks(task_path=DELIVER)), 1)
        with patch(SEND, return_value="provider-1"):
            drain_task_queue()
        message.refresh_from_db()
        self.assertEqual(message.status, SmsStatus.DELIVERED)

    def test_it_refuses_a_message_that_has_not_failed(self):
        message = self.enqueue()

        with self.assertRaises(ApplicationError):
            sms_retry(message=message)

        self.assertEqual(len(pending_tasks()), 1)


class DbWorkerCommandTestCase(TransactionTestCase):
    """The real `manage.py db_worker` command, committing as in production, runs the task."""

    def test_it_delivers_through_the_db_worker_command(self):
        message = sms_enqueue(
            mobile="13900000002",
            template="verification_code",
            context={"code": "135790", "purpose": "登录", "minutes": 5},
        )

        # The command installs SIGINT/SIGTERM handlers meant for a worker process; not here.
        with (
            patch(SEND, return_value="provider-1") as send,
            patch.object(db_worker.Worker, "configure_signals"),
        ):
            call_command("db_worker", batch=True, interval=0, startup_delay=False, stdout=StringIO())

        message.refresh_from_db()
        self.assertEqual(message.status, SmsStatus.DELIVERED)
        send.assert_called_once()
        self.assertEqual(DBTaskResult.objects.get().status, TaskResultStatus.SUCCESSFUL)


class SensitiveTextTestCase(BaseTestCase):
    """Verification codes leave the outbox once their message is done with."""

    def test_it_blanks_a_code_once_delivered(self):
        message = sms_enqueue(
            mobile="13800000001",
            template="verification_code",
            context={"code": "246810", "purpose": "注册", "minutes": 5},
            sensitive=True,
        )
        self.assertIn("246810", message.text)
        with patch("notifications.gateways.ConsoleGateway.send", return_value="gw-1") as send:
            drain_task_queue()
        self.assertIn("246810", send.call_args.kwargs["text"])
        message.refresh_from_db()
        self.assertEqual(message.status, SmsStatus.DELIVERED)
        self.assertNotIn("246810", message.text)

    @override_settings(SMS_MAX_ATTEMPTS=1)
    def test_it_blanks_a_code_given_up_and_refuses_to_resend_it(self):
        message = sms_enqueue(
            mobile="13800000001",
            template="verification_code",
            context={"code": "135790", "purpose": "注册", "minutes": 5},
            sensitive=True,
        )
        with patch("notifications.gateways.ConsoleGateway.send", side_effect=GatewayError("down")):
            drain_task_queue()
        message.refresh_from_db()
        self.assertEqual(message.status, SmsStatus.FAILED)
        self.assertNotIn("135790", message.text)
        with self.assertRaisesMessage(ApplicationError, "验证码短信不重新发送"):
            sms_retry(message=message)
