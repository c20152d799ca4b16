from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

from django.test import override_settings

from notifications.gateways import ConsoleGateway, GatewayError, HttpGateway, get_gateway
from notifications.models import SmsStatus
from notifications.services import sms_enqueue
from notifications.testing import drain_task_queue
from portal.test import BaseTestCase


class FakeProvider(BaseHTTPRequestHandler):
    """A provider's SMS API: answers with whatever the test put in `answer`."""

    answer: ClassVar[tuple[int, bytes]] = (200, b'{"id": "sms-1"}')
    delay: ClassVar[float] = 0.0
    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        FakeProvider.received.append({"path": self.path, "headers": dict(self.headers), "body": body})
        time.sleep(self.delay)
        status, payload = self.answer
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep the test output clean


class HttpGatewayTestCase(BaseTestCase):
    server: ThreadingHTTPServer
    thread: threading.Thread
    url: str

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A real server on an ephemeral port: the request goes through urllib and a socket
        # exactly as it would to the provider.
        cls.server = ThreadingHTTPServer(("127.0.0.1", 0), FakeProvider)
        cls.server.daemon_threads = True
        cls.thread = threading.Thread(target=cls.server.serve_forever, daemon=True)
        cls.thread.start()
        cls.url = f"http://127.0.0.1:{cls.server.server_address[1]}/sms/send"

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()
        super().tearDownClass()

    def setUp(self):
        FakeProvider.answer = (200, b'{"id": "sms-1"}')
        FakeProvider.delay = 0.0
        FakeProvider.received = []

    def gateway(self, *, timeout: float = 5) -> HttpGateway:
        return HttpGateway(url=self.url, token="t0ken", sign="辽宁政务服务网", timeout=timeout)

    def test_it_posts_json_with_the_token_and_returns_the_id(self):
        message_id = self.gateway().send(mobile="13800000001", text="【辽宁政务服务网】您的办件已受理。")

        self.assertEqual(message_id, "sms-1")
        (request,) = FakeProvider.received
        self.assertEqual(request["path"], "/sms/send")
        self.assertEqual(request["headers"]["Authorization"], "Bearer t0ken")
        self.assertEqual(request["headers"]["Content-Type"], "application/json; charset=utf-8")
        self.assertEqual(
            json.loads(request["body"].decode("utf-8")),
            {"mobile": "13800000001", "text": "【辽宁政务服务网】您的办件已受理。", "sign": "辽宁政务服务网"},
        )

    def test_it_accepts_a_numeric_id(self):
        FakeProvider.answer = (201, b'{"id": 42}')

        self.assertEqual(self.gateway().send(mobile="13800000001", text="x"), "42")

    def test_it_raises_on_a_server_error(self):
        FakeProvider.answer = (500, b'{"error": "internal"}')

        with self.assertRaisesRegex(GatewayError, "^短信网关返回 HTTP 500$"):
            self.gateway().send(mobile="13800000001", text="x")

    def test_it_raises_on_a_timeout(self):
        FakeProvider.delay = 1.0

        started = time.monotonic()
        with self.assertRaisesRegex(GatewayError, "超时"):
            self.gateway(timeout=0.2).send(mobile="13800000001", text="x")
        self.assertLess(time.monotonic() - started, 0.9)

    def test_it_raises_on_an_answer_that_is_not_json(self):
        FakeProvider.answer = (200, b"<html>OK</html>")

        with self.assertRaisesRegex(GatewayError, "JSON"):
            self.gateway().send(mobile="13800000001", text="x")

    def test_it_raises_on_an_answer_without_an_id(self):
        FakeProvider.answer = (200, b'{"result": "ok"}')

        with self.assertRaisesRegex(GatewayError, "id"):
            self.gateway().send(mobile="13800000001", text="x")

    def test_it_raises_when_nothing_listens(self):
        # A port that was free a moment ago: nothing listens there.
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        gateway = HttpGateway(url=f"http://127.0.0.1:{port}/sms", token="t", sign="s", timeout=2)

        with self.assertRaisesRegex(GatewayError, "无法连接短信网关"):
            gateway.send(mobile="13800000001", text="x")

    def test_it_does_not_put_the_token_in_the_error(self):
        FakeProvider.answer = (401, b"{}")

        with self.assertRaises(GatewayError) as raised:
            self.gateway().send(mobile="13800000001", text="x")
        self.assertNotIn("t0ken", str(raised.exception))

    def test_it_refuses_an_address_that_is_not_http(self):
        with self.assertRaises(ValueError):
            HttpGateway(url="file:///etc/passwd", token="t", sign="s", timeout=1)

    def test_it_delivers_queued_sms_through_the_provider(self):
        with override_settings(SMS_GATEWAY="http", SMS_HTTP_URL=self.url, SMS_HTTP_TOKEN="t0ken"):
            message = sms_enqueue(
                mobile="13800000001",
                template="verification_code",
                context={"code": "246810", "purpose": "登录", "minutes": 5},
                user=self.applicant,
            )
            drain_task_queue()

        message.refresh_from_db()
        self.assertEqual(message.status, SmsStatus.DELIVERED)
        self.assertEqual(message.provider_message_id, "sms-1")
        self.assertEqual(len(FakeProvider.received), 1)

    def test_it_queues_a_retry_when_the_provider_fails(self):
        FakeProvider.answer = (503, b"{}")
        with override_settings(SMS_GATEWAY="http", SMS_HTTP_URL=self.url, SMS_HTTP_TOKEN="t0ken"):
            message = sms_enqueue(
                mobile="13800000001",
                template="verification_code",
                context={"code": "246810", "purpose": "登录", "minutes": 5},
            )
            drain_task_queue()

        message.refresh_from_db()
        self.assertEqual(message.status, SmsStatus.QUEUED)
        self.assertEqual(message.attempts, 1)
        self.assertEqual(message.last_error, "短信网关返回 HTTP 503")


class ConsoleGatewayTestCase(BaseTestCase):
    def test_it_logs_the_text_as_a_demo_with_the_mobile_masked(self):
        with self.assertLogs("notifications.gateways", "INFO") as logs:
            message_id = ConsoleGateway().send(mobile="13800000000", text="您的办件已受理。")

        self.assertEqual(
            logs.output,
            [
                "INFO:notifications.gateways:DEMO console SMS gateway, nothing is sent: "
                "SMS to 138****0000: 您的办件已受理。"
            ],
        )
        self.assertRegex(message_id, r"^console-[0-9a-f]{32}$")

    def test_it_is_the_default_gateway(self):
        self.assertIsInstance(get_gateway(), ConsoleGateway)

    @override_settings(SMS_GATEWAY="http", SMS_HTTP_URL="https://sms.example.cn/send", SMS_HTTP_TOKEN="k")
    def test_it_builds_the_http_gateway_from_settings(self):
        gateway = get_gateway()

        assert isinstance(gateway, HttpGateway)
        self.assertEqual(gateway.url, "https://sms.example.cn/send")
        self.assertEqual(gateway.token, "k")
        self.assertEqual(gateway.sign, "辽宁政务服务网")
        self.assertEqual(gateway.timeout, 10)
