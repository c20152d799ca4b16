from __future__ import annotations

from django.urls import path

from ratings import views

app_name = "ratings"
urlpatterns = [
    path("cases/<int:pk>/", views.rate, name="rate"),
    path("rectifications/", views.rectifications, name="rectifications"),
    path("rectifications/<int:pk>/", views.rectification, name="rectification"),
    path("rectifications/<int:pk>/reply/", views.rectification_reply, name="reply"),
    path("rectifications/<int:pk>/follow-up/", views.rectification_follow_up, name="follow_up"),
    path("rectifications/<int:pk>/appeal/", views.appeal_new, name="appeal_new"),
    path(
        "ratings/<int:rating_pk>/rectification/",
        views.rectification_for_rating,
        name="rectification_for_rating",
    ),
    path("appeals/", views.appeals, name="appeals"),
    path("appeals/<int:pk>/decide/", views.appeal_decide, name="appeal_decide"),
]
