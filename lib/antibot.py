"""Anti-automation that an elderly user passes without noticing: no picture puzzles.

Two checks on registration and on the 「获取验证码」 request:
- a honeypot: an input named `website` that people never see (hidden from the eye and from
  screen readers) but that form-filling scripts fill in;
- a signed time stamp (django.core.signing, so it cannot be forged or edited) of when the page
  was shown: a person needs a few seconds to type a name and a mobile, a script does not, and
  a page left open for hours is stale.
Neither stops a determined attacker; the rate limits (lib/ratelimit.py) do the rest."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core import signing

HONEYPOT_FIELD = "website"
STAMP_FIELD = "form_stamp"
_SALT = "lib.antibot.form-stamp"

REFUSE_HONEYPOT = "提交未成功：请将“请勿填写”一栏留空后重新提交"
REFUSE_TOO_FAST = "操作过快，请稍等几秒后再试"
REFUSE_STALE = "页面已过期，请刷新页面后重试"


def _issued_at(stamp: str) -> float | None:
    try:
        value = signing.loads(stamp, salt=_SALT)
    except signing.BadSignature:
        return None
    return float(value) if isinstance(value, int | float) else None


def form_stamp(*, previous: str = "") -> str:
    """A signed note of when the page was shown. A form shown again after an error keeps its
    valid stamp (`previous`), so that its age goes on counting from the first showing."""
    issued = _issued_at(previous) if previous else None
    if issued is not None and time.time() - issued <= settings.FORM_MAX_AGE_SECONDS:
        return previous
    return signing.dumps(int(time.time()), salt=_SALT)


def antibot_refusal(data: Mapping[str, Any]) -> str:
    """The refusal to show (in Chinese) when a submitted form looks automated, else ""."""
    if str(data.get(HONEYPOT_FIELD) or "").strip():
        return REFUSE_HONEYPOT
    issued = _issued_at(str(data.get(STAMP_FIELD) or ""))
    if issued is None:
        return REFUSE_STALE
    age = time.time() - issued
    if age > settings.FORM_MAX_AGE_SECONDS:
        return REFUSE_STALE
    if age < settings.FORM_MIN_SECONDS:
        return REFUSE_TOO_FAST
    return ""
