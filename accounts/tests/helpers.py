from __future__ import annotations

import re
import time
from unittest import mock

from lib.antibot import HONEYPOT_FIELD, STAMP_FIELD, form_stamp
from notifications.models import SmsMessage


def last_code(mobile: str) -> str:
    """The code of the newest SMS sent to `mobile`, read from the outbox as a person reads
    their phone."""
    message = SmsMessage.objects.filter(mobile=mobile).latest("id")
    found = re.search(r"验证码为(\d{6})", message.text)
    assert found, message.text
    return found.group(1)


def human_fields(*, seconds_ago: int = 60) -> dict[str, str]:
    """What a person's browser sends with the register form or the SMS-code request: the
    signed stamp of a page shown a while ago, and the hidden honeypot field left empty."""
    with mock.patch("lib.antibot.time.time", return_value=time.time() - seconds_ago):
        stamp = form_stamp()
    return {STAMP_FIELD: stamp, HONEYPOT_FIELD: ""}
