from __future__ import annotations

from django.urls import path

from review import views

app_name = "review"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/accept/", views.accept, name="accept"),
    path("cases/<int:pk>/correction/", views.correction, name="correction"),
    path("cases/<int:pk>/reject/", views.reject, name="reject"),
    path("cases/<int:pk>/review/", views.review, name="review"),
    path("cases/<int:pk>/approve/", views.approve, name="approve"),
    path("cases/<int:pk>/deny/", views.deny, name="deny"),
]
