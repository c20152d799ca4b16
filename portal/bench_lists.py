"""`make bench`, the lists at 100,000 cases (issue 14): the workbench's default tab and two
others, 我的办件 of an applicant with 1,000 cases and 注册人员查询 over a register of 20,000,
each with its median and p95, its queries per page, beside its goal and a bare view measured in
the same run, on the bench's database (SQLite, or PostgreSQL with BENCH_DATABASE_URL).

The cases are written in bulk as `bench_figures` writes them (`figures.history`), into the
workbench's own department (the worst case for its lists), 1,000 of them to the 我的办件
applicant; the register's people, registrations and specialties in bulk too. Each request goes
to the WSGI application as gunicorn hands it one (`portal.bench_pages`), signed in by its
session cookie; times are wall-clock, so that PostgreSQL's work in its own process counts."""

from __future__ import annotations

import functools
import io
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from unittest import mock
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string

from accounts.models import IdType, User, UserKind
from cases.answers import department_counts_replace
from cases.models import Case, CaseStatus
from catalog.registration_types import ProceedingKind
from catalog.specialties import Specialty
from figures.history import BATCH, NAMES, history_build
from lib.idcard import id_number_check_char
from portal.bench_urls import BARE_PATH
from ratings.models import RatingLevel
from ratings.services import rating_submit
from registry.models import Person, RegisteredSpecialty, Registration
from registry.selectors import registration_for_public_query

HOST = "127.0.0.1"
# Issue 14: the workbench and 我的办件 at 100,000 cases, p50 at most this on PostgreSQL.
LISTS_GOAL_SECONDS = 0.050
# The applicant whose 我的办件 is measured, and how many cases they have.
MINE_CASES = 1_000
# People in the register the public query looks one up among (a fifth of the cases).
REGISTER_SHARE = 5
MINE_USERNAME = "bench-mine"


@dataclass(frozen=True)
class ListPage:
    label: str
    path: str
    query: str = ""
    session: str = ""
    form: dict[str, str] | None = None  # POSTed with a CSRF cookie and token, as a browser does
    # Called before each view: what a change does to the kept answers the page reads (a case
    # of the department changing status, a rating coming in).
    forget: Callable[[], None] | None = None


