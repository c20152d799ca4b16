from __future__ import annotations

from django.urls import path

from certificates import views

app_name = "certificates"
urlpatterns = [
    path("mine/", views.mine, name="mine"),
    path("ofd-reader/", views.ofd_reader, name="ofd_reader"),
    path("case/<int:case_pk>/", views.case_attachments, name="case_attachments"),
    path("<int:cert_pk>/annotate/", views.annotate, name="annotate"),
    path("<int:cert_pk>/preview/", views.preview, name="preview"),
    path("<int:cert_pk>/pdf/", views.pdf, name="pdf"),
    path("copies/<int:pk>/status/", views.copy_status, name="copy_status"),
    path("copies/<int:pk>/download/", views.download, name="download"),
    # Public, no login: what the QR code on every copy opens, and the file check.
    path("verify/", views.verify_upload, name="verify_upload"),
    path("verify/<uuid:token>/", views.verify, name="verify"),
    # Sealed notices (ADR 0033): the applicant's (and staff's) downloads, and the public check.
    path("case/<int:pk>/notices/<int:notice_pk>/ofd/", views.notice_ofd, name="notice_ofd"),
    path("case/<int:pk>/notices/<int:notice_pk>/pdf/", views.notice_pdf, name="notice_pdf"),
    path("verify/notice/<uuid:token>/", views.notice_verify, name="notice_verify"),
]
