"""Hosted UI pages at Cognito's paths (reference §4): ``/login``, ``/signup``,
``/confirmUser``, ``/forgotPassword``, ``/confirmForgotPassword``, ``/resetPassword`` (the
NEW_PASSWORD_REQUIRED step), ``/error``, plus the signed-in and signed-out pages.

Every page calls the services the JSON API calls (auth_flows, sign_up) and shows their
CognitoError beside the field it concerns. The OAuth query (``client_id``, ``redirect_uri``,
``state``, …) rides along in each page's URL and form action, so finishing sign-in sends the
browser back to ``/oauth2/authorize`` with it (``prompt`` removed, 303 as RFC 9700 §4.12
asks). Pages carry a strict CSP with ``frame-ancestors 'none'``, X-Frame-Options DENY,
``Referrer-Policy: same-origin`` and ``Cache-Control: no-store``; they load nothing from
another origin and run no script.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext, gettext_noop, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import PoolUser, UserPool
from accounts.services import auth_flows, hosted_session, mfa, notifications, ui_customization
from accounts.services import sign_up as sign_up_service
from accounts.services.notifications import CodeDelivery
from accounts.views import forms as hosted_forms
from accounts.views.messages import translate_service_message
from core.errors import (
    CognitoError,
    PasswordResetRequiredException,
    ResourceNotFoundException,
    UserNotConfirmedException,
)
from oauth.models import AppClient
from oauth.services.authorize import AuthorizeError, validate_authorize_request
from oauth.services.clients import compute_secret_hash, get_app_client

# No form-action: Chromium applies it to the redirects that follow a form post, and a
# sign-in ends in a redirect to the client's (other-origin) callback URL.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
# Parameters of one page only, never carried to the next one.
_PAGE_ONLY_PARAMETERS = frozenset({"user_name", "confirmation_code"})
_PENDING_KEY = "hosted_ui.pending"
_CHALLENGE_KEY = "hosted_ui.challenge"
_NOTICE_KEY = "hosted_ui.notice"
# A sign-up no code went to, shown once by the next GET /signup (post/redirect/get).
_AWAITING_CONFIRMATION_KEY = "hosted_ui.awaiting_confirmation"
NOTICES = {
    "confirmed": _("Your account is confirmed. Sign in to continue."),
    "signed_up": _("Your account is ready. Sign in to continue."),
    "password_changed": _("Your password has been changed. Sign in with the new password."),
    "not_confirmed": _("Your account is not confirmed yet. Enter the code we sent you."),
    "reset_required": _("You must reset your password before you can sign in."),
    "session_expired": _("Your sign-in took too long. Sign in again."),
}
# The page answering each challenge of the sign-in state machine; an MFA page joins by
# adding its challenge (SMS_MFA, SOFTWARE_TOKEN_MFA, …) here.
CHALLENGE_PAGES: dict[str, str] = {
    auth_flows.Challenge.NEW_PASSWORD_REQUIRED: "hosted_ui:reset_password",
    # Second factors: accounts/views/mfa.py.
    auth_flows.Challenge.SOFTWARE_TOKEN_MFA: "hosted_ui:mfa",
    auth_flows.Challenge.SMS_MFA: "hosted_ui:mfa",
    auth_flows.Challenge.EMAIL_OTP: "hosted_ui:mfa",
    auth_flows.Challenge.SELECT_MFA_TYPE: "hosted_ui:mfa_option",
    auth_flows.Challenge.MFA_SETUP: "hosted_ui:mfa_setup",
}
LANGUAGE_CHOICES = (("en", "English"), ("zh-hans", "简体中文"))


class HostedUIError(Exception):
    """A request the hosted UI cannot serve: shown on the error page, never redirected."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class _RegisteredSchemes:
    """Every scheme a registered redirect URL may have. Apps register their own
    (``myapp://callback``, RFC 8252 §7.1), which Django's redirect would refuse as
    unsafe; CreateUserPoolClient already refuses the schemes that run code, and so does
    this."""

    SCRIPT_SCHEMES = frozenset({"javascript", "data", "file", "vbscript"})

    def __contains__(self, scheme: object) -> bool:
        return isinstance(scheme, str) and scheme.lower() not in self.SCRIPT_SCHEMES


