from __future__ import annotations

from django.urls import path

from revocation import views

app_name = "revocation"
urlpatterns = [
    # The workbench (审查人员, 审批人员, 科室负责人 of the department).
    path("", views.staff_list, name="list"),
    path("new/", views.start, name="start"),
    path("proposals/<int:pk>/take-over/", views.take_over, name="take_over"),
    path("<int:pk>/", views.case, name="case"),
    path("<int:pk>/decide/", views.decide, name="decide"),
    path("<int:pk>/statement-file/", views.staff_file, name="staff_file"),
    # The holder (我的办件 → 查看详情 → 陈述申辩), by the case's id.
    path("mine/<int:pk>/", views.mine, name="mine"),
    path("mine/<int:pk>/statement-file/", views.mine_file, name="mine_file"),
]
