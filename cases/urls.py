from __future__ import annotations

from django.urls import path

from cases import views

app_name = "cases"
urlpatterns = [
    path("start/<int:item_pk>/", views.start, name="start"),
    path("start/<int:item_pk>/autosave/", views.autosave_new, name="autosave_new"),
    path("mine/", views.mine, name="mine"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/autosave/", views.autosave, name="autosave"),
    path("<int:pk>/delete/", views.draft_delete, name="delete"),
    path("<int:pk>/materials/<slug:code>/", views.upload, name="upload"),
    path("<int:pk>/materials/<slug:code>/reuse/", views.reuse, name="reuse"),
    path("<int:pk>/materials/<slug:code>/commit/", views.commit, name="commit"),
    path("<int:pk>/materials/<slug:code>/commit/withdraw/", views.commit_withdraw, name="commit_withdraw"),
    path("<int:pk>/files/<int:att_pk>/", views.attachment, name="attachment"),
    path("<int:pk>/files/<int:att_pk>/remove/", views.attachment_remove, name="attachment_remove"),
    path("<int:pk>/print/", views.print_form, name="print"),
    path("<int:pk>/receipt/", views.receipt, name="receipt"),
    path("<int:pk>/notices/<int:notice_pk>/", views.notice, name="notice"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/paper/", views.paper_path, name="paper_path"),
    # The enterprise's 待确认申请 (单位确认, 解聘确认): by the question's id, not the case's.
    path("employer/", views.employer_list, name="employer_list"),
    path("employer/<int:pk>/", views.employer_case, name="employer_case"),
    path("employer/<int:pk>/answer/", views.employer_answer, name="employer_answer"),
]
