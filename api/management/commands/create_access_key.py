"""Issue an access key for SigV4-signed (admin) API calls and print it once as JSON."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from api.models import AccessKey


class Command(BaseCommand):
    help = 'Prints {"AccessKeyId": ..., "SecretAccessKey": ...} for a new access key.'

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--description", default="", help="a note shown in the console")

    def handle(self, *args: Any, **options: Any) -> None:
        key, secret = AccessKey.issue(description=options["description"])
        self.stdout.write(json.dumps({"AccessKeyId": key.access_key_id, "SecretAccessKey": secret}))
