"""URLs of the oauth app: per-pool discovery and JWKS, the OAuth 2.0 / OIDC endpoints at
Cognito's paths, Cognito's ``/logout`` and each pool's RP-initiated logout."""

from __future__ import annotations

from django.urls import path

from oauth import views, views_oauth

urlpatterns = [
    path(
        "<str:pool_id>/.well-known/openid-configuration",
        views.openid_configuration,
        name="openid_configuration",
    ),
    path("<str:pool_id>/.well-known/jwks.json", views.jwks, name="jwks"),
    path("<str:pool_id>/logout", views_oauth.end_session, name="end_session"),
    path("oauth2/authorize", views_oauth.authorize, name="oauth2_authorize"),
    path("oauth2/token", views_oauth.token, name="oauth2_token"),
    path("oauth2/userInfo", views_oauth.userinfo, name="oauth2_userinfo"),
    path("oauth2/revoke", views_oauth.revoke, name="oauth2_revoke"),
    path("logout", views_oauth.logout, name="logout"),
]
