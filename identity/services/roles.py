"""Roles of an identity pool: SetIdentityPoolRoles / GetIdentityPoolRoles and the choice of
role for a credentials request (awsdocs ``role-based-access-control.md``, reference §6).

A guest gets the ``unauthenticated`` role. A signed-in identity gets the role its provider's
RoleMapping picks (``Token``: ``cognito:preferred_role``, or the ``CustomRoleArn`` asked for
when the token's ``cognito:roles`` lists it; ``Rules``: the first rule whose claim matches),
else the ``authenticated`` role. When a mapping cannot decide, ``AmbiguousRoleResolution``
says: fall back to the ``authenticated`` role, or deny.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.errors import (
    InvalidIdentityPoolConfigurationException,
    InvalidParameterException,
    NotAuthorizedException,
)
from identity.models import IdentityPool
from identity.services.logins import VerifiedLogin
from identity.services.pools import user_pool_id_for_provider, user_pool_provider_name

MAX_RULES = 25
_ROLE_ARN = re.compile(r"arn:aws[\w-]*:iam::\d{12}:role/[\w+=,.@/-]+")
DENIED = "The ambiguous role mapping rules denied this request."


def _check_role_arn(arn: str) -> None:
    if not _ROLE_ARN.fullmatch(arn):
        raise InvalidParameterException(f"Invalid role ARN: {arn}")


def _canonical_mapping_key(key: str) -> str:
    """User-pool keys are ``<provider>:<clientId>``; either accepted provider form is kept in
    Cognito's, so a mapping applies whichever form the login uses."""
    provider, sep, client_id = key.rpartition(":")
    pool_id = user_pool_id_for_provider(provider) if sep else None
    if pool_id is None:
        return key
    return f"{user_pool_provider_name(pool_id)}:{client_id}"


def _check_mapping(key: str, mapping: Mapping[str, Any]) -> dict[str, Any]:
    kind = mapping["Type"]
    checked: dict[str, Any] = {"Type": kind}
    resolution = mapping.get("AmbiguousRoleResolution")
    if resolution is None:
        raise InvalidParameterException(
            f"AmbiguousRoleResolution is required for the role mapping of {key}."
        )
    checked["AmbiguousRoleResolution"] = resolution
    if kind == "Rules":
        rules = (mapping.get("RulesConfiguration") or {}).get("Rules") or []
        if not rules:
            raise InvalidParameterException(
                f"RulesConfiguration is required for the Rules role mapping of {key}."
            )
        if len(rules) > MAX_RULES:
            raise InvalidParameterException(
                f"A role mapping can have at most {MAX_RULES} rules; {key} has {len(rules)}."
            )
        for rule in rules:
            _check_role_arn(rule["RoleARN"])
        checked["RulesConfiguration"] = {"Rules": [dict(rule) for rule in rules]}
    return checked


@transaction.atomic
def set_identity_pool_roles(
    *,
    pool: IdentityPool,
    roles: Mapping[str, str],
    role_mappings: Mapping[str, Mapping[str, Any]] | None,
) -> None:
    """SetIdentityPoolRoles: replaces the roles and the role mappings."""
    for arn in roles.values():
        _check_role_arn(arn)
    mappings = {
        _canonical_mapping_key(key): _check_mapping(key, mapping)
        for key, mapping in (role_mappings or {}).items()
    }
    pool = IdentityPool.objects.select_for_update().get(pk=pool.pk)
    pool.roles = dict(roles)
    pool.role_mappings = mappings
    pool.modified = timezone.now()
    pool.save(update_fields=["roles", "role_mappings", "modified"])


def _claim_values(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [str(item).lower() if isinstance(item, bool) else str(item) for item in items]


def rule_matches(rule: Mapping[str, Any], claims: Mapping[str, Any]) -> bool:
    """One mapping rule against the token's claims. A multi-valued claim (``cognito:groups``)
    matches when any of its values does; NotEqual when none equals. A missing claim matches
    nothing."""
    if rule["Claim"] not in claims:
        return False
    values = _claim_values(claims[rule["Claim"]])
    wanted = rule["Value"]
    match_type = rule["MatchType"]
    if match_type == "Equals":
        return wanted in values
    if match_type == "NotEqual":
        return wanted not in values
    if match_type == "StartsWith":
        return any(value.startswith(wanted) for value in values)
    return any(wanted in value for value in values)  # Contains


def _authenticated_role(pool: IdentityPool) -> str:
    role = pool.roles.get("authenticated")
    if not role:
        raise InvalidIdentityPoolConfigurationException()
    return str(role)


def _token_roles(login: VerifiedLogin) -> list[str]:
    return _claim_values(login.claims.get("cognito:roles"))


def _from_mapping(
    pool: IdentityPool,
    mapping: Mapping[str, Any],
    login: VerifiedLogin,
    custom_role_arn: str | None,
) -> str:
    chosen: str | None = None
    if mapping["Type"] == "Token":
        roles = _token_roles(login)
        preferred = login.claims.get("cognito:preferred_role")
        if custom_role_arn:
            if custom_role_arn not in roles:
                raise NotAuthorizedException(
                    "The CustomRoleArn is not one of the roles in the token's cognito:roles."
                )
            return custom_role_arn
        if isinstance(preferred, str) and preferred:
            chosen = preferred
        elif len(roles) == 1:
            chosen = roles[0]
    else:
        rules = mapping["RulesConfiguration"]["Rules"]
        chosen = next((rule["RoleARN"] for rule in rules if rule_matches(rule, login.claims)), None)
    if chosen is not None:
        return chosen
    if mapping.get("AmbiguousRoleResolution") == "AuthenticatedRole":
        return _authenticated_role(pool)
    raise NotAuthorizedException(DENIED)


def resolve_role(
    pool: IdentityPool, logins: Sequence[VerifiedLogin], custom_role_arn: str | None = None
) -> str:
    """The role a credentials request gets; ``logins`` empty means a guest."""
    if not logins:
        role = pool.roles.get("unauthenticated")
        if not role:
            raise InvalidIdentityPoolConfigurationException()
        return str(role)
    for login in logins:
        for key in login.mapping_keys:
            mapping = pool.role_mappings.get(_canonical_mapping_key(key))
            if mapping is not None:
                return _from_mapping(pool, mapping, login, custom_role_arn)
    if custom_role_arn:
        if not any(custom_role_arn in _token_roles(login) for login in logins):
            raise NotAuthorizedException(
                "The CustomRoleArn is not one of the roles in the token's cognito:roles."
            )
        return custom_role_arn
    return _authenticated_role(pool)


def assumable_roles(pool: IdentityPool, *, authenticated: bool) -> set[str]:
    """The roles the basic (classic) flow may assume with this pool's OpenID tokens."""
    if not authenticated:
        return {pool.roles["unauthenticated"]} if pool.roles.get("unauthenticated") else set()
    roles = {pool.roles["authenticated"]} if pool.roles.get("authenticated") else set()
    for mapping in pool.role_mappings.values():
        for rule in (mapping.get("RulesConfiguration") or {}).get("Rules") or []:
            roles.add(rule["RoleARN"])
    return roles
