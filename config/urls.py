from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import include, path

from core.views import healthz
from federation.views import idp_response


def index(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {
            "service": "tessera",
            "api": "POST / with X-Amz-Target (AWS JSON 1.1)",
            "health": "/healthz",
            "console": "/admin/",
        }
    )


urlpatterns = [
    path("", index, name="index"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("oauth2/idpresponse", idp_response, name="oidc_idp_response"),
    path("saml2/idpresponse", idp_response, name="saml_idp_response"),
    path("", include("identity.urls")),
    path("", include("oauth.urls")),
    path("", include("accounts.urls")),
]
