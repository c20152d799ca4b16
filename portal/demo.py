"""Demo accounts for the single-host quick start (`make run`). Never run on a real install:
the passwords are printed and published in the README."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw
from pypdf import PdfWriter

from accounts.models import (
    Enterprise,
    IdType,
    KnownEnterprise,
    KnownIdentity,
    StaffRole,
    User,
    UserKind,
    person_username_new,
)
from accounts.services import staff_create
from api.models import ApiScope, RelyingParty
from api.services import relying_party_create
from bulletins.models import Bulletin
from bulletins.services import bulletin_draft_prepare, bulletin_publish
from cases.deadlines import DUE_SOON_WORKDAYS, accept_due_on, accept_workdays
from cases.models import Case, ConfirmationAnswer, ConfirmationKind, ConfirmationStatus
from cases.services import attachment_add, case_draft_save, case_submit, confirmation_answer
from catalog.calendar import workday_add
from catalog.models import Department, ServiceItem
from catalog.registration_types import ProceedingKind, RegistrationType
from figures.history import history_applicant, history_build
from lib.datacrypt import identity_index
from lib.idcard import id_number_check_char
from lib.uploads import check_upload
from lib.uscc import uscc_check_char
from registry.models import RegisteredSpecialty, Registration
from review.services import case_accept, case_approve, case_review
from revocation.models import Ground
from revocation.services import proceeding_start

# Published demo passwords, printed by `make run`: not secrets.
APPLICANT_PASSWORD = "Jianzao-2026"  # noqa: S105
STAFF_PASSWORD = "Shenpi#2026-ln"  # noqa: S105
# The open API's demo relying party (docs/api.md's examples can be run against `make run`):
# published, like the passwords. A real party's key and secret are made by api.services.
DEMO_APP_KEY = "de0000000000000000000001"  # hex, as every app key (api/signing.py APP_KEY)
DEMO_API_SECRET = "demo-secret-published-in-docs-api-md-not-a-secret"  # noqa: S105


@dataclass(frozen=True)
class DemoLogin:
    role: str
    login_page: str
    account: str
    password: str


@dataclass(frozen=True)
class DemoIdentity:
    """An identity the demo's real-name directory knows and nobody has registered yet, for a
    newcomer to follow the manual's section 1 (注册) with."""

    name: str
    id_type: str
    id_number: str


# In the 实名目录, never registered by the demo: `make run` prints them for trying 注册.
NEWCOMERS = [("周杰", "21010419910101006"), ("吴敏", "21011219870808007"), ("郑华", "21021119930303008")]
# In the 企业登记目录, never registered by the demo: for trying 法人注册.
NEWCOMER_ENTERPRISE = ("辽宁新城建筑安装有限公司", "91210100MA0DEMX20", "陈明")
DEMO_AGENT = ("王五", "21010319800101002")


def demo_newcomers() -> tuple[list[DemoIdentity], tuple[str, str, str]]:
    """The directory's identities that are free for a newcomer to register with."""
    people = [
        DemoIdentity(name, IdType.RESIDENT, first17 + id_number_check_char(first17))
        for name, first17 in NEWCOMERS
    ]
    name, uscc17, legal = NEWCOMER_ENTERPRISE
    return people, (name, uscc17 + uscc_check_char(uscc17), legal)


def _demo_directory() -> None:
    """The demo's real-name and enterprise directories: the demo persons are added as they are
    made; here the newcomers, the demo enterprise's 经办人 and the newcomer enterprise."""
    people, (company_name, company_uscc, legal) = demo_newcomers()
    agent_name, agent17 = DEMO_AGENT
    people.append(DemoIdentity(agent_name, IdType.RESIDENT, agent17 + id_number_check_char(agent17)))
    for identity in people:
        KnownIdentity.objects.update_or_create(
            id_index=identity_index(id_type=identity.id_type, id_number=identity.id_number),
            defaults={
                "id_type": identity.id_type,
                "id_number": identity.id_number,
                "name": identity.name,
                "note": "演示数据",
            },
        )
    KnownEnterprise.objects.update_or_create(
        uscc=company_uscc, defaults={"name": company_name, "legal_representative": legal}
    )


