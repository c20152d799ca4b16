from __future__ import annotations

from django.urls import path

from portal import views

urlpatterns = [
    path("", views.home, name="home"),
    path("help/", views.help_page, name="help"),
    path("messages/", views.inbox, name="inbox"),
    path("messages/<int:pk>/", views.inbox_open, name="inbox_open"),
    path("display/", views.display_mode, name="display_mode"),
]
