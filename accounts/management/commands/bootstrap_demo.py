"""Create (once) the demo pool and app client that `make run` prints, and print them."""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import UserPool
from accounts.services import pools
from core import crypto
from oauth.models import AppClient
from oauth.services import clients

DEMO_POOL_NAME = "tessera-demo"
DEMO_CLIENT_NAME = "tessera-demo-web"
DEMO_CALLBACK = "http://localhost:3000/callback"
DEMO_LOGOUT = "http://localhost:3000/"
DEMO_SCOPES = ["openid", "email", "profile"]


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
            # A public single-page app, as the seed's hosted-UI example: no secret.
            client = clients.create_user_pool_client(
                pool=pool,
                name=DEMO_CLIENT_NAME,
                settings={
                    "ExplicitAuthFlows": [
                        "ALLOW_USER_SRP_AUTH",
                        "ALLOW_USER_PASSWORD_AUTH",
                        "ALLOW_REFRESH_TOKEN_AUTH",
                    ],
                    "SupportedIdentityProviders": ["COGNITO"],
                    "CallbackURLs": [DEMO_CALLBACK],
                    "LogoutURLs": [DEMO_LOGOUT],
                    "DefaultRedirectURI": DEMO_CALLBACK,
                    "AllowedOAuthFlows": ["code"],
                    "AllowedOAuthScopes": DEMO_SCOPES,
                    "AllowedOAuthFlowsUserPoolClient": True,
                    "PreventUserExistenceErrors": "ENABLED",
                },
                actor="bootstrap_demo",
            )
        verifier, challenge = demo_pkce_pair(client.client_id)
        query = urlencode(
            {
                "client_id": client.client_id,
                "response_type": "code",
                "scope": " ".join(DEMO_SCOPES),
                "redirect_uri": DEMO_CALLBACK,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        base = settings.PUBLIC_URL
        self.stdout.write(f"Demo user pool id:   {pool.id}")
        self.stdout.write(f"Demo app client id:  {client.client_id}")
        self.stdout.write(f"Hosted UI sign-in:   {base}/login?{query}")
        self.stdout.write(f"Hosted UI sign-up:   {base}/signup?{query}")
        self.stdout.write(f"JSON API endpoint:   {base}/")
        self.stdout.write(
            f"After sign-in the browser lands on {DEMO_CALLBACK}?code=…; exchange the code with\n"
            f"  curl -s {base}/oauth2/token -d grant_type=authorization_code "
            f"-d client_id={client.client_id} -d redirect_uri={DEMO_CALLBACK} "
            f"-d code_verifier={verifier} -d code=<code>"
        )


def demo_pkce_pair(client_id: str) -> tuple[str, str]:
    """A fixed PKCE pair for the printed demo URL (the demo client is public, so RFC 9700
    requires PKCE). Derived from the server key, so `make run` prints the same URL each
    time; a real app makes a fresh verifier per sign-in."""
    verifier = crypto.keyed_digest(client_id, "demo-pkce-verifier")  # 64 hex characters
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return verifier, challenge
