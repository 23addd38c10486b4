"""Register an OpenID Connect provider (IAM CreateOpenIDConnectProvider's counterpart) and
print its ARN for an identity pool's ``OpenIdConnectProviderARNs``."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import CognitoError
from identity.services.pools import register_oidc_provider


class Command(BaseCommand):
    help = 'Prints {"OpenIDConnectProviderArn": ...} for the provider at --url.'

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", required=True, help="the issuer, as its tokens' iss")
        parser.add_argument(
            "--client-id", action="append", default=[], help="an accepted aud (repeatable)"
        )
        parser.add_argument("--jwks-uri", default="", help="default: from the discovery document")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            provider = register_oidc_provider(
                url=options["url"], client_ids=options["client_id"], jwks_uri=options["jwks_uri"]
            )
        except CognitoError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(json.dumps({"OpenIDConnectProviderArn": provider.arn}))
