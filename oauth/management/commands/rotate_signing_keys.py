"""``manage.py rotate_signing_keys --pool <id>``: new signing keys for a pool."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import UserPool
from oauth.services import keys


class Command(BaseCommand):
    help = (
        "Make new ID- and access-token signing keys active for a user pool. Retired public "
        "keys stay in the JWKS until the tokens they signed have expired (one day), then "
        "the next rotation drops them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pool", required=True, help="the user pool id")

    def handle(self, *args: Any, **options: Any) -> None:
        pool_id = options["pool"]
        if not UserPool.objects.filter(pk=pool_id).exists():
            raise CommandError(f"User pool {pool_id} does not exist.")
        rotation = keys.rotate_pool_keys(pool_id)
        for kid in rotation.new_kids:
            self.stdout.write(f"active  {kid}")
        for kid in rotation.retired_kids:
            self.stdout.write(f"retired {kid}")
        for kid in rotation.dropped_kids:
            self.stdout.write(f"dropped {kid}")
