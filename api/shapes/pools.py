"""PascalCase output shapes for user pools (UserPoolType, UserPoolDescriptionType)."""

from __future__ import annotations

from typing import Any

from accounts.models import UserPool


def user_pool_type(pool: UserPool) -> dict[str, Any]:
    return {
        "Id": pool.id,
        "Name": pool.name,
        "Arn": pool.arn,
        "Policies": pool.policies,
        "AutoVerifiedAttributes": pool.auto_verified_attributes,
        "UsernameAttributes": pool.username_attributes,
        "AliasAttributes": pool.alias_attributes,
        "MfaConfiguration": pool.mfa_configuration,
        "UserAttributeUpdateSettings": pool.user_attribute_update_settings,
        "UserPoolTags": pool.tags,
        "CreationDate": pool.created,
        "LastModifiedDate": pool.modified,
        "EstimatedNumberOfUsers": pool.users.count(),
    }


def user_pool_description_type(pool: UserPool) -> dict[str, Any]:
    return {
        "Id": pool.id,
        "Name": pool.name,
        "LambdaConfig": pool.lambda_config,
        "Status": "Enabled",
        "CreationDate": pool.created,
        "LastModifiedDate": pool.modified,
    }