@transaction.atomic
def seed_demo() -> list[DemoLogin]:
    """Create or refresh the demo accounts; returns what to print."""
    department = Department.objects.get(code="lnszjt")
    now = timezone.now()
    _demo_directory()

    person = _demo_person(first17="21010219850312001", name="张三", mobile="13800138000")

    uscc = "91210100MA0DEMX10"
    uscc += uscc_check_char(uscc)
    company, _ = User.objects.update_or_create(
        username=uscc,
        defaults={
            "kind": UserKind.LEGAL,
            "name": "辽宁示范建设工程有限公司",
            "id_type": "",
            "mobile": "13800138001",
            "real_name_verified_at": now,
        },
    )
    company.set_password(APPLICANT_PASSWORD)
    company.save()
    agent_name, agent17 = DEMO_AGENT
    Enterprise.objects.update_or_create(
        user=company,
        defaults={
            "uscc": uscc,
            "legal_representative": "李四",
            "agent_name": agent_name,
            "agent_id_number": agent17 + id_number_check_char(agent17),
            "verified_at": now,
        },
    )
    KnownEnterprise.objects.update_or_create(
        uscc=uscc, defaults={"name": company.name, "legal_representative": "李四"}
    )

    # Staff log in with a second factor: the code goes by SMS to these (demo) mobiles, and the
    # console gateway prints it in the run window's log.
    staff = [
        ("shouli", "受理员刘洋", StaffRole.ACCEPTOR, "13800138010"),
        ("shencha", "审查员陈静", StaffRole.REVIEWER, "13800138011"),
        ("shenpi", "审批员孙磊", StaffRole.DECIDER, "13800138012"),
        ("kezhang", "科室负责人马骏", StaffRole.LEADER, "13800138016"),
        # 三员分立: three administrators, each with his own pages of the admin site.
        ("admin", "系统管理员", StaffRole.ADMIN, "13800138013"),
        ("anquan", "安全管理员周敏", StaffRole.SECURITY, "13800138014"),
        ("shenji", "审计管理员吴昊", StaffRole.AUDITOR, "13800138015"),
    ]
    for username, name, role, mobile in staff:
        staff_create(
            username=username,
            name=name,
            role=role,
            department=department,
            password=STAFF_PASSWORD,
            mobile=mobile,
        )

    if not RelyingParty.objects.filter(app_key=DEMO_APP_KEY).exists():
        party, _ = relying_party_create(
            name="演示调用方（招标投标平台）",
            contact="演示联系人 024-00000000",
            scopes=list(ApiScope),
            per_minute=60,
            per_day=10_000,
            actor=User.objects.get(username="admin"),
        )
        # Demo data only: the published key and secret instead of the random ones.
        party.app_key, party.secret = DEMO_APP_KEY, DEMO_API_SECRET
        party.save(update_fields=["app_key", "secret"])

    waiting = _demo_person(first17="21010319880615002", name="李娜", mobile="13800138002")
    if not Case.objects.filter(applicant=waiting).exists():
        case = _demo_confirmed(
            _demo_initial_case(applicant=waiting, employer_name=company.name, employer_uscc=uscc)
        )
        # 督办 (ADR 25): submitted some days ago and still not accepted, so the 受理 limit has
        # passed and the case is on the 科室负责人's 督办 list. Demo data only: the case is
        # dated back (the services date a real one), its limit counted by the one rule.
        today = timezone.localdate()
        submitted_on = today - timedelta(days=7)
        while accept_due_on(submitted_on=submitted_on, days=accept_workdays(case.item)) >= today:
            submitted_on -= timedelta(days=1)  # a holiday week in between
        submitted_at = timezone.make_aware(datetime.combine(submitted_on, time(9, 30)))
        Case.objects.filter(pk=case.pk).update(
            submitted_at=submitted_at,
            submitted_on=submitted_on,
            accept_due=accept_due_on(submitted_on=submitted_on, days=accept_workdays(case.item)),
        )

    # In 审查中 with one working day left: 即将到期 on the 督办 list, and the 审查人员 may ask
    # for an extension or record a 特别程序 on its page.
    reviewing = _demo_person(first17="21010619850312008", name="周明", mobile="13800138007")
    if not Case.objects.filter(applicant=reviewing).exists():
        case = _demo_confirmed(
            _demo_initial_case(applicant=reviewing, employer_name=company.name, employer_uscc=uscc)
        )
        case = case_accept(case=case, actor=User.objects.get(username="shouli"), opinion="材料齐全，予以受理")
        Case.objects.filter(pk=case.pk).update(
            decision_due=workday_add(start=timezone.localdate(), days=DUE_SOON_WORKDAYS - 1)
        )

    # An application waiting for the company's 单位确认 (ADR 19): the company's login shows it
    # under 「待确认申请」, with 「确认」 and 「退回」.
    unconfirmed = _demo_person(first17="21010419900101009", name="陈晨", mobile="13800138006")
    if not Case.objects.filter(applicant=unconfirmed).exists():
        _demo_initial_case(applicant=unconfirmed, employer_name=company.name, employer_uscc=uscc)

    holder = _demo_person(first17="21010519800920003", name="王强", mobile="13800138003")
    if not Case.objects.filter(applicant=holder).exists():
        # A registration granted through the real steps, so 公示附件 → 加注 works at once, and
        # 增项, 变更, 注销 and 遗失补办 can be tried with it.
        _demo_granted(
            _demo_confirmed(
                _demo_initial_case(applicant=holder, employer_name=company.name, employer_uscc=uscc)
            )
        )

    renewing = _demo_person(first17="21010619780502004", name="赵刚", mobile="13800138004")
    if not Case.objects.filter(applicant=renewing).exists():
        case = _demo_initial_case(applicant=renewing, employer_name=company.name, employer_uscc=uscc)
        _demo_granted(_demo_confirmed(case))
        # Registered nearly three years ago: the 建筑工程 specialty ends in 60 days, inside the
        # 延续注册 window. Demo data only: a real register changes through cases alone.
        ends = timezone.localdate() + timedelta(days=60)
        RegisteredSpecialty.objects.filter(registration__person__id_index=renewing.id_index).update(
            valid_from=date(ends.year - 3, ends.month, 1), valid_to=ends
        )

    cancelled = _demo_person(first17="21020219820715005", name="孙丽", mobile="13800138005")
    if not Case.objects.filter(applicant=cancelled).exists():
        _demo_granted(
            _demo_confirmed(
                _demo_initial_case(applicant=cancelled, employer_name=company.name, employer_uscc=uscc)
            )
        )
        # Cancelled through a real 注销注册 case, so 重新注册 can be tried.
        _demo_granted(
            _demo_confirmed(
                _demo_case(
                    applicant=cancelled,
                    code=RegistrationType.CANCEL,
                    form_data={
                        "cancel_ground": "contract_ended",
                        "cancel_detail": "与原聘用企业解除聘用合同",
                    },
                )
            )
        )

    # The 注册公告 (ADR 26): the decisions above, published once by the demo's 科室负责人, so
    # the public page has a batch; later runs leave it as it is, as a published batch stays.
    if not Bulletin.objects.exists():
        leader = User.objects.get(username="kezhang")
        bulletin_publish(user=leader, bulletin=bulletin_draft_prepare(user=leader))

    # 强制注销 (ADR 27): the demo's 审查人员 found that this holder's contract with the demo
    # company ended and no 注销 was applied for; the proceeding is in its 陈述申辩 period, on
    # the workbench's 撤销与注销 list and in the holder's 我的办件, where she may answer. Made
    # after the 注册公告's first batch, which keeps the four decisions above.
    contracted = _demo_person(first17="21030219840520011", name="钱芳", mobile="13800138008")
    if not Case.objects.filter(applicant=contracted).exists():
        granted = _demo_granted(
            _demo_confirmed(
                _demo_initial_case(applicant=contracted, employer_name=company.name, employer_uscc=uscc)
            )
        )
        proceeding_start(
            kind=ProceedingKind.FORCED_CANCEL,
            registration=Registration.objects.get(created_by_case=granted),
            ground=Ground.CONTRACT_ENDED,
            facts="经查，持证人已于本年与聘用企业辽宁示范建设工程有限公司解除劳动合同，"
            "企业已停止为其缴纳社会保险，持证人至今未申请注销注册。",
            by=User.objects.get(username="shencha"),
        )

    return [
        DemoLogin(
            "申请人（个人，登录时选择“个人”）",
            "/accounts/login/?kind=person",
            f"{person.id_number} 或 13800138000",
            APPLICANT_PASSWORD,
        ),
        DemoLogin(
            "申请人（个人，已有一件待受理的办件，已超过受理期限，列入督办）",
            "/accounts/login/?kind=person",
            "13800138002",
            APPLICANT_PASSWORD,
        ),
        DemoLogin(
            "申请人（个人，初始注册审查中，办结期限将至）",
            "/accounts/login/?kind=person",
            "13800138007",
            APPLICANT_PASSWORD,
        ),
        DemoLogin(
            "申请人（个人，初始注册已提交，等待聘用单位在线确认）",
            "/accounts/login/?kind=person",
            "13800138006",
            APPLICANT_PASSWORD,
        ),
        DemoLogin(
            "持证人（个人，已准予注册：可加注下载证书，可申请增项、变更、注销注册和证书遗失补办）",
            "/accounts/login/?kind=person",
            "13800138003",
            APPLICANT_PASSWORD,
        ),
        DemoLogin(
            "持证人（个人，建筑工程专业60天后到期，可申请延续注册）",
            "/accounts/login/?kind=person",
            "13800138004",
            APPLICANT_PASSWORD,
        ),
        DemoLogin(
            "持证人（个人，注册机关拟强制注销其注册，在陈述申辩期内：可在“我的办件”中陈述申辩）",
            "/accounts/login/?kind=person",
            "13800138008",
            APPLICANT_PASSWORD,
        ),
        DemoLogin(
            "曾注册人员（个人，注册已注销，可申请重新注册）",
            "/accounts/login/?kind=person",
            "13800138005",
            APPLICANT_PASSWORD,
        ),
        DemoLogin(
            "申请人（法人，登录时选择“法人”，可在“本单位人员”查看本单位人员的注册和办件，"
            "在“待确认申请”中确认陈晨的申请）",
            "/accounts/login/?kind=legal",
            f"{uscc} 或 13800138001",
            APPLICANT_PASSWORD,
        ),
        DemoLogin(
            "开放接口的演示调用方（签名方法和示例见 docs/api.md，接口文档 /api/v1/docs）",
            "/api/v1/docs",
            f"AppKey {DEMO_APP_KEY}",
            f"Secret {DEMO_API_SECRET}",
        ),
        *[
            DemoLogin(
                f"{StaffRole(role).label}（{department.short_name}，第二步的短信验证码见本窗口日志）",
                "/accounts/login/?kind=staff",
                username,
                STAFF_PASSWORD,
            )
            for username, _, role, _mobile in staff
        ],
    ]


