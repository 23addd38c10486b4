"""Verification and password-reset messages: composed from the pool's
VerificationMessageTemplate (``{####}`` is the code, ``{##text##}`` the confirmation link) or
from our default texts in English and Chinese (templates/email/), chosen by the user's
``locale`` attribute, then queued through the outbox (accounts.services.messaging)."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string

from accounts.models import PoolUser, UserPool
from accounts.services import codes, messaging
from core.errors import CodeDeliveryFailureException

EMAIL = "EMAIL"
SMS = "SMS"

# Cognito's own defaults (VerificationMessageTemplateType). A pool that still carries them
# has not customised its messages, so our localized defaults are used instead.
COGNITO_DEFAULT_TEXTS = frozenset(
    {
        "Your verification code is {####}.",
        "Your verification code",
        "Please click the link below to verify your email address. {##Verify Email##}",
        "Your verification link",
    }
)
LANGUAGES = ("en", "zh-hans")
_LINK_PLACEHOLDER = re.compile(r"\{##(.*?)##\}", re.DOTALL)


@dataclass(frozen=True)
class CodeDelivery:
    """Cognito's CodeDeliveryDetailsType: where a code went, masked."""

    destination: str
    medium: str
    attribute: str


def mask_email(address: str) -> str:
    """``test@test.com`` → ``t***@t***``, as Cognito masks destinations."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain[:1]}***"


def mask_phone(number: str) -> str:
    """``+15555550123`` → ``+*******0123``."""
    prefix = "+" if number.startswith("+") else ""
    digits = number[len(prefix) :]
    return prefix + "*" * max(len(digits) - 4, 0) + digits[-4:]


def simulated_delivery(username: str) -> CodeDelivery:
    """What PreventUserExistenceErrors=ENABLED answers for an unknown user: a plausible
    delivery to a destination derived from the name typed, so nothing reveals the miss."""
    if "@" in username:
        return CodeDelivery(mask_email(username), EMAIL, "email")
    if username.startswith("+"):
        return CodeDelivery(mask_phone(username), SMS, "phone_number")
    return CodeDelivery(mask_email(f"{username}@{username}"), EMAIL, "email")


# The language of the hosted page being served, for users without a ``locale`` attribute.
_page_language: ContextVar[str | None] = ContextVar("tessera_page_language", default=None)


def _supported_language(tag: str) -> str:
    """``zh-hans`` for any Chinese tag (zh, zh-CN, zh_Hans, …), else English."""
    tag = tag.strip().lower().replace("_", "-")
    return "zh-hans" if tag == "zh" or tag.startswith("zh-") else "en"


@contextmanager
def page_language(language: str | None) -> Iterator[None]:
    """Mail composed inside this block to a user without ``locale`` is in ``language`` (a
    hosted page's), so a code requested from a Chinese page arrives in Chinese."""
    token = _page_language.set(_supported_language(language) if language else None)
    try:
        yield
    finally:
        _page_language.reset(token)


def user_language(user: PoolUser) -> str:
    """The user's ``locale`` attribute (Chinese or else English), else the hosted page's
    language, else English."""
    locale = user.attributes.get("locale", "").strip()
    if locale:
        return _supported_language(locale)
    return _page_language.get() or "en"


def _pool_template(pool: UserPool) -> dict[str, str]:
    template = {
        key: value
        for key, value in (pool.verification_message_template or {}).items()
        if isinstance(value, str)
    }
    # The legacy top-level EmailVerificationMessage/Subject stand in when the template is silent.
    if pool.email_verification_message:
        template.setdefault("EmailMessage", pool.email_verification_message)
    if pool.email_verification_subject:
        template.setdefault("EmailSubject", pool.email_verification_subject)
    return template


def _customised(text: str | None) -> str | None:
    if not text or text.strip() in COGNITO_DEFAULT_TEXTS:
        return None
    return text


def _render_default(name: str, language: str, context: Mapping[str, object]) -> tuple[str, str]:
    text = render_to_string(f"email/{name}.{language}.txt", context).strip()
    subject, _, body = text.partition("\n")
    return subject.strip(), body.strip() + "\n"


def confirmation_link(user: PoolUser, client_id: str, code: str) -> str:
    """The hosted UI's ``/confirmUser`` link for CONFIRM_WITH_LINK pools (reference §4)."""
    query = urllib.parse.urlencode(
        {"client_id": client_id, "user_name": user.username, "confirmation_code": code}
    )
    return f"{settings.PUBLIC_URL}/confirmUser?{query}"


def compose_code_message(
    user: PoolUser, purpose: str, code: str, *, link: str | None = None
) -> tuple[str, str]:
    """(subject, body) for a code mail: the pool's customised text, else our default."""
    template = _pool_template(user.pool)
    by_link = link is not None and template.get("DefaultEmailOption") == "CONFIRM_WITH_LINK"
    valid_hours = int(codes.CODE_LIFETIMES[purpose].total_seconds() // 3600)
    context = {"code": code, "link": link, "valid_hours": valid_hours}
    if by_link:
        default_name = "verification_link"
        custom_subject = _customised(template.get("EmailSubjectByLink"))
        custom_body = _customised(template.get("EmailMessageByLink"))
    else:
        default_name = (
            "password_reset_code"
            if purpose == codes.Purpose.FORGOT_PASSWORD
            else "verification_code"
        )
        custom_subject = _customised(template.get("EmailSubject"))
        custom_body = _customised(template.get("EmailMessage"))
    subject, body = _render_default(default_name, user_language(user), context)
    if custom_subject:
        subject = custom_subject
    if custom_body:
        body = custom_body.replace("{####}", code)
        if link is not None:
            body = _LINK_PLACEHOLDER.sub(lambda match: f"{match.group(1)}: {link}", body)
    return subject, body


def deliver_code(
    user: PoolUser,
    purpose: str,
    code: str,
    *,
    attribute: str = "email",
    address: str | None = None,
    client_id: str | None = None,
) -> CodeDelivery:
    """Queue the code to ``address`` (default: the user's ``attribute`` value) inside the
    caller's transaction; the mail leaves after commit. ``client_id`` enables the
    confirmation link for sign-up codes in CONFIRM_WITH_LINK pools."""
    destination = address or user.attributes.get(attribute, "")
    if attribute != "email" or not destination:
        # No SMS sender is configured: refusing beats answering "sent" for a code that
        # can never arrive.
        raise CodeDeliveryFailureException(
            f"Unable to deliver the verification code: no sender for {attribute}."
        )
    link = (
        confirmation_link(user, client_id, code)
        if client_id and purpose == codes.Purpose.SIGN_UP
        else None
    )
    subject, body = compose_code_message(user, purpose, code, link=link)
    messaging.queue_mail(to=destination, subject=subject, body=body, pool=user.pool)
    return CodeDelivery(mask_email(destination), EMAIL, "email")
