"""Multi-factor authentication: the user's factors and preferences (SetUserMFAPreference,
AdminSetUserMFAPreference, SetUserSettings, AdminSetUserSettings), software tokens
(AssociateSoftwareToken, VerifySoftwareToken, AdminDeleteSoftwareToken) and the sign-in
codes of the SMS_MFA, EMAIL_OTP and SOFTWARE_TOKEN_MFA challenges (reference §2.2).

A user's MFA state is ``PoolUser.mfa_settings`` as api/shapes/users.py documents it:
``{"enabled": [...], "preferred": "...", "mfa_options": [MFAOptionType, ...]}``. A factor
counts at sign-in when the user enabled it and can receive it: TOTP needs a verified
software token (and keeps working if the pool later turns TOTP off, as the Cognito guide
says), SMS a ``phone_number`` and the pool's SMS MFA, email an ``email`` and the pool's
email MFA. The legacy MFAOptions SMS entry counts as SMS MFA enabled. What a sign-in then
asks for is decided in ``sign_in_requirement``; auth_flows turns it into challenges.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import AuditEvent, MfaConfiguration, PoolUser, UserPool
from accounts.services import attributes as attribute_rules
from accounts.services import codes, messaging, notifications, recovery_codes, sms, totp, users
from accounts.services.notifications import CodeDelivery
from core.errors import (
    AliasExistsException,
    CodeMismatchException,
    EnableSoftwareTokenMFAException,
    InvalidParameterException,
    SoftwareTokenMFANotFoundException,
)
from oauth.services import tokens

SMS_MFA = "SMS_MFA"
SOFTWARE_TOKEN_MFA = "SOFTWARE_TOKEN_MFA"
EMAIL_OTP = "EMAIL_OTP"
# Cognito's order in MFAS_CAN_CHOOSE / MFAS_CAN_SETUP.
FACTORS = (SMS_MFA, SOFTWARE_TOKEN_MFA, EMAIL_OTP)
# SELECT_MFA_TYPE's ANSWER: the docs also name email MFA EMAIL_MFA (reference §2.2).
ANSWER_ALIASES = {"EMAIL_MFA": EMAIL_OTP}
CODE_PURPOSES = {SMS_MFA: codes.Purpose.MFA_SMS, EMAIL_OTP: codes.Purpose.MFA_EMAIL}

TOTP_NOT_SET_UP = "User has not set up software token mfa"
TOTP_NOT_VERIFIED = "User has not verified software token mfa"
# SetUserMFAPreference / AdminSetUserMFAPreference turning on a factor the user has no way to
# receive: Cognito's refusal today for every factor, an authenticator not (yet) verified
# included (aws/aws-sdk-js-v3#4645; apps match it verbatim). The two sentences above were its
# 2018 wording, kept for MFA_SETUP answered before VerifySoftwareToken.
NO_DELIVERY_CONFIG = "User does not have delivery config set to turn on {factor}"
TOTP_CODE_MISMATCH = "Code mismatch and fail enable Software Token MFA"
# Cognito's CodeMismatchException messages for a wrong code answering a sign-in challenge,
# which apps and Amplify UI's tests match verbatim: one for an authenticator-app code, one
# for a code sent by SMS or email.
SIGN_IN_TOTP_MISMATCH = "Invalid code received for user"
SIGN_IN_CODE_MISMATCH = "Invalid code or auth state for the user."
DEFAULT_SMS_MESSAGE = "Your authentication code is {####}. "
# Our default sign-in code mail when the pool's EmailMfaConfiguration sets none.
_EMAIL_TEXTS = {
    "en": ("Your sign-in code", "Your sign-in code is {####}. It expires in 3 minutes."),
    "zh-hans": ("您的登录验证码", "您的登录验证码是 {####}，3 分钟内有效。"),  # noqa: RUF001 - Chinese punctuation
}


@dataclass(frozen=True)
class Requirement:
    """What a verified password leads to: nothing more (``kind`` "none"), one factor's
    challenge ("challenge"), a choice ("select") or setting a factor up ("setup")."""

    kind: str
    factors: tuple[str, ...] = ()


# --- the pool's and the user's factors -------------------------------------------------
def pool_factors(pool: UserPool) -> tuple[str, ...]:
    """The factors SetUserPoolMfaConfig turned on, in Cognito's order."""
    if pool.mfa_configuration == MfaConfiguration.OFF:
        return ()
    enabled = {
        SMS_MFA: bool(pool.sms_mfa_configuration),
        SOFTWARE_TOKEN_MFA: pool.software_token_mfa_enabled,
        EMAIL_OTP: bool(pool.email_mfa_configuration),
    }
    return tuple(factor for factor in FACTORS if enabled[factor])