class ClientRedirect(HttpResponseRedirect):
    """A 303 (RFC 9700 §4.12) to a URL registered for an app client, which may use the
    app's own scheme; no Referer follows it."""

    status_code = 303
    allowed_schemes = _RegisteredSchemes()  # type: ignore[assignment]

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self["Cache-Control"] = "no-store"
        self["Referrer-Policy"] = "no-referrer"


class HostedRedirect(Exception):
    """An authorization error to send back to the client's validated redirect URI."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


@dataclass(frozen=True)
class HostedContext:
    """The app client a page serves and the OAuth query it carries."""

    client: AppClient
    query: QueryDict
    redirect_uri: str | None

    @property
    def pool(self) -> UserPool:
        return self.client.pool

    @property
    def oauth(self) -> bool:
        return self.redirect_uri is not None

    def url(self, name: str, **extra: str) -> str:
        query = self.query.copy()
        for key, value in extra.items():
            query[key] = value
        return f"{reverse(name)}?{query.urlencode()}"

    def authorize_url(self) -> str:
        """Back to /oauth2/authorize after a sign-in, which satisfies ``prompt=login`` and
        any ``max_age``: both are dropped, else a redirect slower than ``max_age`` (0 is
        common) would send the browser back to the form forever."""
        query = self.query.copy()
        for satisfied in ("prompt", "max_age"):
            query.pop(satisfied, None)
        return f"/oauth2/authorize?{query.urlencode()}"


# --- request plumbing ------------------------------------------------------------------
def requested_language(request: HttpRequest) -> str | None:
    """``lang``, else the first supported of ``ui_locales`` (OIDC Core §3.1.2.1); None
    leaves LocaleMiddleware's Accept-Language choice."""
    candidates = [request.GET.get("lang", "")]
    candidates += request.GET.get("ui_locales", "").split()
    for candidate in candidates:
        tag = candidate.strip().replace("_", "-").lower()
        if not tag:
            continue
        if tag == "zh" or tag.startswith(("zh-hans", "zh-cn", "zh-sg")):
            return "zh-hans"
        if tag == "en" or tag.startswith("en-"):
            return "en"
    return None


# Nothing of these pages' URLs (state, nonce, a confirmation code) may reach another
# origin (RFC 9700 §4.2.4). Not ``no-referrer``: under it browsers send ``Origin: null``
# with every form post (Fetch §3.2.5), which Django's CSRF check rightly refuses.
REFERRER_POLICY = "same-origin"


def secure_headers(response: HttpResponse) -> HttpResponse:
    response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response["X-Frame-Options"] = "DENY"
    response["Referrer-Policy"] = REFERRER_POLICY
    response["Cache-Control"] = "no-store"
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    return response


