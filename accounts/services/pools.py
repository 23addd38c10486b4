"""User-pool management: CreateUserPool, DescribeUserPool, UpdateUserPool, DeleteUserPool,
ListUserPools, AddCustomAttributes, Get/SetUserPoolMfaConfig and pool tags."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import DeletionProtection, MfaConfiguration, UserPool
from core import ids
from core.errors import InvalidParameterException, ResourceNotFoundException
from core.pagination import Page, creation_order_page
from core.tags import checked_tags, tags_added, tags_removed

# Cognito's default password policy when CreateUserPool gives none.
DEFAULT_PASSWORD_POLICY: dict[str, Any] = {
    "MinimumLength": 8,
    "RequireUppercase": True,
    "RequireLowercase": True,
    "RequireNumbers": True,
    "RequireSymbols": True,
    "TemporaryPasswordValidityDays": 7,
}
DEFAULT_SIGN_IN_POLICY: dict[str, Any] = {"AllowedFirstAuthFactors": ["PASSWORD"]}

# The messages Cognito fills in when a pool names none (what DescribeUserPool shows for a
# pool made in the console). Codes replace ``{####}``, links replace ``{##text##}``.
DEFAULT_VERIFICATION_MESSAGE_TEMPLATE: dict[str, str] = {
    "SmsMessage": "Your verification code is {####}. ",
    "EmailMessage": "Your verification code is {####}. ",
    "EmailSubject": "Your verification code",
    "EmailMessageByLink": (
        "Please click the link below to verify your email address. {##Verify Email##} "
    ),
    "EmailSubjectByLink": "Your verification link",
    "DefaultEmailOption": "CONFIRM_WITH_CODE",
}
DEFAULT_SMS_AUTHENTICATION_MESSAGE = "Your authentication code is {####}. "
# AdminCreateUser's invitation when the pool has no InviteMessageTemplate.
DEFAULT_INVITE_MESSAGE_TEMPLATE: dict[str, str] = {
    "EmailSubject": "Your temporary password",
    "EmailMessage": "Your username is {username} and temporary password is {####}. ",
    "SMSMessage": "Your username is {username} and temporary password is {####}. ",
}
DEFAULT_EMAIL_CONFIGURATION: dict[str, Any] = {"EmailSendingAccount": "COGNITO_DEFAULT"}
# What ForgotPassword uses when the pool sets no AccountRecoverySetting (Cognito's legacy
# order: a verified phone first, then a verified email).
DEFAULT_RECOVERY_MECHANISMS: list[dict[str, Any]] = [
    {"Priority": 1, "Name": "verified_phone_number"},
    {"Priority": 2, "Name": "verified_email"},
]
DEFAULT_USER_POOL_TIER = "ESSENTIALS"
MAX_CUSTOM_ATTRIBUTES = 50
_MAX_STRING_ATTRIBUTE_LENGTH = 2048
_TAGGED = "A user pool"  # how the too-many-tags message names it


def _string_attribute(name: str, *, min_length: int = 0, max_length: int = 2048) -> dict[str, Any]:
    return {
        "Name": name,
        "AttributeDataType": "String",
        "DeveloperOnlyAttribute": False,
        "Mutable": True,
        "Required": False,
        "StringAttributeConstraints": {"MinLength": str(min_length), "MaxLength": str(max_length)},
    }


def _boolean_attribute(name: str) -> dict[str, Any]:
    return {
        "Name": name,
        "AttributeDataType": "Boolean",
        "DeveloperOnlyAttribute": False,
        "Mutable": True,
        "Required": False,
    }


# The standard attributes every pool has, in the order and with the definitions
# DescribeUserPool returns them (OpenID Connect Core §5.1 claims plus ``sub``).
STANDARD_ATTRIBUTES: tuple[dict[str, Any], ...] = (
    {**_string_attribute("sub", min_length=1), "Mutable": False, "Required": True},
    _string_attribute("name"),
    _string_attribute("given_name"),
    _string_attribute("family_name"),
    _string_attribute("middle_name"),
    _string_attribute("nickname"),
    _string_attribute("preferred_username"),
    _string_attribute("profile"),
    _string_attribute("picture"),
    _string_attribute("website"),
    _string_attribute("email"),
    _boolean_attribute("email_verified"),
    _string_attribute("gender"),
    _string_attribute("birthdate", min_length=10, max_length=10),
    _string_attribute("zoneinfo"),
    _string_attribute("locale"),
    _string_attribute("phone_number"),
    _boolean_attribute("phone_number_verified"),
    _string_attribute("address"),
    {
        "Name": "updated_at",
        "AttributeDataType": "Number",
        "DeveloperOnlyAttribute": False,
        "Mutable": True,
        "Required": False,
        "NumberAttributeConstraints": {"MinValue": "0"},
    },
)
STANDARD_ATTRIBUTE_NAMES = frozenset(attribute["Name"] for attribute in STANDARD_ATTRIBUTES)
_STANDARD_BY_NAME = {attribute["Name"]: attribute for attribute in STANDARD_ATTRIBUTES}


# --- reads ---------------------------------------------------------------------------------
def get_user_pool(pool_id: str) -> UserPool:
    pool = UserPool.objects.filter(pk=pool_id).first()
    if pool is None:
        raise ResourceNotFoundException(f"User pool {pool_id} does not exist.")
    return pool


def get_user_pool_by_arn(arn: str) -> UserPool:
    """The pool an ``arn:aws:cognito-idp:<region>:<account>:userpool/<id>`` names."""
    _, _, pool_id = arn.rpartition("userpool/")
    pool = UserPool.objects.filter(pk=pool_id).first() if pool_id else None
    if pool is None or pool.arn != arn:
        raise ResourceNotFoundException(f"User pool {arn} does not exist.")
    return pool


def pool_schema(pool: UserPool) -> list[dict[str, Any]]:
    """Every attribute definition of the pool (SchemaAttributeType wire shape): the standard
    attributes, with the pool's overrides applied, followed by its custom attributes."""
    overrides = {item["Name"]: item for item in pool.custom_schema}
    schema = [copy.deepcopy(overrides.get(item["Name"], item)) for item in STANDARD_ATTRIBUTES]
    schema += [
        copy.deepcopy(item) for item in pool.custom_schema if item["Name"] not in _STANDARD_BY_NAME
    ]
    return schema


