"""URLs of the identity service: its OpenID discovery and JWKS."""

from __future__ import annotations

from django.urls import path

from identity import views

urlpatterns = [
    path(
        "cognito-identity/.well-known/openid-configuration",
        views.openid_configuration,
        name="identity_openid_configuration",
    ),
    path("cognito-identity/.well-known/jwks_uri", views.jwks, name="identity_jwks"),
]
