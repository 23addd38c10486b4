"""Which role credentials are issued for: the pool's roles, RoleMappings of type Rules and
Token, CustomRoleArn and AmbiguousRoleResolution. The role is read back the way a caller
would see it: STS GetCallerIdentity with the credentials."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.identity.conftest import AUTH_ROLE, UserPoolSetup

ADMIN_ROLE = "arn:aws:iam::123456789012:role/admins"
EDITOR_ROLE = "arn:aws:iam::123456789012:role/editors"
READER_ROLE = "arn:aws:iam::123456789012:role/readers"


def _refused(call: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as refused:
        call(**kwargs)
    error = refused.value.response["Error"]
    return error["Code"], error["Message"]


@pytest.fixture
def role_of(identity_public: Any, sts_for: Any) -> Any:
    """The role name GetCredentialsForIdentity's credentials act in."""

    def role(pool_id: str, logins: dict[str, str], **extra: Any) -> str:
        identity_id = identity_public.get_id(IdentityPoolId=pool_id, Logins=logins)["IdentityId"]
        issued = identity_public.get_credentials_for_identity(
            IdentityId=identity_id, Logins=logins, **extra
        )
        arn = sts_for(issued["Credentials"]).get_caller_identity()["Arn"]
        return str(arn.split("/")[1])

    return role


def test_rules_mapping_first_match_wins_else_ambiguous_resolution(
    user_pool: UserPoolSetup,
    make_identity_pool: Any,
    cognito_identity: Any,
    identity_public: Any,
    role_of: Any,
) -> None:
    pool_id = make_identity_pool(user_pool)
    admin = user_pool.add_user("boss@corp.example", groups=(("admins", 1, ""),))
    editor = user_pool.add_user("ed@corp.example", groups=(("editors", 2, ""),))
    outsider = user_pool.add_user("guest@else.example")
    rules = [
        {
            "Claim": "cognito:groups",
            "MatchType": "Contains",
            "Value": "admins",
            "RoleARN": ADMIN_ROLE,
        },
        {
            "Claim": "cognito:groups",
            "MatchType": "Equals",
            "Value": "editors",
            "RoleARN": EDITOR_ROLE,
        },
        {"Claim": "email", "MatchType": "StartsWith", "Value": "boss@", "RoleARN": READER_ROLE},
        {
            "Claim": "email_verified",
            "MatchType": "NotEqual",
            "Value": "true",
            "RoleARN": READER_ROLE,
        },
    ]
    mapping_key = f"{user_pool.provider}:{user_pool.client_id}"

    def map_roles(resolution: str) -> None:
        cognito_identity.set_identity_pool_roles(
            IdentityPoolId=pool_id,
            Roles={"authenticated": AUTH_ROLE},
            RoleMappings={
                mapping_key: {
                    "Type": "Rules",
                    "AmbiguousRoleResolution": resolution,
                    "RulesConfiguration": {"Rules": rules},
                }
            },
        )

    map_roles("AuthenticatedRole")
    assert (
        cognito_identity.get_identity_pool_roles(IdentityPoolId=pool_id)["RoleMappings"][
            mapping_key
        ]["RulesConfiguration"]["Rules"]
        == rules
    )
    # The admin also matches the StartsWith rule: the first matching rule decides.
    assert role_of(pool_id, {user_pool.provider: user_pool.id_token(admin)}) == "admins"
    assert role_of(pool_id, {user_pool.provider: user_pool.id_token(editor)}) == "editors"
    # No rule matches: AuthenticatedRole falls back to the pool's authenticated role.
    outsider_logins = {user_pool.provider: user_pool.id_token(outsider)}
    assert role_of(pool_id, outsider_logins) == "identity-auth"

    map_roles("Deny")
    assert role_of(pool_id, {user_pool.provider: user_pool.id_token(editor)}) == "editors"
    identity_id = identity_public.get_id(IdentityPoolId=pool_id, Logins=outsider_logins)[
        "IdentityId"
    ]
    assert _refused(
        identity_public.get_credentials_for_identity,
        IdentityId=identity_id,
        Logins=outsider_logins,
    ) == ("NotAuthorizedException", "The ambiguous role mapping rules denied this request.")


