from __future__ import annotations

from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("register/", views.register, name="register"),
    path("login/", views.login_view, name="login"),
    path("login/verify/", views.login_verify, name="login_verify"),
    path("login/unified/", views.unified_start, name="unified_start"),
    path("login/unified/callback/", views.unified_callback, name="unified_callback"),
    path("login/unified/confirm/", views.unified_confirm, name="unified_confirm"),
    path("password/", views.password_change_view, name="password_change"),
    path("totp/", views.totp_setup, name="totp_setup"),
    path("logout/", views.logout_view, name="logout"),
    path("keepalive/", views.keepalive, name="keepalive"),
    path("profile/", views.profile, name="profile"),
    path("verify/", views.verify, name="verify"),
    path("particulars/", views.particulars, name="particulars"),
    path("password-reset/", views.password_reset_view, name="password_reset"),
    path("sms-code/", views.sms_code, name="sms_code"),
]
