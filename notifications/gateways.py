"""SMS gateway adapters: the one place where a text leaves the portal.

`ConsoleGateway` works out of the box (it writes the text to the log); `HttpGateway` posts to
a provider's HTTP API. Both are called only by the worker, never inside a request or a
transaction, because a slow provider must not hold database locks."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Protocol

from django.conf import settings

from lib.httpclient import PostFailed, answer_id, json_post, url_check
from lib.logs import DEMO_SMS
from lib.masking import mask_mobile

logger = logging.getLogger(__name__)


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
        url_check(url, setting="SMS_HTTP_URL")
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
        try:
            answer = json_post(
                url=self.url,
                body=payload.encode("utf-8"),
                headers={"Authorization": f"Bearer {self.token}"},
                timeout=self.timeout,
                peer="短信网关",
            )
        except PostFailed as e:
            raise GatewayError(str(e)) from None
        message_id = answer_id(answer)
        if message_id is None:
            raise GatewayError("短信网关应答缺少消息编号 id")
        return message_id


def get_gateway() -> SmsGateway:
    """The gateway chosen by settings.SMS_GATEWAY (checked at start-up in settings)."""
    if settings.SMS_GATEWAY == "http":
        return HttpGateway.from_settings()
    return ConsoleGateway()