def _settings(user: PoolUser) -> dict[str, Any]:
    return dict(user.mfa_settings or {})


def enabled_factors(user: PoolUser) -> tuple[str, ...]:
    """The factors the user turned on (the legacy MFAOptions SMS entry included)."""
    settings = _settings(user)
    enabled = set(settings.get("enabled") or [])
    if any(option.get("DeliveryMedium") == "SMS" for option in settings.get("mfa_options") or []):
        enabled.add(SMS_MFA)
    return tuple(factor for factor in FACTORS if factor in enabled)


def _can_receive(user: PoolUser, factor: str, pool_enabled: tuple[str, ...]) -> bool:
    if factor == SOFTWARE_TOKEN_MFA:
        return totp.verified_device(user) is not None
    if factor == SMS_MFA:
        return factor in pool_enabled and bool(user.phone_number)
    return factor in pool_enabled and bool(user.email)


def sign_in_factors(user: PoolUser) -> tuple[str, ...]:
    """The enabled factors the user can complete a sign-in with now."""
    if user.pool.mfa_configuration == MfaConfiguration.OFF:
        return ()
    available = pool_factors(user.pool)
    return tuple(f for f in enabled_factors(user) if _can_receive(user, f, available))


def sign_in_requirement(user: PoolUser) -> Requirement:
    """Cognito's rules for the step after a verified password:

    - pool MFA OFF, or OPTIONAL and the user has no usable factor: no MFA;
    - the preferred factor when usable, else the only one, else SELECT_MFA_TYPE;
    - pool MFA ON and no factor enabled: the factors the user can already receive — a
      verified token, SMS when the pool sends SMS and the user has a phone number (the
      guide: users with phone numbers receive SMS codes), EMAIL_OTP likewise for a verified
      email — one's challenge, or SELECT_MFA_TYPE for several (a phone number plus an
      authenticator verified without a preference: aws-amplify/amplify-js#4646); with none,
      MFA_SETUP with the pool's factors.
    """
    pool = user.pool
    if pool.mfa_configuration == MfaConfiguration.OFF:
        return Requirement("none")
    usable = sign_in_factors(user)
    if usable:
        preferred = _settings(user).get("preferred")
        if preferred in usable:
            return Requirement("challenge", (preferred,))
        if len(usable) == 1:
            return Requirement("challenge", usable)
        return Requirement("select", usable)
    if pool.mfa_configuration != MfaConfiguration.ON:
        return Requirement("none")
    available = pool_factors(pool)
    receivable = {
        # A token verified during MFA_SETUP is used even when that challenge was left
        # unanswered (moto's AWS-verified test_user_authentication_flow_mfa_on).
        SOFTWARE_TOKEN_MFA: totp.verified_device(user) is not None,
        SMS_MFA: bool(user.phone_number),
        EMAIL_OTP: bool(user.email and user.email_verified),
    }
    ready = tuple(f for f in available if receivable[f])
    if len(ready) == 1:
        return Requirement("challenge", ready)
    if ready:
        return Requirement("select", ready)
    return Requirement("setup", available)


def user_for_access_token(access_token: str) -> PoolUser:
    """The signed-in user of a self-service MFA action (NotAuthorizedException otherwise)."""
    return tokens.authenticate_access_token(access_token).user


