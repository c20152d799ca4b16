"""The adapters to the receiving platforms: the one place where an outbound record leaves
the portal. Each channel (`contracts.Channel`) has its own settings: off, `console` (writes
the record to the log; works out of the box) or `http` (posts it, signed, to the endpoint
that docs/exchange.md describes). Called only by the worker, never inside a request or a
transaction."""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from django.conf import settings

from exchange.contracts import Channel, Envelope
from lib.httpclient import PostFailed, json_post, url_check
from lib.masking import mask_id_number
from lib.sm3 import hmac_sm3, sm3

logger = logging.getLogger(__name__)

# Answers that say the record itself is wrong (malformed, or a key reused for other content):
# sending it again cannot help, so it fails at once for staff to look at. Every other
# failure (no answer, 5xx, 401/403 while credentials are being fixed, 429) is tried again.
REFUSED_STATUSES = frozenset({400, 409, 413, 422})

SIGNATURE_METHOD = "HMAC-SM3"


class ReceiverError(Exception):
    """The receiver did not take the record; the text is a short reason for the outbox row.
    `permanent`: it refused the record itself, and trying again would change nothing."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent


class Receiver(Protocol):
    def send(self, *, envelope: Envelope) -> str:
        """Hand the record over and return the receiver's receipt (its id for the record)."""
        ...


@dataclass(frozen=True)
class ChannelSettings:
    mode: str  # off / console / http
    url: str
    app_id: str
    secret: str


def channel_settings(channel: Channel) -> ChannelSettings:
    """The settings of `channel` (checked at start-up in portal/settings.py)."""
    prefix = f"EXCHANGE_{channel.value.upper()}"
    return ChannelSettings(
        mode=getattr(settings, f"{prefix}_GATEWAY"),
        url=getattr(settings, f"{prefix}_URL"),
        app_id=getattr(settings, f"{prefix}_APP_ID"),
        secret=getattr(settings, f"{prefix}_SECRET"),
    )


def channel_enabled(channel: Channel) -> bool:
    """Whether records for `channel` are written at all: a province not connected to a
    platform sets it off, and no outbox fills up for nobody."""
    return channel_settings(channel).mode != "off"


def masked(value: object) -> object:
    """`value` with every `id_number` masked: for the log and the admin, which show what was
    sent without whose number it is."""
    if isinstance(value, dict):
        return {
            k: mask_id_number(v) if k == "id_number" and isinstance(v, str) else masked(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [masked(v) for v in value]
    return value


class ConsoleReceiver:
    """Writes the record to the log, for development and demos: nothing leaves the portal."""

    def send(self, *, envelope: Envelope) -> str:
        logger.info(
            "DEMO console receiver, nothing is sent: %s record %s (%s %s): %s",
            envelope["channel"],
            envelope["record_id"],
            envelope["event"],
            envelope["subject"],
            json.dumps(masked(envelope["data"]), ensure_ascii=False, sort_keys=True),
        )
        return f"console-{envelope['record_id']}"


def signed_text(
    *, method: str, path: str, query: str, timestamp: str, nonce: str, idempotency_key: str, body: bytes
) -> bytes:
    """What the signature covers, one item a line (docs/exchange.md 「签名」): a receiver
    rebuilds it from the request it got."""
    return "\n".join([method, path, query, timestamp, nonce, idempotency_key, sm3(body).hex()]).encode(
        "utf-8"
    )


def request_signature(*, secret: str, text: bytes) -> str:
    return hmac_sm3(secret.encode("utf-8"), text).hex()


class HttpReceiver:
    """Posts the envelope as JSON, signed with HMAC-SM3 under the channel's secret; a 2xx
    answer {"receipt": "..."} means the receiver holds the record (or held it already: the
    same Idempotency-Key answers as the first time)."""

    def __init__(self, *, channel: Channel, url: str, app_id: str, secret: str, timeout: float) -> None:
        url_check(url, setting=f"EXCHANGE_{channel.value.upper()}_URL")
        self.channel = channel
        self.url = url
        self.app_id = app_id
        self.secret = secret
        self.timeout = timeout

    def send(self, *, envelope: Envelope) -> str:
        body = json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        parts = urlsplit(self.url)
        timestamp = str(int(time.time()))
        # A fresh nonce each attempt: a receiver that remembers nonces against replays must
        # still take a retry, which the Idempotency-Key (signed too) makes harmless.
        nonce = uuid.uuid4().hex
        key = envelope["record_id"]
        text = signed_text(
            method="POST",
            path=parts.path or "/",
            query=parts.query,
            timestamp=timestamp,
            nonce=nonce,
            idempotency_key=key,
            body=body,
        )
        peer = f"{self.channel.label}接口"
        try:
            answer = json_post(
                url=self.url,
                body=body,
                headers={
                    "Idempotency-Key": key,
                    "X-App-Id": self.app_id,
                    "X-Timestamp": timestamp,
                    "X-Nonce": nonce,
                    "X-Signature-Method": SIGNATURE_METHOD,
                    "X-Signature": request_signature(secret=self.secret, text=text),
                },
                timeout=self.timeout,
                peer=peer,
            )
        except PostFailed as e:
            raise ReceiverError(str(e), permanent=e.status in REFUSED_STATUSES) from None
        receipt = answer.get("receipt") if isinstance(answer, dict) else None
        if not isinstance(receipt, str) or not receipt:
            raise ReceiverError(f"{peer}应答缺少回执 receipt")
        return receipt


def get_receiver(channel: Channel) -> Receiver:
    """The adapter chosen by the channel's settings."""
    config = channel_settings(channel)
    if config.mode == "http":
        return HttpReceiver(
            channel=channel,
            url=config.url,
            app_id=config.app_id,
            secret=config.secret,
            timeout=settings.EXCHANGE_HTTP_TIMEOUT,
        )
    return ConsoleReceiver()
