from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accounts.selectors import account_of_identity
from audit.models import AuditAction
from audit.services import audit_record
from certificates.models import Certificate, CertificateCopy, CertificateStatus, CopyStatus
from certificates.selectors import copy_recorded_address
from certificates.services import certificate_copy_make, certificate_copy_request, verify_url
from certificates.validity import CertificateVerdict, certificate_verdict
from lib.errors import ApplicationError


class Command(BaseCommand):
    help = "导出某注册编号持证人当前有效的加注件（没有则立即生成一份），供咨询台和核查使用"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("number", help="注册编号")
        parser.add_argument("file", help="输出的 OFD 文件路径")

    def handle(self, *args: Any, **options: Any) -> None:
        certificate = (
            Certificate.objects.filter(
                registration__number=options["number"], status=CertificateStatus.CURRENT
            )
            .select_related("registration__person")
            .first()
        )
        if certificate is None:
            raise CommandError(f"没有注册编号为 {options['number']} 的有效证书")
        today = timezone.localdate()
        # The newest ready copy that is valid today, by the same verdict as the public page, and
        # whose QR code leads to this site's SITE_URL: a copy made under another address (a
        # demo's http://127.0.0.1:8000) would send whoever scans it elsewhere.
        copy = next(
            (
                c
                for c in certificate.copies.filter(status=CopyStatus.READY).order_by("-ready_at")
                if certificate_verdict(certificate=certificate, today=today, copy=c)
                == CertificateVerdict.VALID
                and copy_recorded_address(copy=c) == verify_url(c)
            ),
            None,
        )
        if copy is None:
            copy = self._make_copy(certificate)
        with copy.file.open("rb") as f:
            Path(options["file"]).write_bytes(f.read())
        person = certificate.registration.person
        holder = account_of_identity(id_type=person.id_type, id_number=person.id_number)
        # Run on a server by an operator: no web account, so the row names the command.
        audit_record(
            action=AuditAction.EXPORT,
            obj=copy,
            label=f"注册编号 {certificate.registration.number}",
            subject_id=holder.pk if holder is not None else None,
            detail={"命令": "certificate_export"},
        )
        self.stdout.write(
            f"已导出 {options['file']}（电子证照标识 {certificate.license_id}，"
            f"使用有效期至 {copy.usage_valid_until}）"
        )
        self.stdout.write(f"二维码核验地址：{verify_url(copy)}（来自设置 SITE_URL）")

    def _make_copy(self, certificate: Certificate) -> CertificateCopy:
        person = certificate.registration.person
        holder = account_of_identity(id_type=person.id_type, id_number=person.id_number)
        if holder is None:
            raise CommandError("持证人没有通过实名认证的个人账号，无法记录加注人")
        try:
            copy = certificate_copy_request(certificate=certificate, user=holder)
        except ApplicationError as e:
            raise CommandError(e.message) from None
        # Made here and now rather than by the worker: the help desk is waiting for the file.
        certificate_copy_make(copy_id=copy.pk)
        copy.refresh_from_db()
        if copy.status != CopyStatus.READY:
            raise CommandError(f"生成加注件失败：{copy.error}")
        return copy
