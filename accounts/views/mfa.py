"""Hosted UI pages for the second factor, on the same state machine as the API
(accounts.services.auth_flows): ``/mfa`` answers SOFTWARE_TOKEN_MFA, SMS_MFA and EMAIL_OTP
(a recovery code is accepted in place of the code), ``/mfaOption`` answers SELECT_MFA_TYPE
(Cognito's page names, reference §4), ``/mfaSetup`` answers MFA_SETUP with a TOTP
authenticator (QR code from segno, inline SVG, plus the secret as text), and
``/mfaRecoveryCodes`` lets a signed-in user generate recovery codes (beyond Cognito).

The login view hands the challenge over through ``CHALLENGE_PAGES`` and the Django
session, as it does for NEW_PASSWORD_REQUIRED; each page answers it and continues with
whatever the state machine returns next.
"""

from __future__ import annotations

import json
from typing import Any, cast

import segno
from django import forms
from django.http import HttpRequest, HttpResponse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from accounts.services import auth_flows, hosted_session, mfa, recovery_codes
from accounts.views.forms import HostedForm
from accounts.views.hosted_ui import (
    _CHALLENGE_KEY,
    HostedContext,
    _attach_error,
    _continue,
    _notify,
    _render,
    _secret_hash,
    _see_other,
    account_username,
    display_name,
    hosted_context,
    hosted_page,
)
from accounts.views.messages import translate_service_message
from core.errors import CognitoError, NotAuthorizedException

Challenge = auth_flows.Challenge
CODE_CHALLENGES = (Challenge.SOFTWARE_TOKEN_MFA, Challenge.SMS_MFA, Challenge.EMAIL_OTP)
# The ChallengeResponses member of each code challenge (reference §2.2).
CODE_RESPONSES = {
    Challenge.SOFTWARE_TOKEN_MFA: "SOFTWARE_TOKEN_MFA_CODE",
    Challenge.SMS_MFA: "SMS_MFA_CODE",
    Challenge.EMAIL_OTP: "EMAIL_OTP_CODE",
}
CODE_TEMPLATES = {
    Challenge.SOFTWARE_TOKEN_MFA: "mfa_software_token.html",
    Challenge.SMS_MFA: "mfa_sms.html",
    Challenge.EMAIL_OTP: "mfa_email.html",
}
FACTOR_LABELS = {
    mfa.SOFTWARE_TOKEN_MFA: _("Authenticator app"),
    mfa.SMS_MFA: _("Text message (SMS)"),
    mfa.EMAIL_OTP: _("Email"),
}
# Service messages only these pages show, marked for makemessages (the shared ones are in
# accounts/views/messages.py).
MFA_SERVICE_MESSAGES = (
    gettext_noop("Code mismatch and fail enable Software Token MFA"),
    gettext_noop("Invalid code received for user"),
    gettext_noop("Invalid code or auth state for the user."),
    gettext_noop("Recovery codes need an MFA factor enabled first."),
)
# Session problems send the person back to /login; other refusals stay on the page.
_SESSION_MESSAGES = ("Invalid session for the user",)


def _code_field(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=32,
        strip=True,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "off",
                "spellcheck": "false",
            }
        ),
    )


class MfaCodeForm(HostedForm):
    code = _code_field(_("Code"))


class MfaSelectForm(HostedForm):
    factor = forms.ChoiceField(label=_("Sign-in method"), widget=forms.RadioSelect)

    def __init__(self, *args: Any, factors: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["factor"])
        field.choices = [(factor, FACTOR_LABELS.get(factor, factor)) for factor in factors]
        field.widget.attrs.pop("class", None)


class MfaSetupForm(HostedForm):
    code = _code_field(_("Code from your authenticator app"))
    device_name = forms.CharField(
        label=_("Device name (optional)"), required=False, max_length=128, strip=True
    )


def _pending(request: HttpRequest, ctx: HostedContext, *challenges: str) -> dict[str, Any]:
    pending = request.session.get(_CHALLENGE_KEY) or {}
    if pending.get("client_id") != ctx.client.client_id or pending.get("challenge") not in (
        challenges
    ):
        return {}
    return dict(pending)


def _restart(request: HttpRequest, ctx: HostedContext, username: str) -> HttpResponse:
    """The challenge Session expired or was used up: sign in again."""
    request.session.pop(_CHALLENGE_KEY, None)
    _notify(request, "session_expired", username)
    return _see_other(ctx.url("hosted_ui:login"))


def _is_session_error(exc: CognitoError) -> bool:
    return isinstance(exc, NotAuthorizedException) and exc.message.startswith(_SESSION_MESSAGES)


def _responses(ctx: HostedContext, pending: dict[str, Any], **extra: str) -> dict[str, str]:
    username = pending["username"]
    responses = {"USERNAME": username, **extra}
    if secret_hash := _secret_hash(ctx.client, username):
        responses["SECRET_HASH"] = secret_hash
    return responses


def _respond(ctx: HostedContext, pending: dict[str, Any], **extra: str) -> auth_flows.AuthStep:
    return auth_flows.answer_challenge(
        client=ctx.client,
        challenge_name=pending["challenge"],
        responses=_responses(ctx, pending, **extra),
        session=pending.get("session"),
    )


