from __future__ import annotations

from django.urls import path

from supervision import views

app_name = "supervision"
urlpatterns = [
    path("", views.board, name="board"),
    path("extensions/<int:pk>/decide/", views.extension_decide, name="extension_decide"),
    path("cases/<int:pk>/extension/", views.extension_request, name="extension_request"),
    path("cases/<int:pk>/pause/", views.pause_start, name="pause_start"),
    path("cases/<int:pk>/resume/", views.pause_end, name="pause_end"),
]