def hosted_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Language from ``lang``/``ui_locales`` (also the language of the codes the page
    mails), security headers, and HostedUIError → the error page. Every hosted page takes
    passwords, codes or tokens: Django's error reports show none of its POST fields, nor
    the local variables of any frame below it (sensitive_post_parameters,
    sensitive_variables)."""

    view = sensitive_variables()(sensitive_post_parameters()(view))

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        language = requested_language(request)
        if language is not None:
            translation.activate(language)
            request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        try:
            # Codes mailed from this page come in its language (for users without locale).
            with notifications.page_language(translation.get_language()):
                response = view(request, *args, **kwargs)
        except HostedUIError as exc:
            response = error_page(request, exc.message, status=exc.status)
        except HostedRedirect as redirect:
            return ClientRedirect(redirect.url)
        return secure_headers(response)

    return wrapper


# What the error page says about an authorization request it must not redirect (the
# English is translated when the page is rendered).
AUTHORIZE_PAGE_MESSAGES = {
    "invalid_client": gettext_noop("The app client does not exist."),
    "redirect_mismatch": gettext_noop("The redirect_uri is not registered for this app client."),
}
# The other descriptions of such requests (oauth.services.authorize), marked for
# makemessages.
AUTHORIZE_PAGE_DESCRIPTIONS = (
    gettext_noop("The client_id parameter is required."),
    gettext_noop("The redirect_uri parameter is required."),
)


def authorize_error_message(error: AuthorizeError) -> str:
    """The error page's message for an authorization request that cannot be redirected,
    untranslated: ``error_page`` translates it."""
    return AUTHORIZE_PAGE_MESSAGES.get(error.error, error.description)


def _page_error(error: AuthorizeError) -> HostedUIError:
    return HostedUIError(authorize_error_message(error))


def hosted_context(request: HttpRequest) -> HostedContext:
    """The app client named by ``client_id`` (on a pool's custom domain, only that pool's
    clients) and, with a ``redirect_uri``, the authorization request /oauth2/authorize
    checks too (``validate_authorize_request``). An unknown client or an unregistered
    redirect URI gets the error page, never a redirect (RFC 9700 §4.11.2); later errors
    go back to the validated redirect URI as RFC 6749 §4.1.2.1 errors."""
    host_pool = getattr(request, "tessera_pool", None)
    client_id = request.GET.get("client_id", "")
    if not client_id:
        raise HostedUIError(gettext("The client_id parameter is missing."))
    redirect_uri = request.GET.get("redirect_uri")
    if redirect_uri is not None:
        try:
            client = validate_authorize_request(request.GET.dict(), host_pool=host_pool).client
        except AuthorizeError as exc:
            if exc.redirectable:
                raise HostedRedirect(exc.redirect_url()) from None
            raise _page_error(exc) from None
    else:
        try:
            client = get_app_client(client_id)
        except ResourceNotFoundException:
            raise HostedUIError(gettext("The app client does not exist."), status=404) from None
        if host_pool is not None and client.pool_id != host_pool.id:
            raise HostedUIError(gettext("The app client does not exist."), status=404)
    query = request.GET.copy()
    for name in _PAGE_ONLY_PARAMETERS:
        query.pop(name, None)
    return HostedContext(client=client, query=query, redirect_uri=redirect_uri)


def _see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _secret_hash(client: AppClient, username: str) -> str | None:
    """The hosted UI is the client's own sign-in page and holds its secret, as Cognito's
    managed login does, so it answers the SECRET_HASH check the services make."""
    if not client.has_secret:
        return None
    return compute_secret_hash(client.get_secret(), username, client.client_id)


def _attach_error(
    form: forms.Form, exc: CognitoError, fields: Mapping[str, str], default: str | None = None
) -> None:
    """Show ``exc`` beside the field it is about: by exception name, else a field the
    message names, else ``default`` (None: above the form)."""
    field = fields.get(type(exc).__name__)
    if field is None and exc.message.startswith("Username ") and "username" in form.fields:
        # "Username cannot be of email format, …": about the name typed, though it names
        # the email too.
        field = "username"
    if field is None:
        field = next(
            (name for name in form.fields if name != "password" and name in exc.message), default
        )
    form.add_error(field if field in form.fields else None, translate_service_message(exc.message))


def _remember(request: HttpRequest, ctx: HostedContext, username: str, delivery: Any) -> None:
    """The name typed and where a code went, for the next page of the same flow."""
    request.session[_PENDING_KEY] = {
        "client_id": ctx.client.client_id,
        "username": username,
        "destination": getattr(delivery, "destination", ""),
        "medium": getattr(delivery, "medium", ""),
    }


def _pending(request: HttpRequest, ctx: HostedContext) -> dict[str, str]:
    pending = request.session.get(_PENDING_KEY) or {}
    return pending if pending.get("client_id") == ctx.client.client_id else {}


def _notify(request: HttpRequest, notice: str, username: str | None = None) -> None:
    request.session[_NOTICE_KEY] = {"notice": notice, "username": username or ""}


def _take_notice(request: HttpRequest) -> tuple[str | None, str]:
    stored = request.session.pop(_NOTICE_KEY, None) or {}
    text = NOTICES.get(stored.get("notice", ""))
    return (str(text) if text else None), stored.get("username", "")


def password_rules(pool: UserPool) -> list[str]:
    """The pool's PasswordPolicy in words, shown beside every new-password field."""
    policy = pool.password_policy
    minimum = int(policy.get("MinimumLength", 8))
    rules = [ngettext("At least %(count)d character", "At least %(count)d characters", minimum)]
    rules[0] = rules[0] % {"count": minimum}
    wording = (
        ("RequireUppercase", _("An uppercase letter (A-Z)")),
        ("RequireLowercase", _("A lowercase letter (a-z)")),
        ("RequireNumbers", _("A number (0-9)")),
        ("RequireSymbols", _("A special character, such as ! @ # $ %")),
    )
    rules += [str(text) for key, text in wording if policy.get(key)]
    if pool.reject_common_passwords:
        rules.append(gettext("Not a commonly used password"))
    return rules


