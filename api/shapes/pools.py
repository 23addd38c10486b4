"""PascalCase output shapes for user pools (UserPoolType, UserPoolDescriptionType, the MFA
configuration)."""

from __future__ import annotations

from typing import Any

from accounts.models import UserPool
from accounts.services import pools
from oauth.services import domains


def user_pool_type(pool: UserPool) -> dict[str, Any]:
    """DescribeUserPool's UserPoolType; optional settings appear only when set, as in Cognito."""
    shape: dict[str, Any] = {
        "Id": pool.id,
        "Name": pool.name,
        "Arn": pool.arn,
        "Policies": pool.policies,
        "DeletionProtection": pool.deletion_protection,
        "LambdaConfig": pool.lambda_config,
        "LastModifiedDate": pool.modified,
        "CreationDate": pool.created,
        "SchemaAttributes": pools.pool_schema(pool),
        "AutoVerifiedAttributes": pool.auto_verified_attributes,
        "SmsVerificationMessage": pool.sms_verification_message,
        "EmailVerificationMessage": pool.email_verification_message,
        "EmailVerificationSubject": pool.email_verification_subject,
        "VerificationMessageTemplate": pools.verification_message_template(pool),
        "SmsAuthenticationMessage": pool.sms_authentication_message,
        "UserAttributeUpdateSettings": pool.user_attribute_update_settings,
        "MfaConfiguration": pool.mfa_configuration,
        "EstimatedNumberOfUsers": pool.users.count(),
        "EmailConfiguration": pool.email_configuration,
        "UserPoolTags": pool.tags,
        "AdminCreateUserConfig": pool.admin_create_user_config,
        "UsernameConfiguration": {"CaseSensitive": pool.username_case_sensitive},
        "UserPoolTier": pool.user_pool_tier,
    }
    optional = {
        "AliasAttributes": pool.alias_attributes,
        "UsernameAttributes": pool.username_attributes,
        "DeviceConfiguration": pool.device_configuration,
        "SmsConfiguration": pool.sms_configuration,
        "UserPoolAddOns": pool.user_pool_add_ons,
        "AccountRecoverySetting": pool.account_recovery_setting,
    }
    shape.update({key: value for key, value in optional.items() if value})
    shape.update(domains.pool_domains(pool))
    return shape


def user_pool_description_type(pool: UserPool) -> dict[str, Any]:
    return {
        "Id": pool.id,
        "Name": pool.name,
        "LambdaConfig": pool.lambda_config,
        "Status": "Enabled",
        "CreationDate": pool.created,
        "LastModifiedDate": pool.modified,
    }


def mfa_config(pool: UserPool) -> dict[str, Any]:
    """GetUserPoolMfaConfig / SetUserPoolMfaConfig output."""
    shape: dict[str, Any] = {
        "MfaConfiguration": pool.mfa_configuration,
        "SoftwareTokenMfaConfiguration": {"Enabled": pool.software_token_mfa_enabled},
    }
    if pool.sms_mfa_configuration:
        shape["SmsMfaConfiguration"] = pool.sms_mfa_configuration
    if pool.email_mfa_configuration:
        shape["EmailMfaConfiguration"] = {
            key: value
            for key, value in pool.email_mfa_configuration.items()
            if key in ("Message", "Subject")  # EmailMfaConfigType's members
        }
    return shape
