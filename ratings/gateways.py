"""Adapters to the provincial 好差评 system (辽宁省政务服务“好差评”系统): the one place a
rating leaves the portal. `ConsoleRatingGateway` works out of the box (it writes the rating to
the log); `HttpRatingGateway` posts it as docs/rating-push.md describes. Both are called only
by the worker, never inside a request or a transaction."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping
from typing import Any, Protocol

from django.conf import settings

from lib.httpclient import PostFailed, answer_id, json_post, url_check

logger = logging.getLogger(__name__)


class RatingGatewayError(Exception):
    """The system did not take the rating; the text is a short reason for the outbox row."""


class RatingGateway(Protocol):
    def push(self, *, payload: Mapping[str, Any]) -> str:
        """Hand one rating to the provincial system and return its receipt number. The
        payload's `ratingId` is the idempotency key: the same rating pushed twice (a worker
        that died after the system took it) is one rating there."""
        ...


class ConsoleRatingGateway:
    """Logs the rating, for development and demos. The payload holds no personal data."""

    def push(self, *, payload: Mapping[str, Any]) -> str:
        logger.info(
            "DEMO console 好差评 gateway, nothing is sent: rating %s of case %s: %s",
            payload.get("ratingId"),
            payload.get("caseNumber"),
            payload.get("levelName"),
        )
        return f"console-{uuid.uuid4().hex}"


class HttpRatingGateway:
    """POST {payload} as JSON with a bearer token and an Idempotency-Key header; a 2xx answer
    {"receiptId": ...} means the provincial system has the rating."""

    def __init__(self, *, url: str, token: str, timeout: float) -> None:
        url_check(url, setting="RATING_HTTP_URL")
        self.url = url
        self.token = token
        self.timeout = timeout

    @classmethod
    def from_settings(cls) -> HttpRatingGateway:
        return cls(
            url=settings.RATING_HTTP_URL,
            token=settings.RATING_HTTP_TOKEN,
            timeout=settings.RATING_HTTP_TIMEOUT,
        )

    def push(self, *, payload: Mapping[str, Any]) -> str:
        try:
            answer = json_post(
                url=self.url,
                body=json.dumps(dict(payload), ensure_ascii=False).encode("utf-8"),
                headers={
                    "Authorization": f"Bearer {self.token}",
                    "Idempotency-Key": str(payload["ratingId"]),
                },
                timeout=self.timeout,
                peer="省好差评系统",
            )
        except PostFailed as e:
            raise RatingGatewayError(str(e)) from None
        receipt = answer_id(answer, key="receiptId")
        if receipt is None:
            raise RatingGatewayError("省好差评系统应答缺少回执编号 receiptId")
        return receipt


def get_rating_gateway() -> RatingGateway:
    """The gateway chosen by settings.RATING_GATEWAY (checked at start-up in settings)."""
    if settings.RATING_GATEWAY == "http":
        return HttpRatingGateway.from_settings()
    return ConsoleRatingGateway()
