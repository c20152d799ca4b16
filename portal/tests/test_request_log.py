"""Log lines as production writes them (settings.LOGGING): one JSON object a line, each with the
id that the response returned in X-Request-ID, in the worker's lines for the request's tasks too."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

from django_tasks_db.models import DBTaskResult

from accounts.tests.helpers import human_fields
from lib.logs import JsonFormatter
from notifications.services import sms_enqueue
from notifications.testing import drain_task_queue
from portal.test import BaseTestCase

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+08:00$")


@contextmanager
def log_lines() -> Iterator[list[dict[str, object]]]:
    """What the configured console handler writes meanwhile, each line parsed."""
    handler = next(
        h
        for h in logging.getLogger().handlers
        if isinstance(h, logging.StreamHandler) and isinstance(h.formatter, JsonFormatter)
    )
    stream = io.StringIO()
    previous = handler.setStream(stream)
    lines: list[dict[str, object]] = []
    try:
        yield lines
    finally:
        handler.setStream(previous)
        lines.extend(json.loads(line) for line in stream.getvalue().splitlines())


class RequestIdTestCase(BaseTestCase):
    def test_each_answer_carries_a_new_id(self):
        r1 = self.client.get("/")
        r2 = self.client.get("/healthz")

        self.assertRegex(r1["X-Request-ID"], r"^[0-9a-f]{32}$")
        self.assertRegex(r2["X-Request-ID"], r"^[0-9a-f]{32}$")
        self.assertNotEqual(r1["X-Request-ID"], r2["X-Request-ID"])

    def test_it_keeps_a_sane_incoming_id(self):
        r = self.client.get("/", HTTP_X_REQUEST_ID="lb-7f3a-0001")

        self.assertEqual(r["X-Request-ID"], "lb-7f3a-0001")

    def test_it_replaces_an_id_that_is_not_short_and_plain(self):
        for bad in ("a b", "x" * 65, "id\nFAKE LINE", "<script>", ""):
            r = self.client.get("/", HTTP_X_REQUEST_ID=bad)
            self.assertRegex(r["X-Request-ID"], r"^[0-9a-f]{32}$")


class RequestLogTestCase(BaseTestCase):
    def test_a_request_writes_one_json_line_with_its_id(self):
        with log_lines() as lines:
            r = self.client.get("/catalog/search/?q=13800000001")

        request_lines = [line for line in lines if line["logger"] == "portal.request"]
        self.assertEqual(len(request_lines), 1)
        line = request_lines[0]
        self.assertEqual(line["request_id"], r["X-Request-ID"])
        self.assertEqual(line["level"], "INFO")
        self.assertEqual(line["method"], "GET")
        self.assertEqual(line["status"], r.status_code)
        self.assertEqual(r.status_code, 200)
        self.assertEqual(line["route"], "catalog/search/")
        self.assertEqual(line["view"], "catalog:search")
        self.assertIsInstance(line["ms"], float)
        self.assertRegex(str(line["time"]), TIME)
        self.assertEqual(line["message"], f"GET {line['route']} {r.status_code} {line['ms']:.1f}ms")
        # No query string, so nothing typed into a search box.
        self.assertNotIn("13800000001", json.dumps(lines, ensure_ascii=False))

    def test_probes_write_no_line(self):
        with log_lines() as lines:
            self.client.get("/healthz")
            self.client.get("/readyz")

        self.assertEqual([line for line in lines if line["logger"] == "portal.request"], [])

    def test_a_task_enqueued_by_a_request_logs_the_requests_id(self):
        with log_lines() as lines:
            r = self.client.post(
                "/accounts/sms-code/",
                {**human_fields(), "mobile": self.applicant.mobile, "purpose": "login", "kind": "person"},
            )
        request_id = r["X-Request-ID"]
        self.assertIn(request_id, [line["request_id"] for line in lines])

        with log_lines() as lines:
            self.assertEqual(drain_task_queue(), 1)
            logging.getLogger("portal.tests").info("after the task")

        sms = [line for line in lines if line["logger"] == "notifications.gateways"]
        self.assertEqual(len(sms), 1)
        self.assertEqual(sms[0]["request_id"], request_id)
        self.assertTrue(
            str(sms[0]["message"]).startswith("DEMO console SMS gateway, nothing is sent: SMS to 138****0001")
        )
        finished = [
            line
            for line in lines
            if line["logger"] == "django_tasks" and "SUCCESSFUL" in str(line["message"])
        ]
        self.assertEqual([line["request_id"] for line in finished], [request_id])
        # The id ends with the task.
        self.assertIsNone(lines[-1]["request_id"])
        self.assertEqual(lines[-1]["message"], "after the task")

    def test_a_task_enqueued_outside_a_request_has_no_id(self):
        message = sms_enqueue(
            mobile=self.applicant.mobile, template="password_changed", context={"time": "2026-03-01 09:00"}
        )
        self.assertEqual(DBTaskResult.objects.get().args_kwargs["kwargs"], {"message_id": message.pk})
        with log_lines() as lines:
            drain_task_queue()

        self.assertTrue(lines)
        self.assertEqual({line["request_id"] for line in lines}, {None})

    def test_djangos_own_line_for_a_refusal_carries_the_id(self):
        with log_lines() as lines:
            r = self.client.get("/no-such-page/")

        not_found = [line for line in lines if line["logger"] == "django.request"]
        self.assertEqual([line["message"] for line in not_found], ["Not Found: /no-such-page/"])
        self.assertEqual(not_found[0]["request_id"], r["X-Request-ID"])

    def test_the_id_ends_with_its_request(self):
        self.client.get("/")

        message = sms_enqueue(
            mobile=self.applicant.mobile, template="password_changed", context={"time": "2026-03-01 09:00"}
        )

        self.assertEqual(DBTaskResult.objects.get().args_kwargs["kwargs"], {"message_id": message.pk})
