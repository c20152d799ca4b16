"""The one form of the certificate pages: an OFD file uploaded to be checked."""

from __future__ import annotations

from django import forms

from lib.forms import PortalForm

VERIFY_MAX_BYTES = 5 * 1024 * 1024  # a certificate is well under 1 MB


class VerifyUploadForm(PortalForm):
    file = forms.FileField(
        label="证书文件（OFD）",
        widget=forms.FileInput(attrs={"accept": ".ofd,application/ofd"}),
        help_text="选择要核验的电子证书文件（.ofd），不超过5MB。文件只用于本次核验，不会保存。",
        error_messages={"required": "请选择要核验的OFD文件", "empty": "所选文件是空的"},
    )

    file_name = ""

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        self.file_name = upload.name or ""
        if upload.size > VERIFY_MAX_BYTES:
            raise forms.ValidationError("文件不能超过5MB")
        content: bytes = upload.read()
        return content
