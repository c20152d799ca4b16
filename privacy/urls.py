from __future__ import annotations

from django.urls import path

from privacy import views

app_name = "privacy"
urlpatterns = [
    path("", views.my_info, name="my_info"),
    path("correction/", views.correction_new, name="correction_new"),
    path("close/", views.account_close, name="close"),
]
