"""Identifier formats as Cognito makes them (reference §3.5)."""

from __future__ import annotations

import secrets
import string
import uuid
from collections.abc import Callable

from django.conf import settings

_ALNUM = string.ascii_letters + string.digits
_LOWER_ALNUM = string.ascii_lowercase + string.digits


def new_user_pool_id(region: str | None = None) -> str:
    """``<region>_<9 [0-9A-Za-z]>``, e.g. ``us-east-1_ZQoyxbBkE``."""
    suffix = "".join(secrets.choice(_ALNUM) for _ in range(9))
    return f"{region or settings.AWS_REGION}_{suffix}"


def new_client_id() -> str:
    """26 lowercase alphanumerics, e.g. ``74jdrobmasoi0m2i1je8vhrij6``."""
    return "".join(secrets.choice(_LOWER_ALNUM) for _ in range(26))


def new_client_secret() -> str:
    """51 lowercase alphanumerics (~263 bits): Cognito's shape, ``[\\w+]{24,64}``."""
    return "".join(secrets.choice(_LOWER_ALNUM) for _ in range(51))


def new_sub() -> str:
    return str(uuid.uuid4())


def new_access_key_id() -> str:
    return "AKIA" + "".join(secrets.choice(string.ascii_uppercase + "234567") for _ in range(16))


def new_secret_access_key() -> str:
    return "".join(secrets.choice(_ALNUM + "+/") for _ in range(40))


def user_pool_arn(pool_id: str) -> str:
    region = pool_id.split("_", 1)[0]
    return f"arn:aws:cognito-idp:{region}:{settings.AWS_ACCOUNT_ID}:userpool/{pool_id}"


def pool_region(pool_id: str) -> str:
    return pool_id.split("_", 1)[0]


def not_option_like(make: Callable[[], str]) -> str:
    """A random opaque value (a challenge Session, a refresh token) that does not start with
    "-": the AWS CLI's argparse reads ``--session -abc…`` as a missing value and an unknown
    option, and Cognito's own values never start with one. ``make`` draws a fresh value
    each call; one in 64 base64url values is drawn again."""
    while True:
        value = make()
        if not value.startswith("-"):
            return value
