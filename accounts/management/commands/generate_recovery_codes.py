"""``python manage.py generate_recovery_codes <user_pool_id> <username>``: ten new MFA
recovery codes for a user (beyond Cognito; there is no API action for them). The codes are
printed once, one per line; the user's earlier codes stop working."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.services import mfa, pools, users
from core.errors import CognitoError


class Command(BaseCommand):
    help = "Generate ten single-use MFA recovery codes for a user (printed once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("user_pool_id")
        parser.add_argument("username", help="The username, a sign-in alias or the sub.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = users.get_user(pools.get_user_pool(options["user_pool_id"]), options["username"])
            codes = mfa.generate_recovery_codes(user, actor="manage.py generate_recovery_codes")
        except CognitoError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write("\n".join(codes))
