from __future__ import annotations

from datetime import timedelta
from unittest.mock import patch

from django.core.management import call_command
from django.utils import timezone

from notifications.models import SmsMessage, SmsStatus
from notifications.services import sms_enqueue
from notifications.testing import pending_tasks
from portal.test import BaseTestCase


class RunPeriodicTestCase(BaseTestCase):
    def test_it_hands_out_again_an_sms_left_by_a_dead_worker(self):
        message = sms_enqueue(
            mobile="13800000001",
            template="verification_code",
            context={"code": "123456", "purpose": "登录", "minutes": 5},
        )
        # A worker claimed it ten minutes ago and died before recording the outcome.
        SmsMessage.objects.filter(pk=message.pk).update(
            status=SmsStatus.SENDING, claimed_at=timezone.now() - timedelta(minutes=10), attempts=1
        )
        tasks_before = len(pending_tasks())

        call_command("run_periodic", once=True)

        message.refresh_from_db()
        self.assertEqual(message.status, SmsStatus.QUEUED)
        self.assertEqual(len(pending_tasks()), tasks_before + 1)

    def test_a_failing_round_does_not_stop_the_loop(self):
        with patch(
            "portal.management.commands.run_periodic.sms_requeue_stale", side_effect=RuntimeError("db down")
        ):
            call_command("run_periodic", once=True)  # logs, does not raise