# --- preferences -----------------------------------------------------------------------
def _check_factor_allowed(user: PoolUser, factor: str) -> None:
    """Enabling a factor: the pool must offer it and the user must be able to receive it;
    Cognito refuses either lack with the same sentence (an MFA-OFF pool included)."""
    pool = user.pool
    refusal = InvalidParameterException(NO_DELIVERY_CONFIG.format(factor=factor))
    if pool.mfa_configuration == MfaConfiguration.OFF:
        raise refusal
    if factor == SOFTWARE_TOKEN_MFA:
        if totp.verified_device(user) is None:
            raise refusal
        return
    attribute = "phone_number" if factor == SMS_MFA else "email"
    if factor not in pool_factors(pool) or not user.attributes.get(attribute):
        raise refusal


@transaction.atomic
def set_user_mfa_preference(
    *,
    user: PoolUser,
    preferences: Mapping[str, Mapping[str, Any] | None],
    actor: str = "",
) -> PoolUser:
    """SetUserMFAPreference / AdminSetUserMFAPreference: ``preferences`` maps a factor to
    its MFA settings type (``Enabled``, ``PreferredMfa``); a factor left out keeps its state.
    Preferring a factor enables it; disabling the preferred one clears the preference."""
    user = PoolUser.objects.select_for_update().select_related("pool").get(pk=user.pk)
    settings = _settings(user)
    enabled = list(enabled_factors(user))
    preferred = settings.get("preferred")
    for factor in FACTORS:
        given = preferences.get(factor)
        if given is None:
            continue
        turn_on = bool(given.get("Enabled")) or bool(given.get("PreferredMfa"))
        if turn_on:
            _check_factor_allowed(user, factor)
            if factor not in enabled:
                enabled.append(factor)
            if given.get("PreferredMfa"):
                preferred = factor
            elif preferred == factor and "PreferredMfa" in given:
                preferred = None
        else:
            if factor in enabled:
                enabled.remove(factor)
            if preferred == factor:
                preferred = None
    settings["enabled"] = [factor for factor in FACTORS if factor in enabled]
    if preferred:
        settings["preferred"] = preferred
    else:
        settings.pop("preferred", None)
    if SMS_MFA not in settings["enabled"]:
        # The legacy view of SMS MFA follows the current one.
        settings["mfa_options"] = []
    _save(user, settings, "mfa_preference_changed", actor, {"enabled": settings["enabled"]})
    return user


@transaction.atomic
def set_user_settings(
    *, user: PoolUser, mfa_options: list[Mapping[str, Any]], actor: str = ""
) -> PoolUser:
    """SetUserSettings / AdminSetUserSettings (legacy): MFAOptions with an SMS entry turn
    SMS MFA on, an empty list turns it off. Only SMS on ``phone_number`` is accepted."""
    user = PoolUser.objects.select_for_update().select_related("pool").get(pk=user.pk)
    options: list[dict[str, str]] = []
    for option in mfa_options:
        medium = option.get("DeliveryMedium")
        attribute = option.get("AttributeName") or "phone_number"
        if medium != "SMS" or attribute != "phone_number":
            raise InvalidParameterException(
                "Only phone_number with the SMS delivery medium can be used for MFA."
            )
        options.append({"DeliveryMedium": "SMS", "AttributeName": "phone_number"})
    settings = _settings(user)
    enabled = [factor for factor in settings.get("enabled") or [] if factor != SMS_MFA]
    if options:
        _check_factor_allowed(user, SMS_MFA)
        enabled.append(SMS_MFA)
    elif settings.get("preferred") == SMS_MFA:
        settings.pop("preferred")
    settings["enabled"] = [factor for factor in FACTORS if factor in enabled]
    settings["mfa_options"] = options[:1]
    _save(user, settings, "mfa_settings_changed", actor, {"mfa_options": settings["mfa_options"]})
    return user


def _save(
    user: PoolUser, settings: dict[str, Any], event: str, actor: str, details: dict[str, Any]
) -> None:
    user.mfa_settings = settings
    user.modified = timezone.now()
    user.save(update_fields=["mfa_settings", "modified"])
    AuditEvent.objects.create(
        pool=user.pool, user=user, event=event, actor=actor or user.username, details=details
    )


# --- software tokens -------------------------------------------------------------------
def _check_totp_offered(user: PoolUser) -> None:
    if user.pool.mfa_configuration == MfaConfiguration.OFF or not (
        user.pool.software_token_mfa_enabled
    ):
        raise InvalidParameterException("Software token MFA is not enabled for this user pool.")


