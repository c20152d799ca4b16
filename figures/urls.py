from __future__ import annotations

from django.urls import path

from figures import views

app_name = "figures"
urlpatterns = [
    path("", views.page, name="page"),
    path("export.csv", views.export_csv, name="csv"),
    path("export.xlsx", views.export_xlsx, name="xlsx"),
]
