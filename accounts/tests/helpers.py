from __future__ import annotations

import re

from notifications.models import SmsMessage


def last_code(mobile: str) -> str:
    """The code of the newest SMS sent to `mobile`, read from the outbox as a person reads
    their phone."""
    message = SmsMessage.objects.filter(mobile=mobile).latest("id")
    found = re.search(r"验证码为(\d{6})", message.text)
    assert found, message.text
    return found.group(1)