def associate_software_token(user: PoolUser) -> str:
    """AssociateSoftwareToken: a new secret (base32), pending until verified."""
    _check_totp_offered(user)
    return totp.associate(user)


def pending_secret(user: PoolUser) -> str | None:
    """The secret of the user's pending (associated, not yet verified) software token."""
    device = totp.pending_device(user)
    return totp.device_secret(device) if device is not None else None


def provisioning_uri(pool: UserPool, secret: str, account: str) -> str:
    """The ``otpauth://`` URI for an authenticator app, the pool's name as the issuer."""
    return totp.provisioning_uri(secret, account=account, issuer=pool.name)


def verify_software_token(user: PoolUser, code: str, friendly_name: str = "") -> None:
    """VerifySoftwareToken: the pending secret becomes the user's software token.

    Without an association Cognito answers SoftwareTokenMFANotFoundException; a wrong code
    EnableSoftwareTokenMFAException "Code mismatch and fail enable Software Token MFA".
    """
    result = totp.verify_pending(user, code, friendly_name)
    if result is None:
        raise SoftwareTokenMFANotFoundException(TOTP_NOT_SET_UP)
    if not result:
        raise EnableSoftwareTokenMFAException(TOTP_CODE_MISMATCH)
    AuditEvent.objects.create(
        pool=user.pool,
        user=user,
        event="software_token_verified",
        actor=user.username,
        details={"friendly_device_name": friendly_name},
    )


@transaction.atomic
def set_up_email(user: PoolUser, email: str) -> PoolUser:
    """MFA_SETUP answered with ``EMAIL`` (Amplify's email MFA setup): the address becomes
    the user's email — unverified when it changed — for the EMAIL_OTP challenge that
    follows; the factor is enabled once that code comes back (``enable_factor``)."""
    pool = user.pool
    if EMAIL_OTP not in pool_factors(pool):
        raise InvalidParameterException(f"{EMAIL_OTP} is not enabled for this user pool.")
    # The name's claim before the user's row lock: every other user write takes them in
    # that order, so two of them can never wait on each other.
    users.claim_sign_in_names(pool, {"email": email})
    user = PoolUser.objects.select_for_update().select_related("pool").get(pk=user.pk)
    if email != user.email:
        attribute_rules.validate_attributes(pool, {"email": email}, for_create=False)
        attribute_rules.check_alias_uniqueness(pool, {"email": email}, exclude_user=user)
        user.set_attributes({"email": email, "email_verified": "false"})
        user.modified = timezone.now()
        user.save()
    return user


@transaction.atomic
def enable_factor(user: PoolUser, factor: str) -> None:
    """A factor set up during sign-in (MFA_SETUP) becomes enabled and preferred."""
    user = PoolUser.objects.select_for_update().select_related("pool").get(pk=user.pk)
    settings = _settings(user)
    enabled = set(settings.get("enabled") or []) | {factor}
    settings["enabled"] = [f for f in FACTORS if f in enabled]
    settings["preferred"] = factor
    _save(user, settings, "mfa_preference_changed", "", {"enabled": settings["enabled"]})


@transaction.atomic
def admin_delete_software_token(*, user: PoolUser, actor: str = "") -> None:
    """AdminDeleteSoftwareToken: the user's TOTP factor goes, with its preference."""
    user = PoolUser.objects.select_for_update().select_related("pool").get(pk=user.pk)
    totp.delete_devices(user)
    settings = _settings(user)
    settings["enabled"] = [f for f in settings.get("enabled") or [] if f != SOFTWARE_TOKEN_MFA]
    if settings.get("preferred") == SOFTWARE_TOKEN_MFA:
        settings.pop("preferred")
    _save(user, settings, "software_token_deleted", actor, {})


def friendly_device_name(user: PoolUser) -> str:
    device = totp.verified_device(user)
    return device.friendly_name if device is not None else ""


# --- sign-in codes ---------------------------------------------------------------------
def _render(template: str, code: str) -> str:
    return template.replace("{####}", code)


