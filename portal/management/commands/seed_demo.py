from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from portal.demo import seed_demo


class Command(BaseCommand):
    help = "创建或刷新演示账号，并打印登录信息（仅用于演示环境）"

    def handle(self, *args: Any, **options: Any) -> None:
        logins = seed_demo()
        self.stdout.write("")
        self.stdout.write(f"演示账号（门户地址 {settings.SITE_URL}/ ）：")
        for login in logins:
            self.stdout.write(f"  {login.role}")
            self.stdout.write(
                f"      登录页 {login.login_page}   账号 {login.account}   密码 {login.password}"
            )
        self.stdout.write("  演示环境不真的发短信：验证码显示在本窗口的日志里（SMS to 138****8000: …）。")
        self.stdout.write("")