def display_name(user: PoolUser) -> str:
    """How a page names the user: in UsernameAttributes pools the stored username is a
    UUID, so the email or phone number people sign in with."""
    return user.email or user.phone_number or user.username


def account_username(challenge: Mapping[str, Any]) -> str:
    """The name a password manager files a challenge page's new password or authenticator
    under: the one typed at sign-in, else the best the user is known by."""
    return str(
        challenge.get("sign_in_name") or challenge.get("display_name") or challenge["username"]
    )


def _delivery_text(pending: Mapping[str, str]) -> str | None:
    destination = pending.get("destination")
    if not destination:
        return None
    if pending.get("medium") == "SMS":
        return gettext("We sent a code by text message to %(destination)s.") % {
            "destination": destination
        }
    return gettext("We sent a code by email to %(destination)s.") % {"destination": destination}


def _language_links(request: HttpRequest) -> list[dict[str, Any]]:
    current = translation.get_language()
    links = []
    for code, label in LANGUAGE_CHOICES:
        query = request.GET.copy()
        query["lang"] = code
        links.append(
            {
                "code": code,
                "label": label,
                "url": f"{request.path}?{query.urlencode()}",
                "current": current == code,
            }
        )
    return links


def _render(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    ctx: HostedContext | None = None,
    status: int = 200,
) -> HttpResponse:
    customization = (
        ui_customization.effective_customization(ctx.pool, ctx.client.client_id)
        if ctx is not None
        else None
    )
    form = context.get("form")
    if isinstance(form, forms.Form):
        if ctx is not None:
            hosted_forms.label_username(form, ctx.pool)
        _describe_fields(form, with_rules=bool(context.get("password_rules")))
    page = {
        "hosted": ctx,
        "client_name": ctx.client.name if ctx is not None else "",
        "customization": customization,
        "language_links": _language_links(request),
        "links": _page_links(ctx) if ctx is not None else {},
        **context,
    }
    return render(request, f"hosted_ui/{template}", page, status=status)


def _describe_fields(form: forms.Form, *, with_rules: bool) -> None:
    """Tie each field to its error message (and a new password to the policy) for
    assistive technology (WCAG 2.2 SC 3.3.1, 1.3.1)."""
    for bound in form:
        described_by = []
        if bound.errors:
            described_by.append(f"{bound.auto_id}-error")
            bound.field.widget.attrs["aria-invalid"] = "true"
        if with_rules and bound.name == "password":
            described_by.append("password-rules")
        if described_by:
            bound.field.widget.attrs["aria-describedby"] = " ".join(described_by)


def _logout_url(client: AppClient) -> str:
    """Cognito's /logout takes the client and one of its LogoutURLs (reference §4) and
    refuses a client without any; such a client signs out at the pool's RP-initiated
    logout, which shows the signed-out page, in this page's language."""
    query = {"client_id": client.client_id}
    if client.logout_urls:
        query["logout_uri"] = client.logout_urls[0]
        return f"/logout?{urllib.parse.urlencode(query)}"
    query["lang"] = translation.get_language()
    path = reverse("end_session", kwargs={"pool_id": client.pool_id})
    return f"{path}?{urllib.parse.urlencode(query)}"


def _page_links(ctx: HostedContext) -> dict[str, str]:
    return {
        "login": ctx.url("hosted_ui:login"),
        "signup": ctx.url("hosted_ui:signup"),
        "forgot_password": ctx.url("hosted_ui:forgot_password"),
        "confirm_user": ctx.url("hosted_ui:confirm_user"),
        "logout": _logout_url(ctx.client),
        "switch_user": ctx.url("hosted_ui:login", prompt="login"),
        "mfa_recovery_codes": ctx.url("hosted_ui:mfa_recovery_codes"),
    }


