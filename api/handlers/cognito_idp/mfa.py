"""MFA actions: SetUserMFAPreference, SetUserSettings, AssociateSoftwareToken and
VerifySoftwareToken (public, by AccessToken or Session) and their Admin* counterparts
(SigV4): AdminSetUserMFAPreference, AdminSetUserSettings, AdminDeleteSoftwareToken."""

from __future__ import annotations

from typing import Any

from accounts.models import PoolUser
from accounts.services import auth_flows, mfa, pools, users
from api.registry import IDP, RequestContext, action
from api.shapes import mfa as shapes
from core.errors import InvalidParameterException

# The request member for each factor's MFA settings type.
_PREFERENCE_MEMBERS = {
    mfa.SMS_MFA: "SMSMfaSettings",
    mfa.SOFTWARE_TOKEN_MFA: "SoftwareTokenMfaSettings",
    mfa.EMAIL_OTP: "EmailMfaSettings",
}


def _preferences(params: dict[str, Any]) -> dict[str, Any]:
    return {factor: params.get(member) for factor, member in _PREFERENCE_MEMBERS.items()}


def _admin_user(params: dict[str, Any]) -> PoolUser:
    return users.get_user(pools.get_user_pool(params["UserPoolId"]), params["Username"])


def _token_or_session(params: dict[str, Any]) -> tuple[str | None, str | None]:
    access_token, session = params.get("AccessToken"), params.get("Session")
    if bool(access_token) == bool(session):
        raise InvalidParameterException("Either AccessToken or Session must be provided.")
    return access_token, session


@action(IDP, "SetUserMFAPreference")
def set_user_mfa_preference(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    mfa.set_user_mfa_preference(
        user=mfa.user_for_access_token(params["AccessToken"]), preferences=_preferences(params)
    )
    return {}


@action(IDP, "AdminSetUserMFAPreference")
def admin_set_user_mfa_preference(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    mfa.set_user_mfa_preference(
        user=_admin_user(params), preferences=_preferences(params), actor=ctx.actor
    )
    return {}


@action(IDP, "SetUserSettings")
def set_user_settings(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    mfa.set_user_settings(
        user=mfa.user_for_access_token(params["AccessToken"]), mfa_options=params["MFAOptions"]
    )
    return {}


@action(IDP, "AdminSetUserSettings")
def admin_set_user_settings(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    mfa.set_user_settings(
        user=_admin_user(params), mfa_options=params["MFAOptions"], actor=ctx.actor
    )
    return {}


@action(IDP, "AssociateSoftwareToken")
def associate_software_token(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    access_token, session = _token_or_session(params)
    if session:
        secret, new_session = auth_flows.associate_software_token(session=session)
        return shapes.associate_software_token(secret, new_session)
    user = mfa.user_for_access_token(str(access_token))
    return shapes.associate_software_token(mfa.associate_software_token(user), None)


@action(IDP, "VerifySoftwareToken")
def verify_software_token(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    access_token, session = _token_or_session(params)
    code, name = params["UserCode"], params.get("FriendlyDeviceName") or ""
    if session:
        new_session = auth_flows.verify_software_token(
            session=session, code=code, friendly_name=name
        )
        return shapes.verify_software_token(new_session)
    mfa.verify_software_token(mfa.user_for_access_token(str(access_token)), code, name)
    return shapes.verify_software_token(None)


@action(IDP, "AdminDeleteSoftwareToken")
def admin_delete_software_token(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    mfa.admin_delete_software_token(user=_admin_user(params), actor=ctx.actor)
    return {}
