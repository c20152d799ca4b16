from __future__ import annotations

import re
import time
from typing import Any
from unittest import mock

from accounts.models import User
from lib.antibot import HONEYPOT_FIELD, STAMP_FIELD, form_stamp
from lib.datacrypt import mobile_index
from notifications.models import SmsMessage


def last_code(mobile: str) -> str:
    """The code of the newest SMS sent to `mobile`, read from the outbox as a person reads
    their phone."""
    message = SmsMessage.objects.filter(mobile_index=mobile_index(mobile)).latest("id")
    found = re.search(r"验证码为(\d{6})", message.text)
    assert found, message.text
    return found.group(1)


def human_fields(*, seconds_ago: int = 60) -> dict[str, str]:
    """What a person's browser sends with the register form or the SMS-code request: the
    signed stamp of a page shown a while ago, and the hidden honeypot field left empty."""
    with mock.patch("lib.antibot.time.time", return_value=time.time() - seconds_ago):
        stamp = form_stamp()
    return {STAMP_FIELD: stamp, HONEYPOT_FIELD: ""}


def sms_login(client: Any, user: User) -> Any:
    """What a person does for 短信验证码登录: ask for a code, read it, log in with it."""
    client.post(
        "/accounts/sms-code/",
        {**human_fields(), "mobile": user.mobile, "purpose": "login", "kind": user.kind},
    )
    return client.post(
        "/accounts/login/",
        {"kind": user.kind, "method": "sms", "mobile": user.mobile, "sms_code": last_code(user.mobile)},
    )