# --- pages shared with the OAuth endpoints ---------------------------------------------
DEFAULT_ERROR_MESSAGE = gettext_noop("An error was encountered with the requested page.")


def error_page(
    request: HttpRequest, message: str | None = None, *, status: int = 400
) -> HttpResponse:
    """The hosted UI's error page (also what ``/oauth2/authorize`` and ``/logout`` show
    for a request they must not redirect). ``message`` is English marked with
    ``gettext_noop`` (or already translated): it is translated here, in the page's
    language."""
    with translation.override(requested_language(request) or translation.get_language()):
        text = gettext(message) if message else gettext(DEFAULT_ERROR_MESSAGE)
        response = _render(request, "error.html", {"message": text}, status=status)
    return secure_headers(response)


def signed_out_page(request: HttpRequest, client: AppClient | None = None) -> HttpResponse:
    """What ``/logout`` shows when it has nowhere to send the browser."""
    context: dict[str, Any] = {}
    with translation.override(requested_language(request) or translation.get_language()):
        if client is not None:
            # Signing in again keeps the language this page is in.
            query = {"client_id": client.client_id, "lang": translation.get_language()}
            context["login_url"] = f"{reverse('hosted_ui:login')}?{urllib.parse.urlencode(query)}"
        response = _render(request, "signed_out.html", context)
    return secure_headers(response)


# --- sign-in ---------------------------------------------------------------------------
def _continue(
    request: HttpRequest,
    ctx: HostedContext,
    step: auth_flows.AuthStep,
    *,
    sign_in_name: str = "",
) -> HttpResponse:
    """After a step of the state machine: the next challenge's page, or — signed in — the
    per-pool session cookie and back to ``/oauth2/authorize`` (or the signed-in page).
    ``sign_in_name`` is the name typed at /login; later challenges keep it."""
    if step.challenge_name:
        page = CHALLENGE_PAGES.get(step.challenge_name)
        if page is None:
            raise HostedUIError(gettext("This sign-in step is not available here."))
        previous = request.session.get(_CHALLENGE_KEY) or {}
        if not sign_in_name and previous.get("client_id") == ctx.client.client_id:
            sign_in_name = previous.get("sign_in_name", "")
        # The half-done sign-in below is worth as much as the password just checked: a
        # session id planted before it must not reach it (OWASP ASVS 3.2.1).
        request.session.cycle_key()
        request.session[_CHALLENGE_KEY] = {
            "client_id": ctx.client.client_id,
            "challenge": step.challenge_name,
            "session": step.session,
            "username": step.challenge_parameters.get("USER_ID_FOR_SRP", ""),
            "display_name": display_name(step.user) if step.user is not None else "",
            "sign_in_name": sign_in_name,
            "parameters": step.challenge_parameters,
        }
        return _see_other(ctx.url(page))
    if step.user is None or step.auth_time is None:
        raise HostedUIError(gettext("This sign-in step is not available here."))
    request.session.pop(_CHALLENGE_KEY, None)
    request.session.pop(_PENDING_KEY, None)
    response = _see_other(ctx.authorize_url() if ctx.oauth else ctx.url("hosted_ui:login"))
    hosted_session.start_sign_in(request, response, ctx.pool, step.user, step.auth_time)
    return response


