"""The staff password rule, on top of Django's validators (length 8, common passwords,
all-digit passwords) that apply to everyone."""

from __future__ import annotations

import string
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

STAFF_MIN_LENGTH = 10


def _character_classes(password: str) -> int:
    return sum(
        [
            any(c in string.ascii_lowercase for c in password),
            any(c in string.ascii_uppercase for c in password),
            any(c in string.digits for c in password),
            any(not c.isalnum() for c in password),
        ]
    )


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's rule with a Chinese message: Django 5.2 changed the English text and its
    Simplified Chinese translation has not caught up, so users would read English."""

    def get_error_message(self) -> str:
        return f"密码长度太短，至少需要{self.min_length}个字符。"

    def get_help_text(self) -> str:
        return f"密码至少需要{self.min_length}个字符。"


class StaffPasswordValidator:
    """Staff hold the power to decide cases, so their passwords are longer and mixed."""

    def validate(self, password: str, user: Any = None) -> None:
        if getattr(user, "kind", None) != "staff":
            return
        if len(password) < STAFF_MIN_LENGTH or _character_classes(password) < 3:
            raise ValidationError(
                "工作人员密码至少10位，并包含大写字母、小写字母、数字、符号中的至少三类。",
                code="staff_password_weak",
            )

    def get_help_text(self) -> str:
        return "工作人员密码至少10位，并包含大写字母、小写字母、数字、符号中的至少三类。"
