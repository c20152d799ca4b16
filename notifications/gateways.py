"""SMS gateway adapters: the one place where a text leaves the portal.

`ConsoleGateway` works out of the box (it writes the text to the log); `HttpGateway` posts to
a provider's HTTP API. Both are called only by the worker, never inside a request or a
transaction, because a slow provider must not hold database locks."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
import uuid
from typing import Protocol

from django.conf import settings

from lib.logs import DEMO_SMS
from lib.masking import mask_mobile

logger = logging.getLogger(__name__)

# Enough for any provider's answer; a bigger body is not an answer we understand.
MAX_RESPONSE_BYTES = 64 * 1024


class GatewayError(Exception):
    """The gateway did not take the message; the text is a short reason for the outbox row."""


class SmsGateway(Protocol):
    def send(self, *, mobile: str, text: str) -> str:
        """Hand the text to the provider and return the provider's message id."""
        ...


class ConsoleGateway:
    """Writes the SMS to the log, for development and demos. The only log line that holds a
    message's text (a verification code included), so it says it is a demo: a production log
    never has it, because production sets SMS_GATEWAY=http."""

    def send(self, *, mobile: str, text: str) -> str:
        # DEMO_SMS lets this line keep the code past lib.logs.PersonalDataFilter: a demo needs
        # it to log in, and the line says what it is.
        logger.info(
            "DEMO console SMS gateway, nothing is sent: SMS to %s: %s",
            mask_mobile(mobile),
            text,
            extra={DEMO_SMS: True},
        )
        return f"console-{uuid.uuid4().hex}"


class HttpGateway:
    """Posts {"mobile", "text", "sign"} as JSON with a bearer token; a 2xx answer
    {"id": ...} means the provider has taken the message."""

    def __init__(self, *, url: str, token: str, sign: str, timeout: float) -> None:
        # urlopen would also open file:// and ftp:// addresses; a settings typo must not
        # turn the SMS gateway into a local file reader.
        if not url.startswith(("https://", "http://")):
            raise ValueError(f"SMS_HTTP_URL must be an http(s) address, not {url!r}")
        self.url = url
        self.token = token
        self.sign = sign
        self.timeout = timeout

    @classmethod
    def from_settings(cls) -> HttpGateway:
        return cls(
            url=settings.SMS_HTTP_URL,
            token=settings.SMS_HTTP_TOKEN,
            sign=settings.SMS_HTTP_SIGN,
            timeout=settings.SMS_HTTP_TIMEOUT,
        )

    def send(self, *, mobile: str, text: str) -> str:
        payload = json.dumps({"mobile": mobile, "text": text, "sign": self.sign}, ensure_ascii=False)
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            self.url,
            data=payload.encode("utf-8"),
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Accept": "application/json",
                "Authorization": f"Bearer {self.token}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                status = response.status
                body = response.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as e:
            # urlopen raises for every non-2xx answer (after following redirects).
            raise GatewayError(f"短信网关返回 HTTP {e.code}") from None
        except TimeoutError:
            raise GatewayError(f"短信网关超时（{self.timeout:g}秒）") from None
        except urllib.error.URLError as e:
            if isinstance(e.reason, TimeoutError):
                raise GatewayError(f"短信网关超时（{self.timeout:g}秒）") from None
            raise GatewayError(f"无法连接短信网关：{e.reason}") from None
        except OSError as e:
            # A connection reset while reading the body, and the like.
            raise GatewayError(f"短信网关连接中断：{e}") from None
        if not 200 <= status < 300:
            raise GatewayError(f"短信网关返回 HTTP {status}")
        if len(body) > MAX_RESPONSE_BYTES:
            raise GatewayError("短信网关应答过长")
        try:
            answer = json.loads(body)
        except ValueError:
            raise GatewayError("短信网关应答不是有效的 JSON") from None
        message_id = answer.get("id") if isinstance(answer, dict) else None
        if not isinstance(message_id, str | int) or isinstance(message_id, bool) or message_id == "":
            raise GatewayError("短信网关应答缺少消息编号 id")
        return str(message_id)


def get_gateway() -> SmsGateway:
    """The gateway chosen by settings.SMS_GATEWAY (checked at start-up in settings)."""
    if settings.SMS_GATEWAY == "http":
        return HttpGateway.from_settings()
    return ConsoleGateway()