def schema_attribute(pool: UserPool, name: str) -> dict[str, Any] | None:
    """The definition of attribute ``name`` (``custom:x`` for custom ones), or None."""
    return next((item for item in pool_schema(pool) if item["Name"] == name), None)


def verification_message_template(pool: UserPool) -> dict[str, str]:
    """The effective VerificationMessageTemplate, Cognito's defaults filled in."""
    return {**DEFAULT_VERIFICATION_MESSAGE_TEMPLATE, **pool.verification_message_template}


def invite_message_template(pool: UserPool) -> dict[str, str]:
    """The effective AdminCreateUser invitation (``{username}`` and ``{####}`` placeholders)."""
    configured = pool.admin_create_user_config.get("InviteMessageTemplate") or {}
    return {**DEFAULT_INVITE_MESSAGE_TEMPLATE, **configured}


def account_recovery_mechanisms(pool: UserPool) -> list[dict[str, Any]]:
    """The recovery mechanisms ForgotPassword tries, highest priority first."""
    mechanisms = pool.account_recovery_setting.get("RecoveryMechanisms") or (
        DEFAULT_RECOVERY_MECHANISMS
    )
    return sorted(mechanisms, key=lambda item: item["Priority"])


def list_user_pools(*, limit: int, next_token: str | None) -> Page[UserPool]:
    """ListUserPools: keyset pages ordered by (creation time, id)."""
    return creation_order_page(
        UserPool.objects.all(), scope="ListUserPools", next_token=next_token, size=limit
    )


