"""Posting to another system: the one place that calls urllib for the outbound adapters (the
SMS gateway, the data-sharing receivers, the time-stamping service), so that every failure
becomes one short Chinese reason for an outbox row, with the HTTP status when there was one.

Only the worker calls it, never a request or a transaction: a slow peer must not hold locks."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping

# Enough for any answer we understand; a bigger body is not one.
MAX_RESPONSE_BYTES = 64 * 1024


class PostFailed(Exception):
    """The peer did not take the request. `str()` is the reason for the outbox row; `status`
    the HTTP status when the peer answered one (None for no answer, or a 2xx not understood)."""

    def __init__(self, reason: str, *, status: int | None = None) -> None:
        super().__init__(reason)
        self.status = status


def url_check(url: str, *, setting: str) -> None:
    """urlopen would also open file:// and ftp:// addresses: a settings typo must not turn an
    adapter into a local file reader."""
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"{setting} must be an http(s) address, not {url!r}")


def _post(
    *,
    url: str,
    body: bytes | None,
    headers: Mapping[str, str],
    timeout: float,
    peer: str,
    max_bytes: int = MAX_RESPONSE_BYTES,
) -> bytes:
    """POST `body` to `url` (GET when it is None); the body of a 2xx answer, PostFailed otherwise."""
    method = "GET" if body is None else "POST"
    request = urllib.request.Request(url, data=body, method=method, headers=dict(headers))  # noqa: S310 - the scheme is checked by url_check
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status = response.status
            answer: bytes = response.read(max_bytes + 1)
    except urllib.error.HTTPError as e:
        # urlopen raises for every non-2xx answer (after following redirects).
        raise PostFailed(f"{peer}返回 HTTP {e.code}", status=e.code) from None
    except TimeoutError:
        raise PostFailed(f"{peer}超时（{timeout:g}秒）") from None
    except urllib.error.URLError as e:
        if isinstance(e.reason, TimeoutError):
            raise PostFailed(f"{peer}超时（{timeout:g}秒）") from None
        raise PostFailed(f"无法连接{peer}：{e.reason}") from None
    except OSError as e:
        # A connection reset while reading the body, and the like.
        raise PostFailed(f"{peer}连接中断：{e}") from None
    if not 200 <= status < 300:
        raise PostFailed(f"{peer}返回 HTTP {status}", status=status)
    if len(answer) > max_bytes:
        raise PostFailed(f"{peer}应答过长")
    return answer


def json_post(*, url: str, body: bytes, headers: Mapping[str, str], timeout: float, peer: str) -> object:
    """POST `body` (JSON) to `url` and return the parsed JSON of a 2xx answer; PostFailed
    otherwise, its reason naming `peer` (e.g. "短信网关"). The caller checked `url` with
    `url_check` when it was configured."""
    answer = _post(
        url=url,
        body=body,
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            **headers,
        },
        timeout=timeout,
        peer=peer,
    )
    try:
        parsed: object = json.loads(answer)
    except ValueError:
        raise PostFailed(f"{peer}应答不是有效的 JSON") from None
    return parsed


def binary_post(*, url: str, body: bytes, content_type: str, accept: str, timeout: float, peer: str) -> bytes:
    """POST `body` of `content_type` to `url` and return the bytes of a 2xx answer (at most
    MAX_RESPONSE_BYTES); PostFailed as for `json_post`. For protocols that are not JSON: an
    RFC 3161 time-stamp query, a certificate revocation list."""
    return _post(
        url=url,
        body=body,
        headers={"Content-Type": content_type, "Accept": accept},
        timeout=timeout,
        peer=peer,
    )


def binary_get(*, url: str, accept: str, timeout: float, peer: str, max_bytes: int) -> bytes:
    """GET `url` and return the bytes of a 2xx answer (at most `max_bytes`); PostFailed as
    for `json_post`. For a certificate revocation list."""
    return _post(
        url=url, body=None, headers={"Accept": accept}, timeout=timeout, peer=peer, max_bytes=max_bytes
    )


def answer_id(answer: object, *, key: str = "id") -> str | None:
    """The non-empty string or integer under `key` of a JSON object answer, as text: the
    receipt a receiver gives for what it accepted."""
    value = answer.get(key) if isinstance(answer, dict) else None
    if not isinstance(value, str | int) or isinstance(value, bool) or value == "":
        return None
    return str(value)
