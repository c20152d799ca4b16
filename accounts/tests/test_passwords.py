from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import translation

from accounts.models import User, UserKind
from portal.test import BaseTestCase


class PasswordRulesTestCase(BaseTestCase):
    def assertRefused(self, password: str, kind: str, message: str) -> None:
        with translation.override("zh-hans"), self.assertRaises(ValidationError) as ctx:
            validate_password(password, user=User(kind=kind))
        self.assertIn(message, " ".join(ctx.exception.messages))

    def test_it_requires_eight_characters_and_refuses_common_ones(self):
        self.assertRefused("Ab-12", UserKind.PERSON, "至少需要8个字符")
        self.assertRefused("password123", UserKind.PERSON, "太常见")
        self.assertRefused("83920174", UserKind.PERSON, "密码只包含数字")
        validate_password("Jianzao-2026", user=User(kind=UserKind.PERSON))

    def test_staff_need_ten_characters_of_three_classes(self):
        self.assertRefused("jianzaoshi2026", UserKind.STAFF, "工作人员密码至少10位")
        self.assertRefused("Ab1-xyz", UserKind.STAFF, "工作人员密码至少10位")
        validate_password("Shenpi#2026-ln", user=User(kind=UserKind.STAFF))
        validate_password("Shenpi2026ln", user=User(kind=UserKind.STAFF))