def _demo_person(*, first17: str, name: str, mobile: str) -> User:
    """A verified 自然人 with the published demo password, made or refreshed, and listed in
    the demo's real-name directory as the province's service would know them."""
    id_number = first17 + id_number_check_char(first17)
    # Found again by the blind index: the number is stored encrypted.
    index = identity_index(id_type=IdType.RESIDENT, id_number=id_number)
    KnownIdentity.objects.update_or_create(
        id_index=index,
        defaults={"id_type": IdType.RESIDENT, "id_number": id_number, "name": name, "note": "演示数据"},
    )
    fields = {
        "name": name,
        "id_type": IdType.RESIDENT,
        "id_number": id_number,
        "mobile": mobile,
        "real_name_verified_at": timezone.now(),
    }
    person, _ = User.objects.update_or_create(
        kind=UserKind.PERSON,
        id_index=index,
        defaults=fields,
        create_defaults={**fields, "username": person_username_new()},
    )
    person.set_password(APPLICANT_PASSWORD)
    person.save()
    return person


def _demo_image(*, photo: bool) -> bytes:
    """A white 1-inch photo with a dark head, or black strokes on white paper."""
    size = (295, 413) if photo else (600, 240)
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    if photo:
        draw.ellipse((90, 80, 205, 215), fill=(60, 45, 40))
        draw.rectangle((60, 260, 235, 413), fill=(40, 50, 70))
    else:
        draw.line((60, 160, 200, 60, 300, 170, 420, 70, 540, 150), fill="black", width=8)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _demo_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _demo_granted(case: Case) -> Case:
    """The case taken through 受理, 审查 and 准予许可 by the demo staff."""
    staff = {u.staff_role: u for u in User.objects.filter(kind=UserKind.STAFF, department=case.department)}
    case = case_accept(case=case, actor=staff[StaffRole.ACCEPTOR], opinion="材料齐全，予以受理")
    case = case_review(case=case, actor=staff[StaffRole.REVIEWER], opinion="符合注册条件")
    return case_approve(case=case, actor=staff[StaffRole.DECIDER], opinion="准予")


