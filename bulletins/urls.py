from __future__ import annotations

from django.urls import path

from bulletins import views

app_name = "bulletins"
urlpatterns = [
    # Public, no login.
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/pdf/", views.pdf, name="pdf"),
    # The department's 科室负责人.
    path("manage/", views.manage, name="manage"),
    path("manage/prepare/", views.prepare, name="prepare"),
    path("manage/<int:pk>/", views.draft, name="draft"),
    path("manage/<int:pk>/publish/", views.publish, name="publish"),
    path("manage/<int:pk>/discard/", views.discard, name="discard"),
]