@hosted_page
@require_http_methods(["GET", "POST"])
def mfa_code(request: HttpRequest) -> HttpResponse:
    """SOFTWARE_TOKEN_MFA, SMS_MFA and EMAIL_OTP: one page per factor, one code field."""
    ctx = hosted_context(request)
    pending = _pending(request, ctx, *CODE_CHALLENGES)
    if not pending:
        return _see_other(ctx.url("hosted_ui:login"))
    challenge = pending["challenge"]
    form = MfaCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            step = _respond(ctx, pending, **{CODE_RESPONSES[challenge]: form.cleaned_data["code"]})
        except CognitoError as exc:
            if _is_session_error(exc):
                return _restart(request, ctx, pending.get("display_name", ""))
            form.add_error("code", translate_service_message(exc.message))
        else:
            return _continue(request, ctx, step)
    parameters = pending.get("parameters") or {}
    return _render(
        request,
        CODE_TEMPLATES[challenge],
        {
            "form": form,
            "destination": parameters.get("CODE_DELIVERY_DESTINATION", ""),
            "device_name": parameters.get("FRIENDLY_DEVICE_NAME", ""),
        },
        ctx=ctx,
    )


@hosted_page
@require_http_methods(["GET", "POST"])
def mfa_option(request: HttpRequest) -> HttpResponse:
    """SELECT_MFA_TYPE: choose among MFAS_CAN_CHOOSE."""
    ctx = hosted_context(request)
    pending = _pending(request, ctx, Challenge.SELECT_MFA_TYPE)
    if not pending:
        return _see_other(ctx.url("hosted_ui:login"))
    factors = json.loads((pending.get("parameters") or {}).get("MFAS_CAN_CHOOSE") or "[]")
    form = MfaSelectForm(request.POST if request.method == "POST" else None, factors=factors)
    if request.method == "POST" and form.is_valid():
        try:
            step = _respond(ctx, pending, ANSWER=form.cleaned_data["factor"])
        except CognitoError as exc:
            if _is_session_error(exc):
                return _restart(request, ctx, pending.get("display_name", ""))
            _attach_error(form, exc, {}, default="factor")
        else:
            return _continue(request, ctx, step)
    return _render(request, "mfa_select.html", {"form": form}, ctx=ctx)


def _qr_svg(uri: str) -> SafeString:
    """The otpauth URI as an inline SVG (no script, no external image: the page CSP holds).
    segno writes the SVG itself from the URI, which is escaped into it."""
    qr = segno.make(uri, error="m")
    # The SVG's title is its accessible name: in the page's language.
    svg = qr.svg_inline(
        scale=5, border=2, title=gettext("QR code"), dark="#1f2933", light="#ffffff"
    )
    return mark_safe(svg)  # noqa: S308 - segno's own markup


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@hosted_page
@require_http_methods(["GET", "POST"])
def mfa_setup(request: HttpRequest) -> HttpResponse:
    """MFA_SETUP with an authenticator app: AssociateSoftwareToken with the challenge
    Session on arrival, VerifySoftwareToken with the code, then MFA_SETUP answered."""
    ctx = hosted_context(request)
    pending = _pending(request, ctx, Challenge.MFA_SETUP)
    if not pending:
        return _see_other(ctx.url("hosted_ui:login"))
    can_set_up = json.loads((pending.get("parameters") or {}).get("MFAS_CAN_SETUP") or "[]")
    if mfa.SOFTWARE_TOKEN_MFA not in can_set_up:
        return _render(
            request, "mfa_setup_unavailable.html", {"factors": can_set_up}, ctx=ctx, status=400
        )
    username = pending.get("display_name") or pending["username"]
    form = MfaSetupForm(request.POST if request.method == "POST" else None)
    try:
        if not pending.get("associated"):
            secret, session = auth_flows.associate_software_token(session=pending["session"])
            pending.update(session=session, associated=True)
            request.session[_CHALLENGE_KEY] = pending
        else:
            secret = auth_flows.pending_software_token(session=pending["session"])
        if request.method == "POST" and form.is_valid():
            try:
                setup_session = auth_flows.verify_software_token(
                    session=pending["session"],
                    code=form.cleaned_data["code"],
                    friendly_name=form.cleaned_data["device_name"],
                )
            except CognitoError as exc:
                if _is_session_error(exc):
                    raise
                form.add_error("code", translate_service_message(exc.message))
            else:
                step = auth_flows.answer_challenge(
                    client=ctx.client,
                    challenge_name=Challenge.MFA_SETUP,
                    responses=_responses(ctx, pending),
                    session=setup_session,
                )
                return _continue(request, ctx, step)
    except CognitoError as exc:
        if _is_session_error(exc):
            return _restart(request, ctx, username)
        raise
    uri = mfa.provisioning_uri(ctx.pool, secret, username)
    return _render(
        request,
        "mfa_setup.html",
        {
            "form": form,
            "qr_svg": _qr_svg(uri),
            "secret": _grouped(secret),
            "otpauth_uri": uri,
            "username": username,
            "account_username": account_username(pending),
        },
        ctx=ctx,
    )


@hosted_page
@require_http_methods(["GET", "POST"])
def mfa_recovery_codes(request: HttpRequest) -> HttpResponse:
    """Beyond Cognito: a signed-in user with MFA generates ten recovery codes, shown once."""
    ctx = hosted_context(request)
    sign_in = hosted_session.current_sign_in(request, ctx.pool)
    if sign_in is None:
        return _see_other(ctx.url("hosted_ui:login"))
    user = sign_in.user
    context: dict[str, Any] = {
        "username": display_name(user),
        "has_mfa": bool(mfa.enabled_factors(user)),
    }
    if request.method == "POST":
        try:
            context["codes"] = mfa.generate_recovery_codes(user)
        except CognitoError as exc:
            context["page_error"] = translate_service_message(exc.message)
    context["remaining"] = recovery_codes.remaining(user)
    return _render(request, "mfa_recovery_codes.html", context, ctx=ctx)