def _demo_confirmed(case: Case) -> Case:
    """The case confirmed online by the enterprises it asks (the demo company), as its 经办人
    would under 「待确认申请」: it then waits for 受理."""
    for confirmation in case.confirmations.filter(status=ConfirmationStatus.WAITING):
        enterprise = Enterprise.objects.select_related("user").get(uscc=confirmation.uscc)
        release = confirmation.kind == ConfirmationKind.RELEASE
        answer = ConfirmationAnswer.AGREE if release else ConfirmationAnswer.CONFIRM
        confirmation_answer(confirmation=confirmation, user=enterprise.user, answer=answer)
    return Case.objects.get(pk=case.pk)


def _demo_initial_case(*, applicant: User, employer_name: str, employer_uscc: str) -> Case:
    """One complete 初始注册 application waiting for 受理, so staff have work at once."""
    # Qualified a year ago: no continuing education is needed, whatever year the demo runs in.
    qualified_on = timezone.localdate() - timedelta(days=365)
    return _demo_case(
        applicant=applicant,
        code=RegistrationType.INITIAL,
        form_data={
            "education": "本科",
            "major": "土木工程",
            "qualification_number": f"LN{qualified_on.year}000168",
            "qualification_specialties": ["10401001", "10401010"],
            "qualification_date": qualified_on.isoformat(),
            "employer_name": employer_name,
            "employer_uscc": employer_uscc,
            "employer_contact": "王五",
            "employer_phone": "024-23447766",
            "specialties": ["10401001", "10401010"],
            "continuing_education_hours": "",
        },
    )


def _demo_case(*, applicant: User, code: RegistrationType, form_data: dict[str, Any]) -> Case:
    """An application of the type `code` with every required material, submitted."""
    item = ServiceItem.objects.get(matter__code="ejjzs-zgrd", code=code)
    case = case_draft_save(user=applicant, item=item, submit_method="online", form_data=form_data)
    for material in item.materials.filter(required=True):
        images = material.kind == "image"
        data = _demo_image(photo=material.code == "photo") if images else _demo_pdf()
        checked = check_upload(data, images_only=images)
        attachment_add(
            case=case,
            material=material,
            checked=checked,
            original_name=f"{material.name}.{checked.extension}",
            user=applicant,
        )
    return case_submit(case=case, user=applicant)


# A year of past cases for the 科室负责人's 统计分析 (ADR 0028): made by the seed_demo command
# (`make run`) only, not by `seed_demo()`, which the browser tests run before every test.
HISTORY_CASES = 360


def demo_history() -> int:
    """Write the demo department's year of history once; how many cases were written now."""
    if Case.objects.filter(applicant=history_applicant()).exists():
        return 0
    return history_build(department=Department.objects.get(code="lnszjt"), cases=HISTORY_CASES)