@hosted_page
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    ctx = hosted_context(request)
    notice, remembered = _take_notice(request)
    if request.method == "GET":
        if ctx.oauth and "none" in request.GET.get("prompt", "").split():
            # prompt=none never shows a page (OIDC Core §3.1.2.1): /oauth2/authorize
            # answers it, with a code or login_required. /logout sends here with it.
            return _see_other(f"/oauth2/authorize?{ctx.query.urlencode()}")
        sign_in = hosted_session.current_sign_in(request, ctx.pool)
        # With OAuth parameters /oauth2/authorize already decided a form is due (no
        # sign-in, prompt=login or max_age): always show it, so the two never loop.
        if sign_in is not None and not ctx.oauth and request.GET.get("prompt") != "login":
            # Recovery codes stand in for a second factor: offered once the user has one
            # (setting one up happens in sign-in, at MFA_SETUP, when the pool asks for it).
            signed_in = {
                "username": display_name(sign_in.user),
                "has_mfa": bool(mfa.enabled_factors(sign_in.user)),
            }
            return _render(request, "signed_in.html", signed_in, ctx=ctx)
        initial = {"username": remembered or request.GET.get("login_hint", "")}
        form = hosted_forms.LoginForm(initial=initial)
        return _render(request, "login.html", {"form": form, "notice": notice}, ctx=ctx)
    form = hosted_forms.LoginForm(request.POST)
    if form.is_valid():
        username = form.cleaned_data["username"]
        try:
            step = auth_flows.password_sign_in(
                client=ctx.client, username=username, password=form.cleaned_data["password"]
            )
        except UserNotConfirmedException:
            if sign_up_service.confirmation_channel(ctx.pool, username) is None:
                # No code can reach this user (the pool verifies nothing they have): the
                # page says an administrator must confirm them, as after such a sign-up.
                request.session[_AWAITING_CONFIRMATION_KEY] = {
                    "client_id": ctx.client.client_id,
                    "username": username,
                }
                return _see_other(ctx.url("hosted_ui:signup"))
            _remember(request, ctx, username, None)
            _notify(request, "not_confirmed", username)
            return _see_other(ctx.url("hosted_ui:confirm_user"))
        except PasswordResetRequiredException:
            _notify(request, "reset_required", username)
            return _see_other(ctx.url("hosted_ui:forgot_password"))
        except CognitoError as exc:
            _attach_error(form, exc, {"UserNotFoundException": "username"}, default="password")
        else:
            return _continue(request, ctx, step, sign_in_name=username)
    return _render(request, "login.html", {"form": form}, ctx=ctx)


def _missing_attributes(parameters: Mapping[str, str]) -> list[str]:
    try:
        names = json.loads(parameters.get("requiredAttributes") or "[]")
    except ValueError:
        names = []
    prefix = "userAttributes."
    return [name[len(prefix) :] for name in names if str(name).startswith(prefix)]


@hosted_page
@require_http_methods(["GET", "POST"])
def reset_password(request: HttpRequest) -> HttpResponse:
    """NEW_PASSWORD_REQUIRED: an administrator-created user chooses a password."""
    ctx = hosted_context(request)
    pending = request.session.get(_CHALLENGE_KEY) or {}
    if (
        pending.get("client_id") != ctx.client.client_id
        or pending.get("challenge") != auth_flows.Challenge.NEW_PASSWORD_REQUIRED
    ):
        return _see_other(ctx.url("hosted_ui:login"))
    missing = _missing_attributes(pending.get("parameters") or {})
    form = hosted_forms.NewPasswordForm(
        request.POST if request.method == "POST" else None, missing_attributes=missing
    )
    if request.method == "POST" and form.is_valid():
        username = pending["username"]
        responses = {
            "USERNAME": username,
            "NEW_PASSWORD": form.cleaned_data["password"],
            **{f"userAttributes.{name}": value for name, value in form.attributes.items()},
        }
        secret_hash = _secret_hash(ctx.client, username)
        if secret_hash:
            responses["SECRET_HASH"] = secret_hash
        try:
            step = auth_flows.answer_challenge(
                client=ctx.client,
                challenge_name=auth_flows.Challenge.NEW_PASSWORD_REQUIRED,
                responses=responses,
                session=pending.get("session"),
            )
        except CognitoError as exc:
            if type(exc).__name__ == "NotAuthorizedException":
                # The challenge Session expired or was used: start again.
                request.session.pop(_CHALLENGE_KEY, None)
                _notify(request, "session_expired", username)
                return _see_other(ctx.url("hosted_ui:login"))
            _attach_error(form, exc, {"InvalidPasswordException": "password"})
        else:
            return _continue(request, ctx, step)
    return _render(
        request,
        "new_password.html",
        {
            "form": form,
            "password_rules": password_rules(ctx.pool),
            "username": pending.get("display_name") or pending["username"],
            "account_username": account_username(pending),
        },
        ctx=ctx,
    )


