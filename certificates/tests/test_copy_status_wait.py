"""加注中… → the file, told to the page as soon as the worker has stored it (ADR 0037): the status
URL with `?wait=N` answers when the copy changes, or after N seconds (at most
COPY_AWAIT_MAX_SECONDS, the web workers being synchronous), and the page asks again at once."""

from __future__ import annotations

import time
from unittest import mock

from django.urls import reverse

from certificates import selectors
from certificates.models import CertificateCopy, CopyStatus
from certificates.services import certificate_copy_request, copy_channel
from certificates.tests.helpers import approved_case, ensure_keys
from lib.wakeup import TASKS_CHANNEL
from notifications.testing import drain_task_queue
from portal.test import BaseTestCase

JSON = {"Accept": "application/json"}


class WorkerMakesTheCopy:
    """A listener whose wait is the worker making the copy meanwhile: the test's transaction
    is never committed, so the real wake-up (lib/tests/test_wakeup.py) cannot reach it."""

    def __init__(self) -> None:
        self.waits = 0

    def __call__(self, channel: str) -> WorkerMakesTheCopy:
        self.channel = channel
        return self

    def __enter__(self) -> WorkerMakesTheCopy:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def wait(self, timeout: float) -> bool:
        self.waits += 1
        drain_task_queue()
        return True


class CopyStatusWaitTest(BaseTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        ensure_keys()

    def setUp(self) -> None:
        self.case, self.certificate = approved_case(self)
        drain_task_queue()
        self.copy = certificate_copy_request(certificate=self.certificate, user=self.applicant)
        self.url = reverse("certificates:copy_status", args=[self.copy.pk])
        self.client.force_login(self.applicant)

    def get(self, query: str) -> tuple[dict[str, object], float]:
        start = time.monotonic()
        reply = self.client.get(self.url + query, headers=JSON)
        self.assertEqual(reply.status_code, 200)
        return reply.json(), time.monotonic() - start

    def test_it_answers_as_soon_as_the_copy_is_made(self):
        listener = WorkerMakesTheCopy()
        with mock.patch("lib.wakeup.listen", listener):
            reply, seconds = self.get("?wait=2")
        self.assertEqual(listener.channel, copy_channel(self.copy.pk))
        self.assertEqual(listener.waits, 1)
        self.assertEqual(reply["status"], CopyStatus.READY)
        self.assertEqual(reply["download_url"], reverse("certificates:download", args=[self.copy.pk]))
        self.assertLess(seconds, selectors.COPY_AWAIT_MAX_SECONDS)

    def test_it_answers_pending_when_the_wait_runs_out(self):
        reply, seconds = self.get("?wait=0.3")
        self.assertEqual(reply["status"], CopyStatus.PENDING)
        self.assertGreaterEqual(seconds, 0.25)
        self.assertLess(seconds, selectors.COPY_AWAIT_MAX_SECONDS + 1)

    def test_the_wait_is_capped(self):
        with mock.patch.object(selectors, "COPY_AWAIT_MAX_SECONDS", 0.2):
            reply, seconds = self.get("?wait=3600")
        self.assertEqual(reply["status"], CopyStatus.PENDING)
        self.assertLess(seconds, 1.5)

    def test_without_a_wait_or_with_a_bad_one_it_answers_at_once(self):
        refused = mock.Mock(side_effect=AssertionError("listened"))
        with mock.patch("lib.wakeup.listen", refused):
            for query in ["", "?wait=", "?wait=abc", "?wait=nan", "?wait=-5", "?wait=0"]:
                with self.subTest(query=query):
                    reply, _ = self.get(query)
                    self.assertEqual(reply["status"], CopyStatus.PENDING)

    def test_a_made_copy_is_answered_without_waiting(self):
        drain_task_queue()
        refused = mock.Mock(side_effect=AssertionError("listened"))
        with mock.patch("lib.wakeup.listen", refused):
            reply, _ = self.get("?wait=2")
        self.assertEqual(reply["status"], CopyStatus.READY)

    def test_the_worker_announces_the_change(self):
        # Delivered at the commit (lib/tests/test_wakeup.py), which a TestCase never makes.
        with mock.patch("certificates.services.wake_send") as sent:
            drain_task_queue()
        self.assertEqual(CertificateCopy.objects.get(pk=self.copy.pk).status, CopyStatus.READY)
        sent.assert_called_once_with(copy_channel(self.copy.pk))

    def test_a_copy_request_wakes_the_workers(self):
        drain_task_queue()
        with mock.patch("lib.taskqueue.wake_send") as sent:
            certificate_copy_request(certificate=self.certificate, user=self.applicant)
        sent.assert_called_once_with(TASKS_CHANNEL)

    def test_another_holder_still_gets_404(self):
        self.client.force_login(self.other_applicant)
        self.assertEqual(self.client.get(self.url + "?wait=2", headers=JSON).status_code, 404)
