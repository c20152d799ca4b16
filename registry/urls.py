from __future__ import annotations

from django.urls import path

from registry import views

app_name = "registry"
urlpatterns = [
    path("enterprise/", views.enterprise, name="enterprise"),
    # Public, no login, limited per address.
    path("query/", views.query, name="query"),
]