# --- sign-up and confirmation ----------------------------------------------------------
@hosted_page
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    ctx = hosted_context(request)
    if request.method == "GET":
        awaiting = request.session.pop(_AWAITING_CONFIRMATION_KEY, None) or {}
        if awaiting.get("client_id") == ctx.client.client_id:
            return _render(
                request,
                "awaiting_confirmation.html",
                {"username": awaiting["username"]},
                ctx=ctx,
            )
    form = hosted_forms.SignUpForm(
        request.POST if request.method == "POST" else None, pool=ctx.pool
    )
    if request.method == "POST" and form.is_valid():
        username = form.username
        try:
            result = sign_up_service.sign_up(
                client=ctx.client,
                username=username,
                password=form.cleaned_data["password"],
                attributes=form.attributes,
                secret_hash=_secret_hash(ctx.client, username),
            )
        except CognitoError as exc:
            username_field = "username" if "username" in form.fields else "email"
            _attach_error(
                form,
                exc,
                {
                    "InvalidPasswordException": "password",
                    "UsernameExistsException": username_field,
                    "AliasExistsException": "email",
                },
            )
        else:
            if result.confirmed:
                _notify(request, "signed_up", username)
                return _see_other(ctx.url("hosted_ui:login"))
            if result.delivery is None:
                # The pool verifies nothing, so no code was sent: only AdminConfirmSignUp
                # confirms the user (awsdocs signing-up-users-in-your-app.md). The page
                # says so instead of asking for a code that does not exist.
                request.session[_AWAITING_CONFIRMATION_KEY] = {
                    "client_id": ctx.client.client_id,
                    "username": username,
                }
                return _see_other(ctx.url("hosted_ui:signup"))
            _remember(request, ctx, username, result.delivery)
            return _see_other(ctx.url("hosted_ui:confirm_user"))
    return _render(
        request,
        "signup.html",
        {"form": form, "password_rules": password_rules(ctx.pool)},
        ctx=ctx,
    )


_CODE_ERRORS = {
    "CodeMismatchException": "code",
    "ExpiredCodeException": "code",
    "UserNotFoundException": "username",
}


@hosted_page
@require_http_methods(["GET", "POST"])
def confirm_user(request: HttpRequest) -> HttpResponse:
    """Code entry after sign-up, and the landing page of the CONFIRM_WITH_LINK mail
    (``?client_id=&user_name=&confirmation_code=``), which confirms only on its button."""
    ctx = hosted_context(request)
    pending = _pending(request, ctx)
    notice, remembered = _take_notice(request)
    action = request.POST.get("action", "confirm") if request.method == "POST" else ""
    link_form = None
    if request.method == "GET" and request.GET.get("confirmation_code"):
        link_form = hosted_forms.ConfirmLinkForm(
            initial={
                "username": request.GET.get("user_name", ""),
                "code": request.GET.get("confirmation_code", ""),
            }
        )
        return _render(request, "confirm_link.html", {"form": link_form}, ctx=ctx)
    form: forms.Form
    if action == "link":
        form = hosted_forms.ConfirmLinkForm(request.POST)
    elif action == "resend":
        form = hosted_forms.ResendCodeForm(request.POST)
    elif action == "confirm":
        form = hosted_forms.ConfirmUserForm(request.POST)
    else:
        form = hosted_forms.ConfirmUserForm(
            initial={"username": pending.get("username") or remembered}
        )
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        try:
            if action == "resend":
                delivery: CodeDelivery = sign_up_service.resend_confirmation_code(
                    client=ctx.client,
                    username=username,
                    secret_hash=_secret_hash(ctx.client, username),
                )
                _remember(request, ctx, username, delivery)
                return _see_other(ctx.url("hosted_ui:confirm_user"))
            sign_up_service.confirm_sign_up(
                client=ctx.client,
                username=username,
                code=form.cleaned_data["code"],
                secret_hash=_secret_hash(ctx.client, username),
            )
        except CognitoError as exc:
            if action != "confirm":
                # Hidden fields: show the message above the code form instead.
                form = hosted_forms.ConfirmUserForm(initial={"username": username})
                form.is_bound = False
                return _render(
                    request,
                    "confirm_user.html",
                    {
                        "form": form,
                        "page_error": translate_service_message(exc.message),
                        "username": username,
                    },
                    ctx=ctx,
                )
            _attach_error(form, exc, _CODE_ERRORS)
        else:
            request.session.pop(_PENDING_KEY, None)
            _notify(request, "confirmed", username)
            return _see_other(ctx.url("hosted_ui:login"))
    if action == "link":
        return _render(request, "confirm_link.html", {"form": form}, ctx=ctx)
    if not isinstance(form, hosted_forms.ConfirmUserForm):
        form = hosted_forms.ConfirmUserForm(initial={"username": pending.get("username")})
    return _render(
        request,
        "confirm_user.html",
        {
            "form": form,
            "notice": notice,
            "delivery": _delivery_text(pending),
            "username": pending.get("username") or remembered,
        },
        ctx=ctx,
    )


