from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from portal.demo import demo_history, demo_newcomers, seed_demo


class Command(BaseCommand):
    help = "创建或刷新演示账号，并打印登录信息（仅用于演示环境）"

    def handle(self, *args: Any, **options: Any) -> None:
        logins = seed_demo()
        history = demo_history()
        self.stdout.write("")
        self.stdout.write(f"演示账号（门户地址 {settings.SITE_URL}/ ）：")
        for login in logins:
            self.stdout.write(f"  {login.role}")
            self.stdout.write(
                f"      登录页 {login.login_page}   账号 {login.account}   密码 {login.password}"
            )
        people, (company, uscc, legal) = demo_newcomers()
        self.stdout.write("")
        self.stdout.write(
            "可用于试一试“注册”的实名身份（演示实名目录中已有、尚未注册；手机号可任填未被使用的）："
        )
        for person in people:
            self.stdout.write(
                f"  个人：姓名 {person.name}   证件类型 居民身份证   证件号码 {person.id_number}"
            )
        self.stdout.write(f"  法人：单位名称 {company}   统一社会信用代码 {uscc}   法定代表人 {legal}")
        self.stdout.write(
            "      （经办人须为实名目录中的人员，例如上面的个人；"
            "其他身份可由安全管理员在后台“实名目录”中添加）"
        )
        self.stdout.write("")
        self.stdout.write("  演示环境不真的发短信：验证码显示在本窗口的日志里（SMS to 138****8000: …）。")
        if history:
            self.stdout.write(f"  已生成近12个月的历史办件 {history} 件，供科室负责人的“统计分析”页面展示。")
        self.stdout.write("")
