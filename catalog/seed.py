"""The seeded defaults of the service catalogue (DOMAIN.md, "Service catalogue").

`seed_catalog()` is idempotent: every row is found by its code and updated in place, so it
runs on every deploy (`manage.py seed_catalog`) and in every test set-up without ever
duplicating a row. It does not delete rows administrators added. It does put the seeded
texts back over edits of the same rows, so edit a seeded 事项 in the admin only where the
seed is not run again.

`seed_calendar()` (called by `seed_catalog()`) is idempotent the other way round: it fills
the holiday table from `chinesecalendar` only for years not yet maintained, so an
administrator's corrections to a seeded year survive every later run."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

import chinese_calendar
from django.db import transaction

from catalog.answers import catalogue_answers_replace
from catalog.calendar import calendar_changed
from catalog.models import (
    CalendarDay,
    CalendarSource,
    CalendarYear,
    Department,
    Material,
    MaterialKind,
    Matter,
    ServiceItem,
)
from catalog.registration_types import RegistrationType
from catalog.services import matter_index_refresh

IMAGE = MaterialKind.IMAGE
DOCUMENT = MaterialKind.DOCUMENT


@dataclass(frozen=True)
class MaterialSpec:
    code: str
    name: str
    required: bool = True
    kind: str = DOCUMENT
    notes: str = ""
    # 告知承诺制: the text an applicant may accept instead of uploading the material ("" = none).
    commitment: str = ""
    sealed_by_employer: bool = False


@dataclass(frozen=True)
class ItemSpec:
    code: str
    name: str
    description: str
    materials: tuple[MaterialSpec, ...]


@dataclass(frozen=True)
class MatterSpec:
    code: str
    name: str
    aliases: str
    summary: str
    basis: str
    conditions: str
    process: str
    result: str
    delivery: str
    location: str
    phone: str
    items: tuple[ItemSpec, ...]
    legal_days: int = 20
    promised_days: int = 10
    fee: str = "不收费"
    online: bool = True


@dataclass(frozen=True)
class DepartmentSpec:
    code: str
    name: str
    short_name: str
    uscc: str
    address: str
    phone: str
    matters: tuple[MatterSpec, ...] = field(default_factory=tuple)


# ---------------------------------------------------------------------------------------
# 辽宁省住房和城乡建设厅 · 二级注册建造师
# ---------------------------------------------------------------------------------------

ZJT_PHONE = "024-23447766"
ZJT_ADDRESS = "沈阳市和平区太原北街2号"
ZJT_LOCATION = f"网上办理：辽宁政务服务网；窗口办理：辽宁省住房和城乡建设厅政务服务窗口（{ZJT_ADDRESS}）"

# The four materials every registration type asks for (DOMAIN.md, "Materials").
APPLICATION_FORM = MaterialSpec(
    "application_form",
    "申请表",
    notes="打印申请表后由申请人、负责人签字并加盖企业公章，扫描上传",
    sealed_by_employer=True,
)
PHOTO = MaterialSpec(
    "photo", "申请人本人白底1寸照片（图片）", kind=IMAGE, notes="25×35mm，白色背景，JPG/PNG格式"
)
SIGNATURE = MaterialSpec(
    "signature", "申请人本人手写签名（图片）", kind=IMAGE, notes="字迹清晰工整，白纸黑字，文字居中"
)
IDENTITY = MaterialSpec("identity", "身份证明", notes="居民身份证正反面或其他有效身份证件")
COMMON = (APPLICATION_FORM, PHOTO, SIGNATURE, IDENTITY)

QUALIFICATION = MaterialSpec("qualification", "资格证书", notes="二级建造师资格证书")
LABOUR_CONTRACT = MaterialSpec("labour_contract", "劳动合同", notes="与聘用企业签订的有效劳动合同")
EDUCATION = MaterialSpec("education", "学历证书", required=False)
# 告知承诺制 (国办发〔2020〕42号; DOMAIN.md "告知承诺"): the two materials the province lets an
# applicant replace by a written commitment, seeded once (`_seed_commitment`).
COMMITMENT_CONSEQUENCES = (
    "本人知晓：审批机关将在准予注册后依法对上述承诺进行核查；"
    "经核查承诺内容与实际情况不符的，审批机关将依照《中华人民共和国行政许可法》第六十九条"
    "撤销相应注册，本人承担由此产生的法律责任，相关失信信息依法记入信用记录。"
)
CONTINUING_EDUCATION_COMMITMENT = (
    "本人郑重承诺：本人已按照《注册建造师继续教育管理暂行办法》的规定，"
    "完成本次申请所要求的继续教育学时，所填报的继续教育学时真实、准确，"
    "相关继续教育证明材料由本人妥善保存，审批机关核查时能够如实提供。\n" + COMMITMENT_CONSEQUENCES
)
ADDITION_QUALIFICATION_COMMITMENT = (
    "本人郑重承诺：本人已取得所申请增项专业的二级建造师执业资格，"
    "申请表中填报的增项专业资格证书管理号及取得资格日期真实、准确，"
    "资格证书原件由本人保存，审批机关核查时能够如实提供。\n" + COMMITMENT_CONSEQUENCES
)
CONTINUING_EDUCATION_OPTIONAL = MaterialSpec(
    "continuing_education",
    "继续教育证明",
    required=False,
    notes="取得资格证书超过3年申请注册的必须提供",
    commitment=CONTINUING_EDUCATION_COMMITMENT,
)
CONTINUING_EDUCATION = MaterialSpec(
    "continuing_education",
    "继续教育证明",
    notes="注册有效期内的继续教育证明",
    commitment=CONTINUING_EDUCATION_COMMITMENT,
)

EJJZS_BASIS = "1.《注册建造师管理规定》（建设部令第153号）\n2.《中华人民共和国行政许可法》"

EJJZS_CONDITIONS = (
    "1. 取得二级建造师资格证书；\n"
    "2. 受聘于一个具有建设工程勘察、设计、施工、监理、招标代理、造价咨询等一项或者多项资质的单位，"
    "且只受聘于一个单位；\n"
    "3. 达到继续教育要求：取得资格证书超过3年申请注册的，须提供继续教育证明；\n"
    "4. 没有《注册建造师管理规定》规定的不予注册情形；\n"
    "5. 自年满65周岁前90日起，不再受理初始、重新、延续、增项注册及变更执业企业的申请。"
)

EJJZS_PROCESS = (
    "1. 网上申请：申请人登录辽宁政务服务网，搜索本事项或点击“部门”找到省住房城乡建设厅，"
    "在办事指南点击“开始申请”，填写申请表后点击“保存信息”“打印申请表”，签字盖章后上传附件，"
    "点击“保存并提交”，取得材料接收告知单；\n"
    "2. 受理：受理人员自收到申请之日起5个工作日内审查材料，作出受理、一次性告知补正或不予受理的决定；\n"
    "3. 审查：审查人员对申请材料进行实质审查，提出审查意见；\n"
    "4. 决定：审批人员作出准予许可或不予许可的决定；\n"
    "5. 办结/送达：办结后短信提醒申请人。准予许可的，申请人在“我的办件”点击“查看详情”，"
    "通过“公示附件”“加注”下载电子证照。"
)

EJJZS_ZGRD = MatterSpec(
    code="ejjzs-zgrd",
    name="二级注册建造师执业资格认定",
    aliases="二建,二建注册,建造师注册,二级建造师,二级建造师注册,注册建造师,建造师",
    summary="取得二级建造师资格证书的人员，申请初始、增项、重新、变更、注销、延续注册。",
    basis=EJJZS_BASIS,
    conditions=EJJZS_CONDITIONS,
    process=EJJZS_PROCESS,
    result="二级建造师注册证书（电子证照）",
    delivery="网上下载电子证照（OFD格式）",
    location=ZJT_LOCATION,
    phone=ZJT_PHONE,
    items=(
        ItemSpec(
            RegistrationType.INITIAL,
            "初始注册",
            "已取得二级建造师资格证书、目前未注册、受聘于一家企业的人员，申请首次注册。"
            "取得资格证书超过3年申请注册的，须提供继续教育证明。准予注册后核发注册编号，"
            "所注册专业有效期3年。",
            (*COMMON, QUALIFICATION, LABOUR_CONTRACT, EDUCATION, CONTINUING_EDUCATION_OPTIONAL),
        ),
        ItemSpec(
            RegistrationType.ADDITION,
            "增项注册",
            "已注册的二级建造师取得其他专业的二级建造师资格证书后，申请增加注册专业。"
            "准予后增加的专业有效期3年。",
            (
                *COMMON,
                MaterialSpec(
                    "addition_qualification",
                    "增项专业资格证书",
                    commitment=ADDITION_QUALIFICATION_COMMITMENT,
                ),
                MaterialSpec(
                    "addition_pledge",
                    "增项注册告知承诺书",
                    required=False,
                    notes="已对“增项专业资格证书”在线作出告知承诺的，无需上传",
                ),
            ),
        ),
        ItemSpec(
            RegistrationType.REREGISTER,
            "重新注册",
            "曾经注册、注册有效期届满未延续或已被注销注册的人员，重新申请注册。"
            "准予后按初始注册办理，沿用原人员档案。",
            (*COMMON, QUALIFICATION, LABOUR_CONTRACT, EDUCATION, CONTINUING_EDUCATION_OPTIONAL),
        ),
        ItemSpec(
            RegistrationType.CHANGE,
            "变更注册",
            "已注册的二级建造师，执业企业变更、个人信息变更或企业名称变更的，申请变更注册。"
            "变更执业企业的，须已与原聘用企业解除劳动关系。变更注册不改变各专业的有效期。",
            (*COMMON, MaterialSpec("change_proof", "变更证明材料", notes="离职证明或企业更名证明")),
        ),
        ItemSpec(
            RegistrationType.CANCEL,
            "注销注册",
            "已注册的二级建造师，因聘用合同解除、聘用企业破产或被吊销营业执照、死亡或丧失民事行为能力、"
            "年满65周岁、本人申请或其他情形，申请注销注册。准予后注册证书作废。",
            (*COMMON, MaterialSpec("cancel_proof", "注销事由证明")),
        ),
        ItemSpec(
            RegistrationType.RENEWAL,
            "延续注册",
            "注册有效期届满需继续执业的，应在有效期届满前90日至前30日之间申请延续注册，"
            "并已完成继续教育。准予后所选专业有效期延续3年。",
            (*COMMON, CONTINUING_EDUCATION),
        ),
    ),
)

EJJZS_YSBB = MatterSpec(
    code="ejjzs-ysbb",
    name="二级注册建造师执业资格认定-执业资格证书遗失补办",
    aliases="遗失补办,证书遗失,补办证书,二建遗失,建造师证书补办",
    summary="已注册的二级建造师，注册证书遗失或污损的，申请补办。",
    basis=EJJZS_BASIS,
    conditions=(
        "1. 已在我省注册且注册有效的二级注册建造师；\n2. 二级建造师注册证书遗失或污损；\n3. 已发布遗失声明。"
    ),
    process=(
        "1. 网上申请：申请人登录辽宁政务服务网，搜索“二级注册建造师执业资格认定-执业资格证书遗失补办”，"
        "在办事指南点击“开始申请”，输入身份证号点击“提取信息”，上传附件后点击“保存并提交”；\n"
        "2. 受理：受理人员自收到申请之日起5个工作日内审查材料，作出受理、一次性告知补正或不予受理的决定；\n"
        "3. 审查：审查人员核对注册信息，提出审查意见；\n"
        "4. 决定：审批人员作出准予许可或不予许可的决定；\n"
        "5. 办结/送达：办结后短信提醒申请人，补发的电子证照在“我的办件”中下载，原证书同时作废。"
    ),
    result="二级建造师注册证书（电子证照）",
    delivery="网上下载电子证照（OFD格式）",
    location=ZJT_LOCATION,
    phone=ZJT_PHONE,
    items=(
        ItemSpec(
            RegistrationType.REISSUE,
            "遗失补办",
            "已注册的二级建造师，注册证书遗失或污损的，发布遗失声明后申请补办。"
            "准予后补发新证书，原证书同时作废。",
            (*COMMON, MaterialSpec("loss_statement", "遗失声明", notes="在公开媒体发布的遗失声明")),
        ),
    ),
)

JZYQY_ZZRD = MatterSpec(
    code="jzyqy-zzrd",
    name="建筑业企业资质认定",
    aliases="建筑资质,施工资质,资质认定,建筑企业资质,施工总承包资质",
    summary="建筑业企业申请施工总承包、专业承包资质的首次申请、增项和升级。",
    basis="1.《中华人民共和国建筑法》\n2.《建筑业企业资质管理规定》（住房城乡建设部令第22号）",
    conditions=(
        "1. 依法取得营业执照的企业；\n"
        "2. 企业净资产、注册人员、技术负责人、技术工人等符合《建筑业企业资质标准》；\n"
        "3. 申请之日起前一年内无《建筑业企业资质管理规定》规定的违法违规行为。"
    ),
    process="网上申请 → 受理（5个工作日内） → 审查 → 公示 → 决定 → 办结/送达",
    result="建筑业企业资质证书（电子证书）",
    delivery="网上下载电子证书",
    location=ZJT_LOCATION,
    phone=ZJT_PHONE,
    promised_days=15,
    items=(
        ItemSpec(
            "new",
            "首次申请",
            "新设立或首次申请建筑业企业资质的企业。",
            (
                MaterialSpec("application_form", "建筑业企业资质申请表"),
                MaterialSpec("business_license", "营业执照"),
                MaterialSpec("technical_director", "技术负责人身份证明、职称证书及业绩证明"),
                MaterialSpec("registered_staff", "注册人员注册证书"),
                MaterialSpec("assets", "企业净资产证明", required=False, notes="上一年度财务审计报告"),
            ),
        ),
    ),
)

AQSC_XK = MatterSpec(
    code="aqsc-xk",
    name="建筑施工企业安全生产许可证核发",
    aliases="安全生产许可证,安许证,安全许可,施工安全许可",
    summary="建筑施工企业从事建筑施工活动前申请取得安全生产许可证。",
    basis=("1.《安全生产许可证条例》\n2.《建筑施工企业安全生产许可证管理规定》（建设部令第128号）"),
    conditions=(
        "1. 建立健全安全生产责任制和安全生产管理制度；\n"
        "2. 设置安全生产管理机构，配备专职安全生产管理人员；\n"
        "3. 主要负责人、项目负责人、专职安全生产管理人员经考核合格；\n"
        "4. 依法参加工伤保险，为从业人员缴纳保险费。"
    ),
    process="网上申请 → 受理（5个工作日内） → 审查 → 决定 → 办结/送达",
    result="安全生产许可证（电子证照）",
    delivery="网上下载电子证照",
    location=ZJT_LOCATION,
    phone=ZJT_PHONE,
    legal_days=45,
    items=(
        ItemSpec(
            "new",
            "首次申请",
            "取得建筑业企业资质、尚未取得安全生产许可证的建筑施工企业。",
            (
                MaterialSpec("application_form", "安全生产许可证申请表"),
                MaterialSpec("business_license", "营业执照"),
                MaterialSpec("qualification", "建筑业企业资质证书"),
                MaterialSpec("safety_staff", "安全生产管理人员考核合格证书"),
                MaterialSpec("safety_rules", "安全生产责任制和管理制度目录"),
            ),
        ),
    ),
)

# ---------------------------------------------------------------------------------------
# Other departments, so that searching and browsing by 部门 mean something.
# ---------------------------------------------------------------------------------------

RLZYFW_XK = MatterSpec(
    code="rlzyfw-xk",
    name="人力资源服务许可",
    aliases="人力资源服务许可证,职业中介,人才中介,职业介绍",
    summary="经营性人力资源服务机构从事职业中介活动前申请行政许可。",
    basis="1.《中华人民共和国就业促进法》\n2.《人力资源市场暂行条例》",
    conditions=(
        "1. 有明确的章程和管理制度；\n"
        "2. 有开展业务必备的固定场所、办公设施；\n"
        "3. 有5名以上取得相应从业资格的专职工作人员。"
    ),
    process="网上申请 → 受理（5个工作日内） → 审查 → 决定 → 办结/送达",
    result="人力资源服务许可证",
    delivery="网上下载电子证照或窗口领取",
    location="辽宁省人力资源和社会保障厅政务服务窗口（沈阳市和平区八经街2号）",
    phone="024-22856600",
    items=(
        ItemSpec(
            "new",
            "新办",
            "首次申请从事职业中介活动的经营性人力资源服务机构。",
            (
                MaterialSpec("application_form", "人力资源服务许可申请书"),
                MaterialSpec("business_license", "营业执照"),
                MaterialSpec("staff", "专职工作人员名单及从业资格证明"),
                MaterialSpec("premises", "经营场所使用证明"),
            ),
        ),
    ),
)

LWPQ_XK = MatterSpec(
    code="lwpq-xk",
    name="劳务派遣经营许可",
    aliases="劳务派遣,劳务派遣许可证,派遣许可",
    summary="经营劳务派遣业务的单位申请劳务派遣经营许可。",
    basis="1.《中华人民共和国劳动合同法》\n2.《劳务派遣行政许可实施办法》",
    conditions=(
        "1. 注册资本不得少于人民币200万元；\n"
        "2. 有与开展业务相适应的固定的经营场所和设施；\n"
        "3. 有符合法律、行政法规规定的劳务派遣管理制度。"
    ),
    process="网上申请 → 受理（5个工作日内） → 审查 → 决定 → 办结/送达",
    result="劳务派遣经营许可证",
    delivery="网上下载电子证照或窗口领取",
    location="辽宁省人力资源和社会保障厅政务服务窗口（沈阳市和平区八经街2号）",
    phone="024-22856600",
    items=(
        ItemSpec(
            "new",
            "新办",
            "首次申请经营劳务派遣业务的单位。",
            (
                MaterialSpec("application_form", "劳务派遣经营许可申请书"),
                MaterialSpec("business_license", "营业执照"),
                MaterialSpec("capital_proof", "注册资本实缴证明", notes="不少于人民币200万元"),
                MaterialSpec("agreement", "劳务派遣协议样本"),
            ),
        ),
    ),
)

SBK_SL = MatterSpec(
    code="sbk-sl",
    name="社会保障卡申领",
    aliases="社保卡,社保卡申领,办社保卡,电子社保卡",
    summary="参保人员申请领取社会保障卡。",
    basis="1.《中华人民共和国社会保险法》",
    conditions="在我省参加社会保险的人员。",
    process="网上申请 → 受理 → 制卡 → 办结/送达",
    legal_days=20,
    promised_days=15,
    result="社会保障卡",
    delivery="合作银行网点领取或邮寄",
    location="各市社会保障卡服务网点",
    phone="12333",
    items=(
        ItemSpec(
            "new",
            "首次申领",
            "首次申领社会保障卡的参保人员。",
            (
                MaterialSpec("identity", "身份证明"),
                MaterialSpec("photo", "本人白底证件照片（图片）", kind=IMAGE, notes="JPG/PNG格式"),
            ),
        ),
    ),
)

QYSL_DJ = MatterSpec(
    code="qysl-dj",
    name="企业设立登记",
    aliases="营业执照,公司注册,注册公司,开公司,工商注册,公司设立",
    summary="有限责任公司、股份有限公司等企业申请设立登记，领取营业执照。",
    basis="1.《中华人民共和国公司法》\n2.《中华人民共和国市场主体登记管理条例》",
    conditions="1. 有符合规定的名称、住所、注册资本和经营范围；\n2. 有符合公司法规定的章程。",
    process="网上申请 → 受理 → 审查 → 决定 → 办结/送达（材料齐全、符合法定形式的当场办结）",
    legal_days=3,
    promised_days=1,
    result="营业执照（含电子营业执照）",
    delivery="窗口领取、邮寄或下载电子营业执照",
    location="辽宁省市场监督管理局登记注册窗口（沈阳市皇姑区崇山中路74号）",
    phone="024-86892000",
    items=(
        ItemSpec(
            "company",
            "有限责任公司设立登记",
            "新设立的有限责任公司。",
            (
                MaterialSpec("application_form", "公司登记（备案）申请书"),
                MaterialSpec("articles", "公司章程"),
                MaterialSpec("shareholders", "股东主体资格证明"),
                MaterialSpec("officers", "法定代表人、董事、监事和经理的任职文件"),
                MaterialSpec("premises", "住所使用证明"),
            ),
        ),
    ),
)

SPSC_XK = MatterSpec(
    code="spsc-xk",
    name="食品生产许可",
    aliases="食品生产许可证,SC证,食品生产",
    summary="从事食品生产活动的企业申请食品生产许可。",
    basis="1.《中华人民共和国食品安全法》\n2.《食品生产许可管理办法》",
    conditions=(
        "1. 具有与生产的食品品种、数量相适应的生产场所；\n"
        "2. 具有相应的生产设备和设施；\n"
        "3. 有专职或兼职的食品安全管理人员和保证食品安全的规章制度。"
    ),
    process="网上申请 → 受理（5个工作日内） → 审查及现场核查 → 决定 → 办结/送达",
    result="食品生产许可证",
    delivery="网上下载电子证照或邮寄",
    location="辽宁省市场监督管理局政务服务窗口（沈阳市皇姑区崇山中路74号）",
    phone="024-86892000",
    items=(
        ItemSpec(
            "new",
            "首次申请",
            "首次申请食品生产许可的企业。",
            (
                MaterialSpec("application_form", "食品生产许可申请书"),
                MaterialSpec("business_license", "营业执照"),
                MaterialSpec("layout", "生产场所平面图和设备布局图"),
                MaterialSpec("flow", "食品生产工艺流程图"),
                MaterialSpec("rules", "食品安全管理制度"),
            ),
        ),
    ),
)

TZSB_ZYRY = MatterSpec(
    code="tzsb-zyry",
    name="特种设备作业人员资格认定",
    aliases="特种设备作业证,特种设备证,电梯证,锅炉证,叉车证",
    summary="从事特种设备作业的人员经考试合格后申请取得作业人员证。",
    basis="1.《中华人民共和国特种设备安全法》\n2.《特种设备作业人员监督管理办法》",
    conditions="1. 年满18周岁且不超过法定退休年龄；\n2. 经考试合格。",
    process="网上申请 → 受理 → 审查 → 决定 → 办结/送达",
    legal_days=20,
    promised_days=5,
    result="特种设备安全管理和作业人员证",
    delivery="网上下载电子证照",
    location="各市市场监督管理局政务服务窗口",
    phone="024-86892000",
    items=(
        ItemSpec(
            "new",
            "取证",
            "考试合格、首次申请作业人员证的人员。",
            (
                MaterialSpec("application_form", "特种设备作业人员资格申请表"),
                MaterialSpec("identity", "身份证明"),
                MaterialSpec("exam", "考试合格证明"),
                MaterialSpec("photo", "本人白底1寸照片（图片）", kind=IMAGE, notes="JPG/PNG格式"),
            ),
        ),
    ),
)

JMSFZ_HL = MatterSpec(
    code="jmsfz-hl",
    name="居民身份证换领",
    aliases="换身份证,身份证换领,身份证到期,身份证",
    summary="居民身份证有效期满或登记项目变更等情形，申请换领居民身份证。",
    basis="1.《中华人民共和国居民身份证法》",
    conditions="1. 居民身份证有效期满；或\n2. 登记项目变更、证件严重损坏不能辨认。",
    process="窗口申请（现场采集指纹、人像） → 受理 → 审核 → 制证 → 领取",
    legal_days=60,
    promised_days=20,
    fee="工本费20元",
    result="中华人民共和国居民身份证",
    delivery="窗口领取或邮寄",
    location="户籍所在地公安派出所户籍窗口",
    phone="024-86863110",
    online=False,
    items=(
        ItemSpec(
            "renew",
            "有效期满换领",
            "居民身份证有效期满或即将期满的居民。",
            (
                MaterialSpec("old_card", "原居民身份证"),
                MaterialSpec("hukou", "居民户口簿"),
            ),
        ),
    ),
)

BAYZ_HF = MatterSpec(
    code="bayz-hf",
    name="保安员证核发",
    aliases="保安证,保安员证,保安员资格",
    summary="经保安员考试合格的人员申请核发保安员证。",
    basis="1.《保安服务管理条例》\n2.《公安机关实施保安服务管理条例办法》",
    conditions="1. 年满18周岁的中国公民，身体健康，品行良好；\n2. 初中以上学历；\n3. 保安员考试合格。",
    process="网上申请 → 受理 → 审查 → 决定 → 办结/送达",
    legal_days=15,
    promised_days=10,
    result="保安员证",
    delivery="窗口领取",
    location="辽宁省公安厅治安管理部门（沈阳市和平区北七马路）",
    phone="024-86863110",
    items=(
        ItemSpec(
            "new",
            "核发",
            "保安员考试合格、首次申请保安员证的人员。",
            (
                MaterialSpec("application_form", "保安员证申请表"),
                MaterialSpec("identity", "身份证明"),
                MaterialSpec("exam", "保安员考试合格证明"),
                MaterialSpec("photo", "本人白底1寸照片（图片）", kind=IMAGE, notes="JPG/PNG格式"),
            ),
        ),
    ),
)

DLKY_JYXK = MatterSpec(
    code="dlky-jyxk",
    name="道路旅客运输经营许可",
    aliases="道路运输经营许可,道路运输许可证,客运许可,班车客运,包车客运",
    summary="从事班车客运、包车客运经营的企业申请道路旅客运输经营许可。",
    basis="1.《中华人民共和国道路运输条例》\n2.《道路旅客运输及客运站管理规定》",
    conditions=(
        "1. 有与其经营业务相适应并经检测合格的车辆；\n"
        "2. 有符合规定条件的驾驶人员；\n"
        "3. 有健全的安全生产管理制度。"
    ),
    process="网上申请 → 受理（5个工作日内） → 审查 → 决定 → 办结/送达",
    result="道路运输经营许可证",
    delivery="网上下载电子证照或窗口领取",
    location="辽宁省交通运输厅政务服务窗口（沈阳市和平区十一纬路19号）",
    phone="024-23865000",
    items=(
        ItemSpec(
            "new",
            "首次申请",
            "首次申请道路旅客运输经营的企业。",
            (
                MaterialSpec("application_form", "道路旅客运输经营申请表"),
                MaterialSpec("business_license", "营业执照"),
                MaterialSpec("vehicles", "车辆技术状况证明"),
                MaterialSpec("drivers", "驾驶人员从业资格证"),
                MaterialSpec("safety_rules", "安全生产管理制度文本"),
            ),
        ),
    ),
)

GLCX_YSXK = MatterSpec(
    code="glcx-ysxk",
    name="公路超限运输许可",
    aliases="超限运输,大件运输,大件运输许可,超限许可",
    summary="车货总体外廓尺寸或总质量超过限定标准的车辆在公路上行驶的许可。",
    basis=("1.《中华人民共和国公路法》\n2.《公路安全保护条例》\n3.《超限运输车辆行驶公路管理规定》"),
    conditions="1. 运输不可解体物品；\n2. 车辆、驾驶人员符合规定；\n3. 有通行与护送方案。",
    process="网上申请 → 受理 → 审查（必要时现场查验） → 决定 → 办结/送达",
    legal_days=15,
    promised_days=5,
    result="超限运输车辆通行证",
    delivery="网上下载电子通行证",
    location="辽宁省交通运输厅政务服务窗口（沈阳市和平区十一纬路19号）",
    phone="024-23865000",
    items=(
        ItemSpec(
            "new",
            "申请通行证",
            "运输不可解体物品需超限行驶公路的承运人。",
            (
                MaterialSpec("application_form", "公路超限运输申请表"),
                MaterialSpec("vehicle_license", "车辆行驶证"),
                MaterialSpec("transport_license", "道路运输证"),
                MaterialSpec("cargo", "货物名称、外廓尺寸和质量说明"),
                MaterialSpec("escort_plan", "护送方案", required=False, notes="三类大件运输必须提供"),
            ),
        ),
    ),
)

DEPARTMENTS: tuple[DepartmentSpec, ...] = (
    DepartmentSpec(
        code="lnszjt",
        name="辽宁省住房和城乡建设厅",
        short_name="省住房城乡建设厅",
        # Demo data: the code first given as 11210000001189087D fails the GB 32100 MOD 31
        # check; 3 is the check character of its first 17 characters.
        uscc="112100000011890873",
        address=ZJT_ADDRESS,
        phone=ZJT_PHONE,
        matters=(EJJZS_ZGRD, EJJZS_YSBB, JZYQY_ZZRD, AQSC_XK),
    ),
    DepartmentSpec(
        code="lnsrst",
        name="辽宁省人力资源和社会保障厅",
        short_name="省人力资源社会保障厅",
        uscc="11210000001189052G",
        address="沈阳市和平区八经街2号",
        phone="024-22856600",
        matters=(RLZYFW_XK, LWPQ_XK, SBK_SL),
    ),
    DepartmentSpec(
        code="lnsscjg",
        name="辽宁省市场监督管理局",
        short_name="省市场监管局",
        uscc="112100000011891249",
        address="沈阳市皇姑区崇山中路74号",
        phone="024-86892000",
        matters=(QYSL_DJ, SPSC_XK, TZSB_ZYRY),
    ),
    DepartmentSpec(
        code="lnsgat",
        name="辽宁省公安厅",
        short_name="省公安厅",
        uscc="11210000001189140Y",
        address="沈阳市和平区北七马路",
        phone="024-86863110",
        matters=(JMSFZ_HL, BAYZ_HF),
    ),
    DepartmentSpec(
        code="lnsjtt",
        name="辽宁省交通运输厅",
        short_name="省交通运输厅",
        uscc="11210000001189036T",
        address="沈阳市和平区十一纬路19号",
        phone="024-23865000",
        matters=(DLKY_JYXK, GLCX_YSXK),
    ),
)


def _seed_matter(*, department: Department, spec: MatterSpec, order: int) -> None:
    matter, _ = Matter.objects.update_or_create(
        code=spec.code,
        defaults={
            "department": department,
            "name": spec.name,
            "aliases": spec.aliases,
            "summary": spec.summary,
            "basis": spec.basis,
            "conditions": spec.conditions,
            "process": spec.process,
            "legal_days": spec.legal_days,
            "promised_days": spec.promised_days,
            "fee": spec.fee,
            "phone": spec.phone,
            "result": spec.result,
            "delivery": spec.delivery,
            "location": spec.location,
            "online": spec.online,
            "order": order,
        },
    )
    matter_index_refresh(matter=matter)
    for item_order, item_spec in enumerate(spec.items, start=1):
        item, _ = ServiceItem.objects.update_or_create(
            matter=matter,
            code=item_spec.code,
            defaults={"name": item_spec.name, "description": item_spec.description, "order": item_order},
        )
        for material_order, material in enumerate(item_spec.materials, start=1):
            row, _ = Material.objects.update_or_create(
                item=item,
                code=material.code,
                defaults={
                    "name": material.name,
                    "required": material.required,
                    "kind": material.kind,
                    "notes": material.notes,
                    "sealed_by_employer": material.sealed_by_employer,
                    "order": material_order * 10,
                },
            )
            _seed_commitment(material=row, text=material.commitment)


def _seed_commitment(*, material: Material, text: str) -> None:
    """Offer 「告知承诺」 for a seeded material, once: only while the row has no commitment text
    yet. Whether the province allows it and what the text says are policy that administrators
    edit (ADR 20), so unlike the other seeded fields a later run leaves them alone."""
    if not text or material.commitment_text:
        return
    material.commitment_allowed = True
    material.commitment_text = text
    material.save(update_fields=["commitment_allowed", "commitment_text"])


@transaction.atomic
def seed_catalog() -> None:
    """Create or update the seeded departments, 事项, 办理项 and materials, and fill the
    working-day calendar for the years not yet maintained."""
    for department_order, spec in enumerate(DEPARTMENTS, start=1):
        department, _ = Department.objects.update_or_create(
            code=spec.code,
            defaults={
                "name": spec.name,
                "short_name": spec.short_name,
                "uscc": spec.uscc,
                "address": spec.address,
                "phone": spec.phone,
                "order": department_order,
            },
        )
        for matter_order, matter_spec in enumerate(spec.matters, start=1):
            _seed_matter(department=department, spec=matter_spec, order=matter_order)
    seed_calendar()
    # The public pages kept under the catalogue's version show what was seeded (ADR 0030).
    catalogue_answers_replace()


# ---------------------------------------------------------------------------------------
# The working-day calendar (DESIGN.md, "working days")
# ---------------------------------------------------------------------------------------

# The package names holidays in English; its own Chinese names are short forms (清明, 端午).
HOLIDAY_NAMES: dict[str, str] = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def _holiday_name(english: str) -> str:
    if english in HOLIDAY_NAMES:
        return HOLIDAY_NAMES[english]
    # A holiday added by a newer package release: its own Chinese name is better than none.
    try:
        return str(chinese_calendar.Holiday(english).chinese)
    except ValueError:
        return english


def package_calendar_days() -> Iterator[tuple[date, bool, str]]:
    """(day, is_workday, note) for every exception to Monday-to-Friday the package knows:
    holidays that fall on a weekday and make-up workdays that fall on a weekend."""
    holidays: dict[date, str] = chinese_calendar.holidays
    workdays: dict[date, str] = chinese_calendar.workdays
    for day, english in holidays.items():
        # A holiday on a Saturday or Sunday changes nothing: the day is off anyway.
        if day.weekday() < 5:
            yield day, False, _holiday_name(english)
    for day, english in workdays.items():
        if day.weekday() >= 5:
            yield day, True, f"{_holiday_name(english)}调休上班"


def package_calendar_years() -> set[int]:
    """The years the package has holiday data for."""
    days: list[date] = [*chinese_calendar.holidays, *chinese_calendar.workdays]
    return {day.year for day in days}


@transaction.atomic
def seed_calendar() -> int:
    """Fill the holiday table for every year the package knows and no one maintains yet;
    return how many days were written.

    A year is written once and then marked known (`CalendarYear`), so a later run leaves
    the administrators' corrections to it alone. Days an administrator entered for a year
    before it was seeded are overwritten where the package has the same date."""
    known = set(CalendarYear.objects.values_list("year", flat=True))
    years = package_calendar_years() - known
    if not years:
        return 0
    days = [
        CalendarDay(day=day, is_workday=is_workday, note=note)
        for day, is_workday, note in package_calendar_days()
        if day.year in years
    ]
    # One statement per batch instead of one per day: every test class seeds this.
    CalendarDay.objects.bulk_create(
        days, update_conflicts=True, unique_fields=["day"], update_fields=["is_workday", "note"]
    )
    CalendarYear.objects.bulk_create(
        [CalendarYear(year=year, source=CalendarSource.PACKAGE) for year in sorted(years)],
        # Two deploys seeding at once: the second finds the year already there.
        ignore_conflicts=True,
    )
    calendar_changed()
    return len(days)
