"""Create (once) the demo pool and app client that `make run` prints, and print them."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import UserPool
from accounts.services import pools
from oauth.models import AppClient

DEMO_POOL_NAME = "tessera-demo"
DEMO_CLIENT_NAME = "tessera-demo-web"
DEMO_CALLBACK = "http://localhost:3000/callback"


class Command(BaseCommand):
    help = "Bootstraps the demo user pool and app client (idempotent) and prints their ids."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        pool = UserPool.objects.filter(name=DEMO_POOL_NAME).order_by("created").first()
        if pool is None:
            pool = pools.create_user_pool(
                name=DEMO_POOL_NAME,
                settings={
                    "AutoVerifiedAttributes": ["email"],
                    "UsernameAttributes": ["email"],
                    "MfaConfiguration": "OPTIONAL",
                },
            )
        client = AppClient.objects.filter(pool=pool, name=DEMO_CLIENT_NAME).first()
        if client is None:
            client = AppClient(
                pool=pool,
                name=DEMO_CLIENT_NAME,
                client_id=_new_client_id(),
                client_type=AppClient.CLIENT_PUBLIC,
                authorization_grant_type=AppClient.GRANT_AUTHORIZATION_CODE,
                explicit_auth_flows=[
                    "ALLOW_USER_SRP_AUTH",
                    "ALLOW_USER_PASSWORD_AUTH",
                    "ALLOW_REFRESH_TOKEN_AUTH",
                ],
                supported_identity_providers=["COGNITO"],
                callback_urls=[DEMO_CALLBACK],
                redirect_uris=DEMO_CALLBACK,
                allowed_oauth_flows=["code"],
                allowed_oauth_scopes=["openid", "email", "profile"],
                allowed_oauth_flows_user_pool_client=True,
            )
            client.save()
        query = urlencode(
            {
                "client_id": client.client_id,
                "response_type": "code",
                "scope": "openid email profile",
                "redirect_uri": DEMO_CALLBACK,
            }
        )
        self.stdout.write(f"Demo user pool id:   {pool.id}")
        self.stdout.write(f"Demo app client id:  {client.client_id}")
        self.stdout.write(f"Hosted UI sign-in:   {settings.PUBLIC_URL}/login?{query}")
        self.stdout.write(f"JSON API endpoint:   {settings.PUBLIC_URL}/")


def _new_client_id() -> str:
    from core.ids import new_client_id

    return new_client_id()
