from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from portal.bench import database_fresh, run


class Command(BaseCommand):
    help = (
        "性能基准：签发加注件的耗时分布、公开核验页吞吐、加注点击到可下载的时间、统计分析页"
        "、保存并提交、10 万件办件下的列表页、工作进程内存（请在专用数据库上运行：make bench）"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--fresh",
            action="store_true",
            help=(
                "先清空基准数据库（PostgreSQL 上删除 public 模式的全部内容），"
                "再建表、密钥、目录与演示数据（make bench 使用）"
            ),
        )
        parser.add_argument("--runs", type=int, default=200, help="签发次数（至少 200）")
        parser.add_argument("--clicks", type=int, default=30, help="加注点击次数")
        parser.add_argument(
            "--figures-cases", type=int, default=100_000, help="统计分析页基准所用的历史办件数"
        )
        parser.add_argument("--only-figures", action="store_true", help="只测统计分析页")
        parser.add_argument("--submits", type=int, default=200, help="保存并提交次数（另重放其中 10%%）")
        parser.add_argument("--only-submit", action="store_true", help="只测保存并提交")
        parser.add_argument(
            "--memory-requests",
            type=int,
            default=10_000,
            help="内存基准的混合请求数（另受 --memory-seconds 限制）",
        )
        parser.add_argument("--memory-seconds", type=float, default=60.0, help="内存基准混合负载的时限（秒）")
        parser.add_argument("--only-memory", action="store_true", help="只测 Web 与任务工作进程的内存")
        parser.add_argument(
            "--only-issuing",
            action="store_true",
            help="只测签发加注件（进程内耗时、新工作进程首份与第十份、callgrind 每份指令数与下限）",
        )
        parser.add_argument("--only-ready", action="store_true", help="只测加注点击到可下载")
        parser.add_argument("--only-pages", action="store_true", help="只测公开页面吞吐（与空视图对比）")
        parser.add_argument(
            "--only-lists",
            action="store_true",
            help="只测 10 万件办件下的审批工作台、我的办件与注册人员查询（件数同 --figures-cases）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["fresh"]:
            database_fresh()
        run(
            runs=max(options["runs"], 1),
            clicks=max(options["clicks"], 1),
            out=self.stdout.write,
            figures_cases=max(options["figures_cases"], 1),
            only_figures=options["only_figures"],
            submits=max(options["submits"], 1),
            only_submit=options["only_submit"],
            only_pages=options["only_pages"],
            only_lists=options["only_lists"],
            memory_requests=max(options["memory_requests"], 1),
            memory_seconds=max(options["memory_seconds"], 1.0),
            only_memory=options["only_memory"],
            only_issuing=options["only_issuing"],
            only_ready=options["only_ready"],
        )