def _environ(page: ListPage) -> dict[str, Any]:
    cookies = {settings.SESSION_COOKIE_NAME: page.session} if page.session else {}
    body = b""
    environ: dict[str, Any] = {"REQUEST_METHOD": "GET"}
    if page.form is not None:
        token = get_random_string(32)
        cookies[settings.CSRF_COOKIE_NAME] = token
        body = urlencode({**page.form, "csrfmiddlewaretoken": token}).encode()
        environ = {
            "REQUEST_METHOD": "POST",
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "CONTENT_LENGTH": str(len(body)),
        }
    return {
        **environ,
        "SCRIPT_NAME": "",
        "PATH_INFO": page.path,
        "QUERY_STRING": page.query,
        "SERVER_NAME": HOST,
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": HOST,
        "HTTP_ACCEPT": "text/html",
        "HTTP_COOKIE": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        "REMOTE_ADDR": HOST,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def _get(app: WSGIHandler, page: ListPage) -> tuple[str, bytes]:
    status: list[str] = []

    def start_response(line: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        status.append(line)
        return None

    result = app(_environ(page), start_response)
    try:
        body = b"".join(result)
    finally:
        result.close()  # HttpResponse: request_finished
    return status[0], body


def _person(first17: str, name: str) -> User:
    return User.objects.create(
        username=MINE_USERNAME,
        password=make_password(None),  # nobody signs in with a password: the session is made
        kind=UserKind.PERSON,
        name=name,
        id_type=IdType.RESIDENT,
        id_number=first17 + id_number_check_char(first17),
        real_name_verified_at=timezone.now(),
    )


def register_load(*, people: int, case: Case) -> Registration:
    """`people` registered persons, each with a registration and one specialty, in bulk;
    return the last (the one the query asks for, found among all the others)."""
    today = timezone.localdate()
    first17 = [f"21020319{i // 10000:02d}{i % 10000:04d}{i % 997:03d}" for i in range(people)]
    persons = [
        Person(
            id_type=IdType.RESIDENT,
            id_number=digits + id_number_check_char(digits),
            name=NAMES[i % len(NAMES)],
            sex="男" if i % 2 else "女",
            birth_date=date(1980, 1, 1) + timedelta(days=i % 7000),
        )
        for i, digits in enumerate(first17)
    ]
    with transaction.atomic():
        made = Person.objects.bulk_create(persons, batch_size=BATCH)
        registrations = Registration.objects.bulk_create(
            [
                Registration(
                    person=person,
                    number=f"辽221{2000 + i % 25}2024{i:06d}",
                    qualification_number=f"LNZG{i:08d}",
                    qualification_year=2000 + i % 25,
                    employer_name="辽宁性能测试建设有限公司",
                    employer_uscc="91210100MA0BENCH00",
                    first_registered_on=today - timedelta(days=400),
                    issued_on=today - timedelta(days=400),
                    created_by_case=case,
                )
                for i, person in enumerate(made)
            ],
            batch_size=BATCH,
        )
        RegisteredSpecialty.objects.bulk_create(
            [
                RegisteredSpecialty(
                    registration=r,
                    specialty=Specialty.values[0],
                    valid_from=today - timedelta(days=400),
                    valid_to=today + timedelta(days=1000),
                )
                for r in registrations
            ],
            batch_size=BATCH,
        )
    return registrations[-1]


def lists_load(
    *, cases: int, out: Callable[[str], None], acceptor: User, mine_cases: int
) -> tuple[User, Registration]:
    """The department's history up to `cases` (what `bench_figures` wrote counts), 我的办件's
    applicant with `mine_cases` of them, and the register; return the applicant
    and the registration the query asks for."""
    department = acceptor.department
    assert department is not None
    start = time.perf_counter()
    mine = User.objects.filter(username=MINE_USERNAME).first()
    if mine is None:
        mine = _person("21010219900101555", "王芳")
        history_build(department=department, cases=mine_cases, applicant=mine, seed=14)
    have = Case.objects.filter(department=department).count()
    if have < cases:
        history_build(department=department, cases=cases - have)
    case = Case.objects.filter(department=department, status=CaseStatus.APPROVED).order_by("id").first()
    assert case is not None
    people = max(cases // REGISTER_SHARE, 1)
    if Registration.objects.count() < people:  # a database loaded before keeps its register
        register_load(people=people, case=case)
    registration = Registration.objects.select_related("person").order_by("-id")[0]
    _counts_forget(department.pk)
    if connection.vendor == "postgresql":
        # As autovacuum leaves a table some time after a load: statistics and visibility map.
        # VACUUM cannot run inside a transaction (a test's): there, the statistics only.
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        with connection.cursor() as cursor:
            for model in (Case, Person, Registration, RegisteredSpecialty):
                cursor.execute(f"{command} {model._meta.db_table}")
    out(
        f"列表基准：写入办件至本部门 {Case.objects.filter(department=department).count()} 件"
        f"（其中“我的办件”申请人 {Case.objects.filter(applicant=mine).count()} 件），"
        f"注册人员 {Registration.objects.count()} 人：{time.perf_counter() - start:.1f} s"
    )
    return mine, registration


def _counts_forget(department_id: int) -> None:
    """What the services do when a case of the department changes status (and what the bulk
    load must say, having gone round them)."""
    department_counts_replace(department_id=department_id)


def _ratings_coming(*, department_id: int, count: int) -> Callable[[], None]:
    """Before each view of its line: the applicant of one more of the department's ended cases
    rates it, through the service, which moves the department's 好差评 tally as it does in use."""
    unrated = iter(
        Case.objects.filter(department_id=department_id, status=CaseStatus.APPROVED, rating__isnull=True)
        # 撤销 and 强制注销 are the authority's acts: nobody rates them (ratings.services).
        .exclude(item__code__in=ProceedingKind.values)
        .select_related("applicant", "item")
        .order_by("id")[:count]
    )

    def rate() -> None:
        case = next(unrated)
        rating_submit(case=case, user=case.applicant, level=RatingLevel.VERY_SATISFIED)

    return rate


def _session(user: User) -> str:
    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@contextmanager
def _query_limit_off() -> Iterator[None]:
    """注册人员查询 is limited per address and number (lib.ratelimit): the benchmark asks the
    same question hundreds of times from one address, which the limit rightly refuses."""
    with mock.patch("registry.views.limit_refusal", return_value=""):
        yield


def _explain(sql: str, params: Any) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN {sql}", params)
            return " / ".join(row[0].strip() for row in cursor.fetchall())
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return " / ".join(str(row[-1]) for row in cursor.fetchall())


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def bench_lists(
    *,
    cases: int,
    runs: int,
    out: Callable[[str], None],
    acceptor: User | None = None,
    mine_cases: int = MINE_CASES,
) -> None:
    """`acceptor`: the 受理人员 whose workbench is measured (the demo's 受理员刘洋)."""
    acceptor = acceptor or User.objects.get(username="shouli")
    mine, registration = lists_load(cases=cases, out=out, acceptor=acceptor, mine_cases=mine_cases)
    staff, applicant = _session(acceptor), _session(mine)
    department_id = acceptor.department_id
    assert department_id is not None, "the workbench's user works in a department"
    queue = reverse("review:queue")
    pages = [
        ListPage("工作台 · 待受理（默认）", queue, session=staff),
        # A status change replaces the tab counts (cases.answers): the first view after it
        # counts again, here before every view. A new rating moves the 好差评 tally, which
        # every view reads (ADR 0034): the line shows that it costs the view nothing.
        ListPage(
            "工作台 · 待受理，每次浏览前都有办件状态变化（页签计数重新数）",
            queue,
            session=staff,
            forget=functools.partial(department_counts_replace, department_id=department_id),
        ),
        ListPage(
            "工作台 · 待受理，每次浏览前都有新的评价（好差评统计随之更新）",
            queue,
            session=staff,
            # The warm-up's view and each run's.
            forget=_ratings_coming(department_id=department_id, count=runs + 1),
        ),
        ListPage("工作台 · 已办结", queue, "status=finished", session=staff),
        ListPage("工作台 · 全部", queue, "status=all", session=staff),
        ListPage(f"我的办件（{mine_cases:,} 件）", reverse("cases:mine"), session=applicant),
        ListPage(
            "注册人员查询（姓名+编号）",
            reverse("registry:query"),
            form={"name": registration.person.name, "number": registration.number.lower()},
        ),
    ]
    bare = ListPage("空视图", BARE_PATH)
    times: dict[str, list[float]] = {p.label: [] for p in [bare, *pages]}
    cpu: dict[str, list[float]] = {p.label: [] for p in [bare, *pages]}
    queries: dict[str, int] = {}
    sql_ms: dict[str, float] = {}  # one view's SQL, as Django times it: the database's share
    with override_settings(ROOT_URLCONF="portal.bench_urls"), _query_limit_off():
        app = WSGIHandler()
        for page in [bare, *pages]:  # warm: templates, URL resolvers, the connection
            for _ in range(3):
                line, _ = _get(app, page)
                assert line.startswith("200"), f"{page.label}: {line}"
            if page.forget is not None:
                page.forget()
            with CaptureQueriesContext(connection) as captured:
                _get(app, page)
            queries[page.label] = len(captured.captured_queries)
            sql_ms[page.label] = sum(float(q["time"]) for q in captured.captured_queries) * 1000
        for _ in range(runs):  # taking turns, so that the machine's other work spreads evenly
            for page in [bare, *pages]:
                if page.forget is not None:
                    page.forget()
                start, start_cpu = time.perf_counter(), time.process_time()
                _get(app, page)
                times[page.label].append(time.perf_counter() - start)
                cpu[page.label].append(time.process_time() - start_cpu)
    engine = connection.vendor
    out(
        f"列表页（进程内，完整 Django 请求处理，单进程，每页 {runs} 次交替；墙钟时间，"
        f"及本进程 CPU 时间（SQLite 在本进程内工作，机器繁忙时以它为准），数据库 {engine}）"
    )
    bare_wall, bare_cpu = statistics.median(times[bare.label]), statistics.median(cpu[bare.label])
    out(
        f"    参照：空视图（同一进程、同一次运行）中位数 {bare_wall * 1000:.1f} ms，"
        f"CPU {bare_cpu * 1000:.1f} ms"
    )
    for page in pages:
        median, p95 = statistics.median(times[page.label]), _percentile(times[page.label], 0.95)
        verdict = "达到" if median <= LISTS_GOAL_SECONDS else "未达到"
        out(
            f"    {page.label}：中位数 {median * 1000:.1f} ms，p95 {p95 * 1000:.1f} ms，"
            f"CPU 中位数 {statistics.median(cpu[page.label]) * 1000:.1f} ms；"
            f"SQL {queries[page.label]} 条，共 {sql_ms[page.label]:.1f} ms"
            f"（目标：PostgreSQL 上中位数 ≤ {LISTS_GOAL_SECONDS * 1000:.0f} ms，此处 {engine} {verdict}；"
            "条数不随行数增长）"
        )
    with CaptureQueriesContext(connection) as captured:
        registration_for_public_query(name=registration.person.name, number=registration.number.lower())
    lookup = next(q["sql"] for q in captured.captured_queries if "registry_registration" in q["sql"])
    plan = _explain(lookup, None)
    used = "registry_number_upper" in plan
    out(f"    注册人员查询的执行计划（{'使用索引 registry_number_upper' if used else '未使用索引'}）：{plan}")
