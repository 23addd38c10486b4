"""No input botocore's model accepts makes an action fail with a non-Cognito error (a 500).

Each action gets inputs generated from its botocore input shape (edge lengths and values,
non-ASCII and unusual strings, the real ids of an existing pool, client and identity pool
so the handlers get past their lookups); whatever passes validation is handed to the
handler, which must return or raise a CognitoError. Every registered action is covered.
"""

from __future__ import annotations

import random
import re
from typing import Any

import pytest
from botocore.model import Shape
from django.db import transaction
from django.test import RequestFactory

from accounts.services import pools
from api import registry
from api.models import AccessKey
from api.validation import validate_input
from core.errors import CognitoError
from identity.services import pools as identity_pools
from oauth.services import clients

ATTEMPTS = 12
ODD_STRINGS = [
    "x",
    "é",
    "\u00b2",  # a digit to str.isdigit(), not to int()
    "9" * 40,
    "-1",
    "null",
    "{}",
    "a.b.c",
    "Zm9v",
    "user@example.com",
    "+15555550100",
    "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Nope12345",
    "us-east-1:00000000-0000-0000-0000-000000000000",
    "custom:x",
    " ",
]


def _string(shape: Shape, rng: random.Random, known: list[str]) -> str:
    if shape.enum:
        return str(rng.choice(shape.enum))
    low, high = shape.metadata.get("min", 0), shape.metadata.get("max", 2048)
    pattern = shape.metadata.get("pattern")
    candidates = [*ODD_STRINGS, *known, "a" * low, "b" * min(high, 300)]
    rng.shuffle(candidates)
    for candidate in candidates:
        if low <= len(candidate) <= high and (pattern is None or _fullmatch(pattern, candidate)):
            return candidate
    return "a" * max(low, 1)


def _fullmatch(pattern: str, value: str) -> bool:
    try:
        return re.fullmatch(pattern, value) is not None
    except re.error:  # Java-only syntax (\p{L}…): the validator does not enforce it either
        return True


def _value(shape: Shape, rng: random.Random, known: list[str], depth: int) -> Any:
    kind, meta = shape.type_name, shape.metadata
    if kind == "string":
        return _string(shape, rng, known)
    if kind in ("integer", "long"):
        low, high = meta.get("min", -1), meta.get("max", 10**6)
        return rng.choice([low, high, (low + high) // 2])
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "timestamp":
        return 1_700_000_000
    if kind == "double":
        return 1.5
    if kind == "blob":
        return "Zm9v"
    if kind == "list":
        count = 0 if depth > 3 else rng.randint(meta.get("min", 0), min(meta.get("max", 3), 3))
        return [_value(shape.member, rng, known, depth + 1) for _ in range(count)]
    if kind == "map":
        count = 0 if depth > 3 else rng.randint(meta.get("min", 0), min(meta.get("max", 3), 3))
        return {
            _value(shape.key, rng, known, depth + 1): _value(shape.value, rng, known, depth + 1)
            for _ in range(count)
        }
    members: dict[str, Any] = {}
    for name, member in shape.members.items():
        if name in shape.required_members or (depth < 3 and rng.random() < 0.6):
            members[name] = _value(member, rng, known, depth + 1)
    return members


@pytest.mark.django_db
def test_accepted_inputs_never_raise_non_cognito_errors() -> None:
    registry.load_handlers()
    pool = pools.create_user_pool(name="fuzz", settings={})
    client = clients.create_user_pool_client(pool=pool, name="fuzz", settings={})
    identity_pool = identity_pools.create_identity_pool(
        params={"IdentityPoolName": "fuzz", "AllowUnauthenticatedIdentities": True}
    )
    real_ids = {
        "UserPoolId": pool.id,
        "ClientId": client.client_id,
        "IdentityPoolId": identity_pool.id,
    }
    key, _ = AccessKey.issue(description="fuzz")
    rng = random.Random(20240611)
    covered = list(registry.ACTIONS.values())
    reached: set[str] = set()
    crashes: list[str] = []
    for found in covered:
        shape = registry.operation_model(found.service, found.name).input_shape
        for attempt in range(ATTEMPTS):
            params = _value(shape, rng, list(real_ids.values()), 0) if shape else {}
            if attempt % 3:
                params.update({name: value for name, value in real_ids.items() if name in params})
            try:
                validate_input(params, shape)
            except CognitoError:
                continue
            reached.add(found.name)
            ctx = registry.RequestContext(
                request=RequestFactory().post("/"),
                request_id="fuzz",
                service=found.service,
                action=found.name,
                region="us-east-1",
                access_key=key,
            )
            try:
                with transaction.atomic():
                    found.handler(params, ctx)
                    transaction.set_rollback(True)  # every attempt starts from the same data
            except CognitoError:
                pass
            except Exception as exc:
                crashes.append(f"{found.name} {params!r}: {type(exc).__name__}: {exc}")
    assert crashes == []
    # The inputs got past validation for nearly every action, so handlers really ran.
    assert len(reached) >= 0.9 * len({found.name for found in covered}), sorted(
        {found.name for found in covered} - reached
    )
