from __future__ import annotations

from django.urls import path

from catalog import views

app_name = "catalog"
urlpatterns = [
    path("search/", views.search, name="search"),
    path("departments/", views.departments, name="departments"),
    path("departments/<slug:code>/", views.department, name="department"),
    path("matters/<slug:code>/", views.guide, name="guide"),
    path("matters/<slug:code>/apply/", views.apply, name="apply"),
]
