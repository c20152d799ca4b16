"""One JSON POST to an outside system's HTTP API, with the failures an outbox retries told
apart in plain Chinese. Used by the gateway adapters (the SMS provider, the provincial 好差评
system); each names itself in the messages (「短信网关返回 HTTP 503」)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

# Enough for any provider's answer; a bigger body is not an answer we understand.
MAX_RESPONSE_BYTES = 64 * 1024


class JsonPostError(Exception):
    """The system did not take the request; the text is a short reason for an outbox row."""


def http_url_checked(url: str, *, setting: str) -> str:
    """`url`, if it is an http(s) address. urlopen would also open file:// and ftp://
    addresses: a settings typo must not turn a gateway into a local file reader."""
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"{setting} must be an http(s) address, not {url!r}")
    return url


def json_post(
    *, url: str, payload: Mapping[str, Any], headers: Mapping[str, str], timeout: float, name: str
) -> Any:
    """POST `payload` as JSON to `url` (checked by `http_url_checked`) and return the parsed
    2xx answer; raise JsonPostError naming `name` for anything else."""
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked by http_url_checked
        url,
        data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "Accept": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status = response.status
            body = response.read(MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as e:
        # urlopen raises for every non-2xx answer (after following redirects).
        raise JsonPostError(f"{name}返回 HTTP {e.code}") from None
    except TimeoutError:
        raise JsonPostError(f"{name}超时（{timeout:g}秒）") from None
    except urllib.error.URLError as e:
        if isinstance(e.reason, TimeoutError):
            raise JsonPostError(f"{name}超时（{timeout:g}秒）") from None
        raise JsonPostError(f"无法连接{name}：{e.reason}") from None
    except OSError as e:
        # A connection reset while reading the body, and the like.
        raise JsonPostError(f"{name}连接中断：{e}") from None
    if not 200 <= status < 300:
        raise JsonPostError(f"{name}返回 HTTP {status}")
    if len(body) > MAX_RESPONSE_BYTES:
        raise JsonPostError(f"{name}应答过长")
    try:
        return json.loads(body)
    except ValueError:
        raise JsonPostError(f"{name}应答不是有效的 JSON") from None


def answer_id(answer: Any, *, key: str = "id") -> str | None:
    """The non-empty string or integer under `key` of a JSON object answer, as text."""
    value = answer.get(key) if isinstance(answer, dict) else None
    if not isinstance(value, str | int) or isinstance(value, bool) or value == "":
        return None
    return str(value)
