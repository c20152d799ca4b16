"""A receiving platform for tests, on loopback: it checks the signature as docs/exchange.md
tells a receiver to, keeps each record once under its Idempotency-Key (answering a repeat
with the first receipt), and can be told to fail the next requests."""

from __future__ import annotations

import hmac
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from exchange.gateways import request_signature, signed_text

APP_ID = "lnzwfw-test"
SECRET = "test-secret-" + "0123456789abcdef" * 2


@dataclass
class Received:
    """What the receiver saw: every request's key, and the records it keeps."""

    keys: list[str] = field(default_factory=list)
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    headers: list[dict[str, str]] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)  # statuses to answer next, in order
    bad_signatures: int = 0


class FakeReceiver:
    def __init__(self) -> None:
        self.received = Received()
        received = self.received
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                key = self.headers["Idempotency-Key"]
                with lock:
                    received.keys.append(key)
                    received.headers.append(dict(self.headers))
                    if received.failures:
                        self._answer(received.failures.pop(0), {"code": "UNAVAILABLE"})
                        return
                    parts = urlsplit(self.path)
                    text = signed_text(
                        method="POST",
                        path=parts.path,
                        query=parts.query,
                        timestamp=self.headers["X-Timestamp"],
                        nonce=self.headers["X-Nonce"],
                        idempotency_key=key,
                        body=body,
                    )
                    expected = request_signature(secret=SECRET, text=text)
                    if self.headers["X-App-Id"] != APP_ID or not hmac.compare_digest(
                        expected, self.headers["X-Signature"]
                    ):
                        received.bad_signatures += 1
                        self._answer(401, {"code": "BAD_SIGNATURE"})
                        return
                    envelope = json.loads(body)
                    if envelope["record_id"] != key:
                        self._answer(400, {"code": "KEY_MISMATCH"})
                        return
                    # The contract: a key seen before answers as the first time, storing nothing.
                    received.records.setdefault(key, envelope)
                    self._answer(200, {"receipt": f"R-{key[:8]}"})

            def _answer(self, status: int, payload: dict[str, str]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/records?v=1"

    def start(self) -> FakeReceiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def settings_for(self, channel: str) -> dict[str, str]:
        """What override_settings needs to point `channel` ("LICENCE", "CASE") here."""
        return {
            f"EXCHANGE_{channel}_GATEWAY": "http",
            f"EXCHANGE_{channel}_URL": self.url,
            f"EXCHANGE_{channel}_APP_ID": APP_ID,
            f"EXCHANGE_{channel}_SECRET": SECRET,
        }