# --- schema --------------------------------------------------------------------------------
def _parse_limit(value: Any, attribute: str, constraint: str, *, signed: bool) -> int | None:
    if value is None or value == "":
        return None
    try:
        parsed = int(value)
    except (TypeError, ValueError):
        parsed = None
    if parsed is None or (parsed < 0 and not signed):
        raise InvalidParameterException(f"Invalid {constraint} for schema attribute {attribute}")
    return parsed


def _check_constraints(definition: dict[str, Any]) -> None:
    """Cognito's checks on String/NumberAttributeConstraints (the model types them as
    strings, so the numbers are parsed here)."""
    name = definition["Name"]
    strings = definition.get("StringAttributeConstraints")
    if definition["AttributeDataType"] == "String" and strings:
        constraint = "StringAttributeConstraints"
        low = _parse_limit(strings.get("MinLength"), name, constraint, signed=False)
        high = _parse_limit(strings.get("MaxLength"), name, constraint, signed=False)
        if any(value is not None and value > _MAX_STRING_ATTRIBUTE_LENGTH for value in (low, high)):
            raise InvalidParameterException(
                f"user.{name}: String attributes cannot have a length of more than 2048"
            )
        if low is not None and high is not None and low > high:
            raise InvalidParameterException(
                f"user.{name}: Max length cannot be less than min length."
            )
    numbers = definition.get("NumberAttributeConstraints")
    if definition["AttributeDataType"] == "Number" and numbers:
        constraint = "NumberAttributeConstraints"
        low = _parse_limit(numbers.get("MinValue"), name, constraint, signed=True)
        high = _parse_limit(numbers.get("MaxValue"), name, constraint, signed=True)
        if low is not None and high is not None and low > high:
            raise InvalidParameterException(
                f"user.{name}: Max value cannot be less than min value."
            )