def test_token_mapping_uses_preferred_role_or_an_allowed_custom_role(
    user_pool: UserPoolSetup,
    make_identity_pool: Any,
    cognito_identity: Any,
    identity_public: Any,
    role_of: Any,
) -> None:
    pool_id = make_identity_pool(user_pool)
    cognito_identity.set_identity_pool_roles(
        IdentityPoolId=pool_id,
        Roles={"authenticated": AUTH_ROLE},
        RoleMappings={
            f"{user_pool.provider}:{user_pool.client_id}": {
                "Type": "Token",
                "AmbiguousRoleResolution": "Deny",
            }
        },
    )
    both = user_pool.add_user(
        "two@example.com", groups=(("editors", 2, EDITOR_ROLE), ("readers", 5, READER_ROLE))
    )
    logins = {user_pool.provider: user_pool.id_token(both)}
    # cognito:preferred_role is the lowest-precedence group's role.
    assert role_of(pool_id, logins) == "editors"
    assert role_of(pool_id, logins, CustomRoleArn=READER_ROLE) == "readers"
    identity_id = identity_public.get_id(IdentityPoolId=pool_id, Logins=logins)["IdentityId"]
    code, _ = _refused(
        identity_public.get_credentials_for_identity,
        IdentityId=identity_id,
        Logins=logins,
        CustomRoleArn=ADMIN_ROLE,
    )
    assert code == "NotAuthorizedException"

    # No role in the token at all is ambiguous, and this mapping denies it.
    plain = user_pool.add_user("plain@example.com")
    plain_logins = {user_pool.provider: user_pool.id_token(plain)}
    plain_id = identity_public.get_id(IdentityPoolId=pool_id, Logins=plain_logins)["IdentityId"]
    assert _refused(
        identity_public.get_credentials_for_identity, IdentityId=plain_id, Logins=plain_logins
    ) == ("NotAuthorizedException", "The ambiguous role mapping rules denied this request.")


def test_missing_roles_are_an_invalid_pool_configuration(
    user_pool: UserPoolSetup, make_identity_pool: Any, identity_public: Any, cognito_identity: Any
) -> None:
    pool_id = make_identity_pool(user_pool, roles={})
    guest = identity_public.get_id(IdentityPoolId=pool_id)["IdentityId"]
    assert _refused(identity_public.get_credentials_for_identity, IdentityId=guest) == (
        "InvalidIdentityPoolConfigurationException",
        "Invalid identity pool configuration. Check assigned IAM roles for this pool.",
    )
    email = user_pool.add_user("ada@example.com")
    logins = {user_pool.provider: user_pool.id_token(email)}
    identity_id = identity_public.get_id(IdentityPoolId=pool_id, Logins=logins)["IdentityId"]
    assert (
        _refused(
            identity_public.get_credentials_for_identity, IdentityId=identity_id, Logins=logins
        )[0]
        == "InvalidIdentityPoolConfigurationException"
    )

    # Mappings are checked when set.
    code, message = _refused(
        cognito_identity.set_identity_pool_roles,
        IdentityPoolId=pool_id,
        Roles={"authenticated": AUTH_ROLE},
        RoleMappings={"accounts.google.com": {"Type": "Rules", "AmbiguousRoleResolution": "Deny"}},
    )
    assert code == "InvalidParameterException"
    assert "RulesConfiguration is required" in message
    code, message = _refused(
        cognito_identity.set_identity_pool_roles,
        IdentityPoolId=pool_id,
        Roles={"authenticated": "arn:aws:s3:::not-a-role-bucket"},
    )
    assert code == "InvalidParameterException"
