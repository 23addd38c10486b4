"""URLs of the oauth app: per-pool discovery and JWKS."""

from __future__ import annotations

from django.urls import path

from oauth import views

urlpatterns = [
    path(
        "<str:pool_id>/.well-known/openid-configuration",
        views.openid_configuration,
        name="openid_configuration",
    ),
    path("<str:pool_id>/.well-known/jwks.json", views.jwks, name="jwks"),
]