def _standard_override(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A standard attribute re-declared in Schema: only Mutable, Required and the
    constraints may change."""
    name = entry["Name"]
    base = _STANDARD_BY_NAME[name]
    data_type = entry.get("AttributeDataType")
    if (data_type and data_type != base["AttributeDataType"]) or entry.get(
        "DeveloperOnlyAttribute"
    ):
        raise InvalidParameterException(
            "You can not change AttributeDataType or set developerOnlyAttribute for standard "
            f"schema attribute {name}"
        )
    definition = copy.deepcopy(base)
    for key in ("Mutable", "Required"):
        if entry.get(key) is not None:
            definition[key] = entry[key]
    if name == "sub" and (not definition["Required"] or definition["Mutable"]):
        raise InvalidParameterException(
            "You can not change AttributeDataType or set developerOnlyAttribute for standard "
            "schema attribute sub"
        )
    for key in ("StringAttributeConstraints", "NumberAttributeConstraints"):
        if entry.get(key) and key in base:
            definition[key] = {**base[key], **entry[key]}
    _check_constraints(definition)
    return definition


def _custom_attribute(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A custom attribute: stored as ``custom:<name>`` (``dev:custom:<name>`` when
    developer-only), never required."""
    base_name = entry["Name"].removeprefix("custom:")
    if not base_name:
        raise InvalidParameterException(f"Invalid custom attribute name {entry['Name']}")
    data_type = entry.get("AttributeDataType")
    if not data_type:
        raise InvalidParameterException(
            "Invalid AttributeDataType input, consider using the provided AttributeDataType enum."
        )
    if entry.get("Required"):
        raise InvalidParameterException("Required custom attributes are not supported currently.")
    developer_only = bool(entry.get("DeveloperOnlyAttribute"))
    definition: dict[str, Any] = {
        "Name": ("dev:custom:" if developer_only else "custom:") + base_name,
        "AttributeDataType": data_type,
        "DeveloperOnlyAttribute": developer_only,
        "Mutable": entry.get("Mutable", True) is not False,
        "Required": False,
    }
    if data_type == "String":
        definition["StringAttributeConstraints"] = dict(
            entry.get("StringAttributeConstraints") or {}
        )
    elif data_type == "Number":
        definition["NumberAttributeConstraints"] = dict(
            entry.get("NumberAttributeConstraints") or {}
        )
    _check_constraints(definition)
    return definition


def _add_schema_entries(
    existing: list[dict[str, Any]], entries: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """``existing`` (the stored overrides + custom attributes) with ``entries`` added."""
    schema = list(existing)
    for entry in entries:
        if not entry.get("Name"):
            raise InvalidParameterException(
                "1 validation error detected: Value null at 'schema.member.name' failed to "
                "satisfy constraint: Member must not be null"
            )
        if entry["Name"] in _STANDARD_BY_NAME:
            definition = _standard_override(entry)
        else:
            definition = _custom_attribute(entry)
        if any(item["Name"] == definition["Name"] for item in schema):
            raise InvalidParameterException(
                f"{entry['Name']}: Existing attribute already has name {definition['Name']}."
            )
        schema.append(definition)
    custom_count = sum(1 for item in schema if item["Name"] not in _STANDARD_BY_NAME)
    if custom_count > MAX_CUSTOM_ATTRIBUTES:
        raise InvalidParameterException(
            f"The user pool has reached the limit of {MAX_CUSTOM_ATTRIBUTES} custom attributes."
        )
    return schema


# --- settings shared by CreateUserPool and UpdateUserPool ---------------------------------
def _password_policy(given: Mapping[str, Any] | None, unused_account_days: int | None) -> dict:
    """A PasswordPolicy as Cognito stores it: omitted booleans are false when a policy is
    given at all, and the whole default applies when none is."""
    if given is None:
        policy = dict(DEFAULT_PASSWORD_POLICY)
    else:
        policy = {
            "MinimumLength": given.get("MinimumLength", DEFAULT_PASSWORD_POLICY["MinimumLength"]),
            "RequireUppercase": bool(given.get("RequireUppercase", False)),
            "RequireLowercase": bool(given.get("RequireLowercase", False)),
            "RequireNumbers": bool(given.get("RequireNumbers", False)),
            "RequireSymbols": bool(given.get("RequireSymbols", False)),
        }
        if given.get("PasswordHistorySize") is not None:
            policy["PasswordHistorySize"] = given["PasswordHistorySize"]
        policy["TemporaryPasswordValidityDays"] = given.get("TemporaryPasswordValidityDays")
    if given is None or policy["TemporaryPasswordValidityDays"] is None:
        # AdminCreateUserConfig.UnusedAccountValidityDays is the legacy name of this setting.
        policy["TemporaryPasswordValidityDays"] = (
            unused_account_days
            if unused_account_days is not None
            else DEFAULT_PASSWORD_POLICY["TemporaryPasswordValidityDays"]
        )
    return policy


def _verification_template(settings: Mapping[str, Any]) -> dict[str, str]:
    """VerificationMessageTemplate with the legacy top-level messages folded in."""
    template = dict(settings.get("VerificationMessageTemplate") or {})
    legacy = {
        "EmailMessage": settings.get("EmailVerificationMessage"),
        "EmailSubject": settings.get("EmailVerificationSubject"),
        "SmsMessage": settings.get("SmsVerificationMessage"),
    }
    for key, value in legacy.items():
        if value and key not in template:
            template[key] = value
    return {**DEFAULT_VERIFICATION_MESSAGE_TEMPLATE, **template}


def _check_attribute_settings(
    *,
    auto_verified: list[str],
    username_attributes: list[str],
    alias_attributes: list[str],
    update_settings: Mapping[str, Any],
) -> None:
    if username_attributes and alias_attributes:
        raise InvalidParameterException(
            "Only one of the aliasAttributes or usernameAttributes can be set in a User Pool."
        )
    needing_verification = update_settings.get("AttributesRequireVerificationBeforeUpdate") or []
    if not set(needing_verification) <= set(auto_verified):
        raise InvalidParameterException(
            "All attributes in AttributesRequireVerificationBeforeUpdate must exist in "
            "AutoVerifiedAttributes"
        )


def _check_account_recovery(setting: Mapping[str, Any]) -> None:
    mechanisms = setting.get("RecoveryMechanisms") or []
    names = [item["Name"] for item in mechanisms]
    priorities = [item["Priority"] for item in mechanisms]
    if len(set(names)) != len(names) or len(set(priorities)) != len(priorities):
        raise InvalidParameterException(
            "Invalid AccountRecoverySetting: recovery mechanisms and priorities must be unique."
        )
    if "admin_only" in names and len(names) > 1:
        raise InvalidParameterException(
            "Invalid AccountRecoverySetting: admin_only cannot be combined with other "
            "recovery mechanisms."
        )


def _check_email_configuration(configuration: Mapping[str, Any]) -> None:
    if configuration.get("EmailSendingAccount") == "DEVELOPER" and not configuration.get(
        "SourceArn"
    ):
        raise InvalidParameterException(
            "SourceArn is required in EmailConfiguration when EmailSendingAccount is DEVELOPER."
        )


def _apply_mfa_mode(pool: UserPool, mode: str) -> None:
    """Set MfaConfiguration keeping the invariant SetUserPoolMfaConfig enforces: ON and
    OPTIONAL need a factor. CreateUserPool/UpdateUserPool cannot name the TOTP factor, so a
    pool turned ON/OPTIONAL there gets SMS MFA when it has an SmsConfiguration and otherwise
    TOTP, the factor this server always delivers (Cognito would instead refuse a pool without
    an SMS configuration)."""
    pool.mfa_configuration = mode
    if mode == MfaConfiguration.OFF:
        pool.software_token_mfa_enabled = False
        pool.sms_mfa_configuration = {}
        pool.email_mfa_configuration = {}
        return
    if pool.software_token_mfa_enabled or pool.sms_mfa_configuration:
        return
    if pool.email_mfa_configuration:
        return
    if pool.sms_configuration:
        pool.sms_mfa_configuration = {
            "SmsAuthenticationMessage": pool.sms_authentication_message,
            "SmsConfiguration": pool.sms_configuration,
        }
    else:
        pool.software_token_mfa_enabled = True


def _apply_settings(pool: UserPool, settings: Mapping[str, Any]) -> None:
    """Set every updatable member from ``settings``; an absent member takes its default,
    as Cognito does on both CreateUserPool and UpdateUserPool."""
    admin_config = dict(settings.get("AdminCreateUserConfig") or {})
    given_policies = settings.get("Policies") or {}
    policy = _password_policy(
        given_policies.get("PasswordPolicy"), admin_config.get("UnusedAccountValidityDays")
    )
    pool.policies = {
        "PasswordPolicy": policy,
        "SignInPolicy": dict(given_policies.get("SignInPolicy") or DEFAULT_SIGN_IN_POLICY),
    }
    pool.admin_create_user_config = {
        "AllowAdminCreateUserOnly": bool(admin_config.get("AllowAdminCreateUserOnly", False)),
        "UnusedAccountValidityDays": policy["TemporaryPasswordValidityDays"],
        **(
            {"InviteMessageTemplate": admin_config["InviteMessageTemplate"]}
            if admin_config.get("InviteMessageTemplate")
            else {}
        ),
    }
    pool.auto_verified_attributes = list(
        dict.fromkeys(settings.get("AutoVerifiedAttributes") or [])
    )
    pool.user_attribute_update_settings = {
        "AttributesRequireVerificationBeforeUpdate": list(
            (settings.get("UserAttributeUpdateSettings") or {}).get(
                "AttributesRequireVerificationBeforeUpdate"
            )
            or []
        )
    }
    _check_attribute_settings(
        auto_verified=pool.auto_verified_attributes,
        username_attributes=pool.username_attributes,
        alias_attributes=pool.alias_attributes,
        update_settings=pool.user_attribute_update_settings,
    )
    template = _verification_template(settings)
    pool.verification_message_template = template
    pool.email_verification_message = template["EmailMessage"]
    pool.email_verification_subject = template["EmailSubject"]
    pool.sms_verification_message = template["SmsMessage"]
    pool.sms_authentication_message = (
        settings.get("SmsAuthenticationMessage") or DEFAULT_SMS_AUTHENTICATION_MESSAGE
    )
    pool.email_configuration = dict(
        settings.get("EmailConfiguration") or DEFAULT_EMAIL_CONFIGURATION
    )
    _check_email_configuration(pool.email_configuration)
    pool.sms_configuration = dict(settings.get("SmsConfiguration") or {})
    pool.device_configuration = dict(settings.get("DeviceConfiguration") or {})
    pool.lambda_config = dict(settings.get("LambdaConfig") or {})
    pool.user_pool_add_ons = dict(settings.get("UserPoolAddOns") or {})
    pool.account_recovery_setting = dict(settings.get("AccountRecoverySetting") or {})
    _check_account_recovery(pool.account_recovery_setting)
    pool.deletion_protection = settings.get("DeletionProtection") or DeletionProtection.INACTIVE
    _apply_mfa_mode(pool, settings.get("MfaConfiguration") or MfaConfiguration.OFF)


# --- writes --------------------------------------------------------------------------------
@transaction.atomic
def create_user_pool(*, name: str, settings: Mapping[str, Any]) -> UserPool:
    """CreateUserPool. ``settings`` holds the other CreateUserPoolRequest members (wire names).

    Not stored: DcrConfiguration, KeyConfiguration, IssuerConfiguration, AcrConfiguration
    (this server's issuer and keys come from PUBLIC_URL and its own key store)."""
    now = timezone.now()
    username_configuration = settings.get("UsernameConfiguration") or {}
    pool = UserPool(
        id=ids.new_user_pool_id(),
        name=name,
        created=now,
        modified=now,
        username_attributes=list(dict.fromkeys(settings.get("UsernameAttributes") or [])),
        alias_attributes=list(dict.fromkeys(settings.get("AliasAttributes") or [])),
        username_case_sensitive=username_configuration.get("CaseSensitive", True) is not False,
        user_pool_tier=settings.get("UserPoolTier") or DEFAULT_USER_POOL_TIER,
        tags=checked_tags(settings.get("UserPoolTags") or {}, resource=_TAGGED),
    )
    pool.custom_schema = _add_schema_entries([], settings.get("Schema") or [])
    _apply_settings(pool, settings)
    pool.save()
    return pool


@transaction.atomic
def update_user_pool(*, pool: UserPool, settings: Mapping[str, Any]) -> UserPool:
    """UpdateUserPool. As in Cognito, a member left out is reset to its default; the name,
    tier and tags change only when given, and what CreateUserPool alone sets (Schema,
    UsernameAttributes, AliasAttributes, UsernameConfiguration) is kept."""
    pool = UserPool.objects.select_for_update().get(pk=pool.pk)
    if settings.get("PoolName"):
        pool.name = settings["PoolName"]
    if settings.get("UserPoolTier"):
        pool.user_pool_tier = settings["UserPoolTier"]
    if settings.get("UserPoolTags") is not None:
        pool.tags = checked_tags(settings["UserPoolTags"], resource=_TAGGED)
    _apply_settings(pool, settings)
    pool.modified = timezone.now()
    pool.save()
    return pool


@transaction.atomic
def delete_user_pool(*, pool: UserPool) -> None:
    """DeleteUserPool: refused while DeletionProtection is ACTIVE; users, groups and app
    clients go with the pool."""
    if pool.deletion_protection == DeletionProtection.ACTIVE:
        raise InvalidParameterException(
            "The user pool cannot be deleted because deletion protection is activated. "
            "Deletion protection must be inactivated first."
        )
    pool.delete()


@transaction.atomic
def add_custom_attributes(*, pool: UserPool, attributes: Iterable[Mapping[str, Any]]) -> None:
    """AddCustomAttributes: only new custom attributes; standard names are refused."""
    pool = UserPool.objects.select_for_update().get(pk=pool.pk)
    entries = list(attributes)
    for entry in entries:
        if entry.get("Name") in _STANDARD_BY_NAME:
            raise InvalidParameterException(
                f"{entry['Name']}: Existing attribute already has name {entry['Name']}."
            )
    pool.custom_schema = _add_schema_entries(pool.custom_schema, entries)
    pool.modified = timezone.now()
    pool.save(update_fields=["custom_schema", "modified"])


@transaction.atomic
def set_user_pool_mfa_config(
    *,
    pool: UserPool,
    mfa_configuration: str | None = None,
    software_token: Mapping[str, Any] | None = None,
    sms: Mapping[str, Any] | None = None,
    email: Mapping[str, Any] | None = None,
) -> UserPool:
    """SetUserPoolMfaConfig. A factor left out keeps its setting; the mode must agree with
    the factors (ON/OPTIONAL need one, OFF allows none), with Cognito's messages."""
    pool = UserPool.objects.select_for_update().get(pk=pool.pk)
    mode = mfa_configuration or pool.mfa_configuration
    enabling = bool(
        (software_token and software_token.get("Enabled")) or sms is not None or email is not None
    )
    if mode == MfaConfiguration.OFF and enabling:
        raise InvalidParameterException(
            "Invalid MFA configuration given, can't turn off MFA and configure an MFA together."
        )
    if software_token is not None:
        pool.software_token_mfa_enabled = bool(software_token.get("Enabled"))
    if sms is not None:
        pool.sms_mfa_configuration = {
            "SmsAuthenticationMessage": sms.get("SmsAuthenticationMessage")
            or pool.sms_authentication_message
            or DEFAULT_SMS_AUTHENTICATION_MESSAGE,
            "SmsConfiguration": dict(sms.get("SmsConfiguration") or pool.sms_configuration),
        }
    if email is not None:
        # Passing EmailMfaConfiguration at all turns email MFA on, even as {} (its members
        # only set the texts): the marker keeps the stored value non-empty, i.e. "on";
        # api/shapes/pools.py outputs only Message and Subject.
        pool.email_mfa_configuration = {**email, "tessera:enabled": True}
    has_factor = (
        pool.software_token_mfa_enabled
        or bool(pool.sms_mfa_configuration)
        or bool(pool.email_mfa_configuration)
    )
    if mode != MfaConfiguration.OFF and not has_factor:
        raise InvalidParameterException(
            "Invalid MFA configuration given, can't disable all MFAs with a required or "
            "optional configuration."
        )
    _apply_mfa_mode(pool, mode)
    pool.modified = timezone.now()
    pool.save()
    return pool


@transaction.atomic
def tag_resource(*, pool: UserPool, tags: Mapping[str, str]) -> None:
    """TagResource: adds tags, overwriting values of keys already present."""
    pool = UserPool.objects.select_for_update().get(pk=pool.pk)
    pool.tags = tags_added(pool.tags, tags, resource=_TAGGED)
    pool.save(update_fields=["tags"])


@transaction.atomic
def untag_resource(*, pool: UserPool, keys: Iterable[str]) -> None:
    """UntagResource: removes the named tags; unknown keys are ignored."""
    pool = UserPool.objects.select_for_update().get(pk=pool.pk)
    pool.tags = tags_removed(pool.tags, keys)
    pool.save(update_fields=["tags"])