@transaction.atomic
def send_sign_in_code(user: PoolUser, factor: str) -> CodeDelivery:
    """Issue the SMS_MFA / EMAIL_OTP code and queue it through the outbox; where it went,
    masked, for CODE_DELIVERY_DESTINATION."""
    code = codes.issue_code(user, CODE_PURPOSES[factor])
    pool = user.pool
    if factor == SMS_MFA:
        template = (pool.sms_mfa_configuration or {}).get("SmsAuthenticationMessage") or (
            pool.sms_authentication_message or DEFAULT_SMS_MESSAGE
        )
        sms.queue_sms(to=user.phone_number, body=_render(template, code).strip(), pool=pool)
        return CodeDelivery(notifications.mask_phone(user.phone_number), "SMS", "phone_number")
    config = pool.email_mfa_configuration or {}
    default_subject, default_body = _EMAIL_TEXTS[notifications.user_language(user)]
    messaging.queue_mail(
        to=user.email,
        subject=config.get("Subject") or default_subject,
        body=_render(config.get("Message") or default_body, code) + "\n",
        pool=pool,
    )
    return CodeDelivery(notifications.mask_email(user.email), "EMAIL", "email")


def check_sign_in_code(
    user: PoolUser, factor: str, code: str, *, recovery_code_allowed: bool = True
) -> bool:
    """Accept ``code`` for ``factor``, or one of the user's recovery codes in its place
    unless ``recovery_code_allowed`` is False (setting a factor up must prove it). True when
    it was the factor's own code, i.e. the SMS or email really reached the number or address
    (``mark_delivery_verified``); False for a recovery code, which proves neither.

    Raises CodeMismatchException with Cognito's sign-in message for a wrong code (and
    ExpiredCodeException / LimitExceededException for an expired or over-tried SMS or email
    code).
    """
    mismatch = SIGN_IN_TOTP_MISMATCH if factor == SOFTWARE_TOKEN_MFA else SIGN_IN_CODE_MISMATCH
    if recovery_codes.looks_like_recovery_code(code):
        if recovery_code_allowed and recovery_codes.use(user, code, via=factor):
            return False
        raise CodeMismatchException(mismatch)
    if factor == SOFTWARE_TOKEN_MFA:
        if not totp.accept_code(user, code):
            raise CodeMismatchException(mismatch)
        return True
    try:
        codes.verify_code(user, CODE_PURPOSES[factor], code)
    except CodeMismatchException:
        raise CodeMismatchException(mismatch) from None
    return True


@transaction.atomic
def mark_delivery_verified(user: PoolUser, factor: str) -> None:
    """A code received by SMS or email proves the number or address (Cognito marks an
    unverified phone number verified after SMS MFA succeeds), unless another user holds
    it as a verified sign-in alias: two users must never share one, and the sign-in
    itself has succeeded, so this user's copy just stays unverified."""
    flag = {SMS_MFA: "phone_number_verified", EMAIL_OTP: "email_verified"}.get(factor)
    if flag and user.attributes.get(flag) != "true":
        name = flag.removesuffix("_verified")
        proven = {name: user.attributes.get(name, ""), flag: "true"}
        try:
            users.check_sign_in_names_free(user.pool, proven, user=user)
        except AliasExistsException:
            return
        user.set_attributes({flag: "true"})
        user.modified = timezone.now()
        # By name: the copy read when the sign-in began must not write back ``enabled`` or
        # ``tokens_valid_after`` over an AdminDisableUser / GlobalSignOut committed since.
        user.save(update_fields=[*users.ATTRIBUTE_FIELDS, "modified"])


def generate_recovery_codes(user: PoolUser, *, actor: str = "") -> list[str]:
    """Beyond Cognito: ten single-use recovery codes for a user with an MFA factor."""
    if not enabled_factors(user) and totp.verified_device(user) is None:
        raise InvalidParameterException("Recovery codes need an MFA factor enabled first.")
    return recovery_codes.generate(user, actor=actor)


def factors_json(factors: tuple[str, ...] | list[str]) -> str:
    """A JSON string array, as MFAS_CAN_CHOOSE / MFAS_CAN_SETUP carry it."""
    return json.dumps(list(factors), separators=(",", ":"))
