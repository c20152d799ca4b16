from __future__ import annotations

from django.urls import path

from cases.models import CaseAction
from review import views

app_name = "review"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/accept/", views.decide, {"action": CaseAction.ACCEPT}, name="accept"),
    path(
        "cases/<int:pk>/correction/",
        views.decide,
        {"action": CaseAction.REQUEST_CORRECTION},
        name="correction",
    ),
    path("cases/<int:pk>/reject/", views.decide, {"action": CaseAction.REJECT}, name="reject"),
    path("cases/<int:pk>/review/", views.decide, {"action": CaseAction.REVIEW}, name="review"),
    path("cases/<int:pk>/approve/", views.decide, {"action": CaseAction.APPROVE}, name="approve"),
    path("cases/<int:pk>/deny/", views.decide, {"action": CaseAction.DENY}, name="deny"),
    path("checks/", views.checks, name="checks"),
    path("checks/<int:pk>/close/", views.check_close, name="check_close"),
    path("corrections/", views.corrections, name="corrections"),
    path("corrections/<int:pk>/close/", views.correction_close, name="correction_close"),
]
