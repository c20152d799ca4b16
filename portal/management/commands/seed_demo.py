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
        self.stdout.write(
            "  短信验证码不会真的发出：在运行窗口的日志里（SMS to …），或管理后台“短信”列表中查看。"
        )
        self.stdout.write("")