# --- forgotten password ----------------------------------------------------------------
@hosted_page
@require_http_methods(["GET", "POST"])
def forgot_password(request: HttpRequest) -> HttpResponse:
    ctx = hosted_context(request)
    notice, remembered = _take_notice(request)
    if request.method == "GET":
        form = hosted_forms.ForgotPasswordForm(initial={"username": remembered})
        return _render(request, "forgot_password.html", {"form": form, "notice": notice}, ctx=ctx)
    form = hosted_forms.ForgotPasswordForm(request.POST)
    if form.is_valid():
        username = form.cleaned_data["username"]
        try:
            delivery = sign_up_service.forgot_password(
                client=ctx.client, username=username, secret_hash=_secret_hash(ctx.client, username)
            )
        except CognitoError as exc:
            _attach_error(form, exc, {}, default="username")
        else:
            _remember(request, ctx, username, delivery)
            return _see_other(ctx.url("hosted_ui:confirm_forgot_password"))
    return _render(request, "forgot_password.html", {"form": form}, ctx=ctx)


@hosted_page
@require_http_methods(["GET", "POST"])
def confirm_forgot_password(request: HttpRequest) -> HttpResponse:
    ctx = hosted_context(request)
    pending = _pending(request, ctx)
    if request.method == "GET":
        form = hosted_forms.ConfirmForgotPasswordForm(
            initial={"username": pending.get("username", "")}
        )
    else:
        form = hosted_forms.ConfirmForgotPasswordForm(request.POST)
        if form.is_valid():
            username = form.cleaned_data["username"]
            try:
                sign_up_service.confirm_forgot_password(
                    client=ctx.client,
                    username=username,
                    code=form.cleaned_data["code"],
                    password=form.cleaned_data["password"],
                    secret_hash=_secret_hash(ctx.client, username),
                )
            except CognitoError as exc:
                _attach_error(form, exc, {**_CODE_ERRORS, "InvalidPasswordException": "password"})
            else:
                request.session.pop(_PENDING_KEY, None)
                _notify(request, "password_changed", username)
                return _see_other(ctx.url("hosted_ui:login"))
    return _render(
        request,
        "confirm_forgot_password.html",
        {
            "form": form,
            "password_rules": password_rules(ctx.pool),
            "delivery": _delivery_text(pending),
        },
        ctx=ctx,
    )


# --- error page and customization assets -----------------------------------------------
@hosted_page
@require_GET
def error(request: HttpRequest) -> HttpResponse:
    return error_page(request)


@require_GET
def customization_css(
    request: HttpRequest, pool_id: str, client_id: str, version: str
) -> HttpResponse:
    css = ui_customization.get_css(pool_id, client_id, version)
    if css is None:
        raise Http404
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    # The version is in the URL and must be the current one: a new SetUICustomization
    # gives a new URL, and an old URL no longer answers, so caching it for good is safe.
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@require_GET
def customization_logo(
    request: HttpRequest, pool_id: str, client_id: str, version: str
) -> HttpResponse:
    logo = ui_customization.get_logo(pool_id, client_id, version)
    if logo is None:
        raise Http404
    image, media_type = logo
    response = HttpResponse(image, content_type=media_type)
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response
