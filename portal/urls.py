from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from portal import views

admin.site.site_header = "辽宁政务服务网 · 管理后台"
admin.site.site_title = "管理后台"
admin.site.index_title = "参考数据管理"

urlpatterns = [
    path("", include(("portal.urls_site", "portal"))),
    path("accounts/", include("accounts.urls")),
    path("catalog/", include("catalog.urls")),
    path("cases/", include("cases.urls")),
    path("workbench/", include("review.urls")),
    path("certificates/", include("certificates.urls")),
    path("registry/", include("registry.urls")),
    # The admin shares the portal's login, so its lockout and session rules apply there too.
    path("admin/login/", RedirectView.as_view(url="/accounts/login/?kind=staff", query_string=False)),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
]
