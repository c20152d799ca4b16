from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from accounts import views as accounts_views
from api.endpoints import api, api_index

admin.site.site_header = "辽宁政务服务网 · 管理后台"
admin.site.site_title = "管理后台"
admin.site.index_title = "参考数据管理"
# The admin shares the portal's staff login, so the second factor, the lockout and the session
# rules apply there too; its own password form would skip all three.
admin.site.login = accounts_views.admin_login  # type: ignore[method-assign]

handler400 = "portal.views.bad_request"
handler500 = "portal.views.server_error"

urlpatterns = [
    path("", include(("portal.urls_site", "portal"))),
    path("accounts/", include("accounts.urls")),
    path("catalog/", include("catalog.urls")),
    path("cases/", include("cases.urls")),
    path("workbench/", include("review.urls")),
    # 撤销注册 and 强制注销 (ADR 27): the workbench's pages and the holder's 陈述申辩.
    path("proceedings/", include("revocation.urls")),
    path("certificates/", include("certificates.urls")),
    path("registry/", include("registry.urls")),
    path("audit/", include("audit.urls")),
    path("my-info/", include("privacy.urls")),
    path("ratings/", include("ratings.urls")),
    path("supervision/", include("supervision.urls")),
    path("bulletins/", include("bulletins.urls")),
    path("figures/", include("figures.urls")),
    path("admin/", admin.site.urls),
    # The open API (api/, docs/api.md): versioned in its address. Its root, with or without the
    # slash, says where the description and the docs are (rather than an HTML redirect).
    path("api/v1", api_index, name="api_index"),
    path("api/v1/", api_index),
    path("api/v1/", api.urls),
]
