"""The adapters: the HTTP receiver as docs/exchange.md describes it to the other side, the
console default, and the settings that choose between them."""

from __future__ import annotations

import hmac
import uuid

from django.core.exceptions import ImproperlyConfigured
from django.test import SimpleTestCase, override_settings

from exchange.contracts import Channel, Envelope
from exchange.gateways import (
    ConsoleReceiver,
    HttpReceiver,
    ReceiverError,
    channel_enabled,
    get_receiver,
    request_signature,
    signed_text,
)
from exchange.tests.receiver import APP_ID, SECRET, FakeReceiver
from lib.sm3 import hmac_sm3, sm3
from portal.settings import _exchange_channel_check


def envelope(key: str | None = None) -> Envelope:
    return Envelope(
        record_id=key or str(uuid.uuid4()),
        seq=7,
        channel="case",
        event="status_changed",
        subject="LN2026030400001",
        occurred_at="2026-03-04T10:00:00+08:00",
        source="辽宁政务服务网",
        data={"case_number": "LN2026030400001", "status": "pending"},
    )


class HttpReceiverTestCase(SimpleTestCase):
    receiver: FakeReceiver

    def setUp(self) -> None:
        self.receiver = FakeReceiver().start()
        self.addCleanup(self.receiver.stop)

    def http(self, *, secret: str = SECRET, url: str | None = None, timeout: float = 5) -> HttpReceiver:
        return HttpReceiver(
            channel=Channel.CASE, url=url or self.receiver.url, app_id=APP_ID, secret=secret, timeout=timeout
        )

    def test_it_posts_the_envelope_signed_and_returns_the_receipt(self):
        sent = envelope()

        receipt = self.http().send(envelope=sent)

        key = sent["record_id"]
        self.assertEqual(receipt, f"R-{key[:8]}")
        received = self.receiver.received
        self.assertEqual(received.bad_signatures, 0)
        self.assertEqual(received.records[key], sent)
        headers = received.headers[0]
        self.assertEqual(headers["Idempotency-Key"], key)
        self.assertEqual(headers["X-App-Id"], APP_ID)
        self.assertEqual(headers["X-Signature-Method"], "HMAC-SM3")
        self.assertEqual(len(headers["X-Nonce"]), 32)
        self.assertTrue(headers["Content-Type"].startswith("application/json"))
        # The secret itself never travels.
        self.assertNotIn(SECRET, "".join(headers.values()))

    def test_the_same_key_sent_again_is_kept_once_with_the_first_receipt(self):
        sent = envelope()
        first = self.http().send(envelope=sent)
        second = self.http().send(envelope=sent)

        self.assertEqual(first, second)
        self.assertEqual(len(self.receiver.received.records), 1)
        nonces = [h["X-Nonce"] for h in self.receiver.received.headers]
        self.assertNotEqual(nonces[0], nonces[1])  # a retry is no replay

    def test_a_wrong_secret_is_refused_by_the_receiver_and_tried_again_later(self):
        with self.assertRaises(ReceiverError) as caught:
            self.http(secret="another-secret-" + "x" * 32).send(envelope=envelope())

        self.assertEqual(str(caught.exception), "办件归集接口返回 HTTP 401")
        self.assertFalse(caught.exception.permanent)
        self.assertEqual(self.receiver.received.bad_signatures, 1)

    def test_a_refused_record_is_a_permanent_failure(self):
        for status in (400, 409, 413, 422):
            self.receiver.received.failures = [status]
            with self.subTest(status=status), self.assertRaises(ReceiverError) as caught:
                self.http().send(envelope=envelope())
            self.assertTrue(caught.exception.permanent)

    def test_a_receiver_that_is_down_or_busy_is_tried_again(self):
        for status in (404, 408, 429, 500, 502, 503):
            self.receiver.received.failures = [status]
            with self.subTest(status=status), self.assertRaises(ReceiverError) as caught:
                self.http().send(envelope=envelope())
            self.assertFalse(caught.exception.permanent)

    def test_nothing_listening_is_tried_again(self):
        with self.assertRaises(ReceiverError) as caught:
            self.http(url="http://127.0.0.1:9/records").send(envelope=envelope())

        self.assertIn("无法连接办件归集接口", str(caught.exception))
        self.assertFalse(caught.exception.permanent)

    def test_it_refuses_an_address_that_is_not_http(self):
        with self.assertRaises(ValueError):
            self.http(url="file:///etc/passwd")

    def test_the_signature_is_hmac_sm3_over_the_documented_lines(self):
        body = b'{"a":1}'
        text = signed_text(
            method="POST",
            path="/api/records",
            query="v=1",
            timestamp="1772589600",
            nonce="n" * 32,
            idempotency_key="k",
            body=body,
        )

        self.assertEqual(
            text, f"POST\n/api/records\nv=1\n1772589600\n{'n' * 32}\nk\n{sm3(body).hex()}".encode()
        )
        self.assertTrue(
            hmac.compare_digest(
                request_signature(secret=SECRET, text=text), hmac_sm3(SECRET.encode(), text).hex()
            )
        )


class ChoiceTestCase(SimpleTestCase):
    def test_the_console_is_the_default_for_both_channels(self):
        with override_settings(EXCHANGE_LICENCE_GATEWAY="console", EXCHANGE_CASE_GATEWAY="console"):
            self.assertIsInstance(get_receiver(Channel.LICENCE), ConsoleReceiver)
            self.assertIsInstance(get_receiver(Channel.CASE), ConsoleReceiver)
            self.assertTrue(channel_enabled(Channel.CASE))
        with override_settings(EXCHANGE_CASE_GATEWAY="off"):
            self.assertFalse(channel_enabled(Channel.CASE))

    @override_settings(
        EXCHANGE_LICENCE_GATEWAY="http",
        EXCHANGE_LICENCE_URL="https://dzzz.example.gov.cn/api/licences",
        EXCHANGE_LICENCE_APP_ID="ln-zwfw",
        EXCHANGE_LICENCE_SECRET=SECRET,
        EXCHANGE_HTTP_TIMEOUT=3,
    )
    def test_it_builds_the_http_receiver_from_the_channels_settings(self):
        receiver = get_receiver(Channel.LICENCE)

        assert isinstance(receiver, HttpReceiver)
        self.assertEqual(receiver.url, "https://dzzz.example.gov.cn/api/licences")
        self.assertEqual((receiver.app_id, receiver.secret, receiver.timeout), ("ln-zwfw", SECRET, 3))
        self.assertIsInstance(get_receiver(Channel.CASE), ConsoleReceiver)

    def test_the_settings_refuse_an_http_channel_without_address_or_credentials(self):
        good = ("https://x.example/records", "app", SECRET)
        _exchange_channel_check("CASE", "http", *good)
        _exchange_channel_check("CASE", "console", "", "", "")
        for mode, url, app_id, secret in (
            ("https", *good),
            ("http", "", "app", SECRET),
            ("http", "ftp://x.example/", "app", SECRET),
            ("http", good[0], "", SECRET),
            ("http", good[0], "app", "short"),
        ):
            with self.subTest(mode=mode, url=url, app_id=app_id), self.assertRaises(ImproperlyConfigured):
                _exchange_channel_check("CASE", mode, url, app_id, secret)
