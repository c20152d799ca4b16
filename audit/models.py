"""The audit trail: one row for every access to personal data and every security event,
chained so that a changed, removed or inserted row is found (`manage.py audit_verify`).

Rows refer to people and objects by id and a label copied at the time, never by foreign key:
a row must not change when the user or object it names is later changed or removed, or the
chain would break."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class AuditAction(models.TextChoices):
    # Accounts and sessions
    LOGIN = "login", "登录"
    LOGIN_SMS = "login_sms", "短信验证码登录"
    LOGIN_UNIFIED = "login_unified", "统一身份认证登录"
    ACCOUNT_LINK = "account_link", "关联统一身份认证"
    LOGOUT = "logout", "退出登录"
    PASSWORD_CHANGE = "password_change", "修改密码"
    PASSWORD_RESET = "password_reset", "找回密码"
    ACCOUNT_CLOSE = "account_close", "注销账号"
    # 性别 and 出生日期 given in 个人中心 by the holder of a non-resident document (ADR 0038)
    PARTICULARS_SET = "particulars_set", "填写性别和出生日期"
    # Personal data read by staff or by the person
    CASE_VIEW = "case_view", "查看办件"
    ATTACHMENT_VIEW = "attachment_view", "查看申请材料"
    NOTICE_VIEW = "notice_view", "查看文书"
    NUMBER_REVEAL = "number_reveal", "显示完整号码"
    PERSONAL_INFO_VIEW = "personal_info_view", "查看我的信息"
    # Certificates and the register
    CERTIFICATE_PREVIEW = "certificate_preview", "预览证书"
    CERTIFICATE_PDF = "certificate_pdf", "打印证书"
    CERTIFICATE_DOWNLOAD = "certificate_download", "下载电子证照"
    REGISTER_EXTRACT = "register_extract", "提取信息"
    # 告知承诺制 after the grant (ADR 20)
    COMMITMENT_CHECK = "commitment_check", "告知承诺核查"
    REVOCATION_PROPOSE = "revocation_propose", "提请撤销注册"
    # The authority's own proceedings (撤销注册, 强制注销; ADR 27)
    PROCEEDING_START = "proceeding_start", "启动撤销或注销程序"
    PROCEEDING_DECIDE = "proceeding_decide", "作出撤销或注销决定"
    # The open API's relying parties (api/): their calls, and their registration by the admin
    API_CERTIFICATE_VERIFY = "api_certificate_verify", "接口核验证书"
    API_REGISTER_QUERY = "api_register_query", "接口查询注册信息"
    API_CLIENT_CHANGE = "api_client_change", "接口调用方变更"
    # Administration
    ADMIN_CHANGE = "admin_change", "管理修改"
    ADMIN_READ = "admin_read", "管理查阅个人信息"
    EXPORT = "export", "导出"
    ACCOUNT_UNLOCK = "account_unlock", "解锁账号"
    KEY_ROTATE = "key_rotate", "更换密钥"
    AUDIT_SEARCH = "audit_search", "查阅审计记录"
    AUDIT_ARCHIVE = "audit_archive", "审计记录归档"
    AUDIT_VERIFY = "audit_verify", "审计记录校验"


class AuditResult(models.TextChoices):
    SUCCESS = "success", "成功"
    FAILURE = "failure", "失败"
    DENIED = "denied", "拒绝"


class AuditEvent(models.Model):
    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    action = models.CharField("操作", max_length=32, choices=AuditAction.choices)
    result = models.CharField("结果", max_length=10, choices=AuditResult.choices, default=AuditResult.SUCCESS)
    # Who: the account (0 when nobody is logged in) and what they were at the time.
    actor_id = models.BigIntegerField("操作人编号", default=0, db_index=True)
    actor_name = models.CharField("操作人", max_length=100, blank=True)
    actor_kind = models.CharField("用户类型", max_length=10, blank=True)
    actor_role = models.CharField("岗位", max_length=16, blank=True)
    department = models.CharField("部门", max_length=100, blank=True)
    client_address = models.CharField("来源地址", max_length=45, blank=True)
    request_id = models.CharField("请求编号", max_length=32, blank=True)
    # What: the object ("cases.Case", its id, a label such as the 办件编号) and whose
    # personal data it is (the account whose 我的信息 lists this access), if anyone's.
    object_type = models.CharField("对象类型", max_length=40, blank=True)
    object_id = models.CharField("对象编号", max_length=40, blank=True)
    object_label = models.CharField("对象", max_length=100, blank=True)
    subject_id = models.BigIntegerField("信息主体", null=True, blank=True, db_index=True)
    detail = models.JSONField("说明", default=dict, blank=True)
    # The chain: the MAC of the previous row, this row's MAC over its content and that value,
    # and the id of the audit key that made it (keys rotate).
    key_id = models.CharField("密钥标识", max_length=16)
    prev_mac = models.CharField(max_length=64)
    mac = models.CharField(max_length=64)

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.get_action_display()}"


class AuditHead(models.Model):
    """The chain's end (one row): the last row's id and MAC. Locked by every writer, so that
    rows join the chain in id order; and it tells `audit_verify` that the newest rows were
    not cut off."""

    last_id = models.BigIntegerField(default=0)
    last_mac = models.CharField(max_length=64)
    count = models.BigIntegerField(default=0)
    # audit.chain.head_mac of the three above: empty only before the first row.
    key_id = models.CharField("密钥标识", max_length=16, blank=True)
    mac = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = "审计链末端"
        verbose_name_plural = "审计链末端"

    def __str__(self) -> str:
        return f"{self.count} 条，末条 {self.last_id}"


class AuditArchive(models.Model):
    """A file of rows moved out of the table after the retention period. The table's chain
    goes on from `last_mac`; `audit_verify --archive FILE` checks a file against its row."""

    name = models.CharField("文件名", max_length=200, unique=True)
    first_id = models.BigIntegerField()
    last_id = models.BigIntegerField()
    first_prev_mac = models.CharField(max_length=64)
    last_mac = models.CharField(max_length=64)
    count = models.BigIntegerField()
    sm3 = models.CharField("文件SM3", max_length=64)
    # audit.chain.archive_mac of the fields above.
    key_id = models.CharField("密钥标识", max_length=16, blank=True)
    mac = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField("归档时间", default=timezone.now)

    class Meta:
        verbose_name = "审计归档"
        verbose_name_plural = "审计归档"
        ordering = ["first_id"]

    def __str__(self) -> str:
        return self.name
