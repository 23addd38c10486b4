"""SetUICustomization / GetUICustomization: the hosted UI's logo and CSS (reference §4,
awsdocs ``cognito-user-pools-app-ui-customization.md``).

A pool-wide setting (ClientId ``ALL``) applies to every app client without its own; a
client's own setting replaces it whole (no per-property fall-back). The CSS may only style
Cognito's ``*-customizable`` classes, each with the properties Cognito lists for it; it is
parsed with tinycss2 and refused (InvalidParameterException) on any at-rule, unknown
selector or property, or value that could load or run something (``url()``,
``expression()``, ``javascript:``, escapes). The logo must be a PNG or JPEG of at most
100 KB. Deviation: Cognito also requires the pool to have a domain; every pool is served
on this server's origin, so none is required here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import tinycss2
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import UICustomization, UserPool
from core.errors import InvalidParameterException
from oauth.services.clients import get_user_pool_client

ALL_CLIENTS = "ALL"
MAX_IMAGE_BYTES = 100 * 1024
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"

# The customizable classes and the properties Cognito lets each of them set: the developer
# guide's list, plus what Cognito's own CSS template (the console's "CSS template.css", the
# SetUICustomization example in the API reference) sets, which Cognito accepts: text-align on
# the submit button and on .redirect-customizable (the links between pages), border-radius on
# the input fields and social buttons, padding on the social buttons.
_COLOR = ("color", "background-color")
ALLOWED_PROPERTIES: dict[str, frozenset[str]] = {
    ".background-customizable": frozenset({"background-color"}),
    ".banner-customizable": frozenset({"padding", "background-color"}),
    ".errorMessage-customizable": frozenset(
        {"margin", "padding", "font-size", "width", "background", "border", "color", "box-sizing"}
    ),
    ".idpButton-customizable": frozenset(
        {"height", "width", "text-align", "margin-bottom", *_COLOR, "border-color"}
    ),
    ".idpButton-customizable:hover": frozenset(_COLOR),
    ".idpDescription-customizable": frozenset(
        {"padding-top", "padding-bottom", "display", "font-size"}
    ),
    ".inputField-customizable": frozenset({"width", "height", *_COLOR, "border", "border-radius"}),
    ".inputField-customizable:focus": frozenset({"border-color", "outline"}),
    ".label-customizable": frozenset({"font-weight"}),
    ".legalText-customizable": frozenset({"color", "font-size"}),
    ".logo-customizable": frozenset({"max-width", "max-height"}),
    ".passwordCheck-notValid-customizable": frozenset({"color"}),
    ".passwordCheck-valid-customizable": frozenset({"color"}),
    ".redirect-customizable": frozenset({"text-align"}),
    ".socialButton-customizable": frozenset(
        {"height", "text-align", "width", "margin-bottom", "border-radius", "padding"}
    ),
    ".submitButton-customizable": frozenset(
        {"font-size", "font-weight", "margin", "width", "height", "text-align", *_COLOR}
    ),
    ".submitButton-customizable:hover": frozenset(_COLOR),
    ".textDescription-customizable": frozenset(
        {"padding-top", "padding-bottom", "display", "font-size"}
    ),
}
# Tokens that fetch or execute something, or that could hide a forbidden word.
_FORBIDDEN_WORDS = ("javascript", "expression", "behavior", "-moz-binding", "vbscript")
_SAFE_TOKEN_TYPES = frozenset(
    {"whitespace", "ident", "number", "percentage", "dimension", "hash", "literal", "function"}
)
_SAFE_FUNCTIONS = frozenset({"rgb", "rgba", "hsl", "hsla", "calc"})


@dataclass(frozen=True)
class Customization:
    """What GetUICustomization returns and the pages use: the setting in force for a
    client (its own, else the pool's ``ALL``), or an empty one."""

    pool_id: str
    client_id: str
    css: str = ""
    css_version: str = ""
    image_type: str = ""
    created: dt.datetime | None = None
    modified: dt.datetime | None = None

    @property
    def image_path(self) -> str | None:
        if not self.image_type:
            return None
        return f"/ui/{self.pool_id}/{self.client_id}/logo/{self.css_version}"

    @property
    def image_url(self) -> str | None:
        """GetUICustomization's ImageUrl: the logo on this server's public origin."""
        path = self.image_path
        return f"{settings.PUBLIC_URL}{path}" if path else None

    @property
    def css_url(self) -> str | None:
        if not self.css:
            return None
        return f"/ui/{self.pool_id}/{self.client_id}/style/{self.css_version}.css"


def _view(row: UICustomization) -> Customization:
    return Customization(
        pool_id=row.pool_id,
        client_id=row.client_id,
        css=row.css,
        css_version=row.css_version,
        image_type=row.image_type,
        created=row.created,
        modified=row.modified,
    )


def _check_client(pool: UserPool, client_id: str) -> None:
    if client_id != ALL_CLIENTS:
        get_user_pool_client(pool=pool, client_id=client_id)


def validate_css(css: str) -> None:
    """Raise InvalidParameterException unless ``css`` only sets allowed properties of the
    customizable classes, with plain values."""
    rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    for rule in rules:
        if rule.type == "error":
            raise InvalidParameterException(f"CSS is not valid: {rule.message}.")
        if rule.type == "at-rule":
            raise InvalidParameterException(f"CSS at-rules are not allowed: @{rule.at_keyword}.")
        selectors = [part.strip() for part in tinycss2.serialize(rule.prelude).split(",")]
        for selector in selectors:
            if selector not in ALLOWED_PROPERTIES:
                raise InvalidParameterException(
                    f"CSS selector {selector!r} is not customizable; use one of "
                    f"{', '.join(sorted(ALLOWED_PROPERTIES))}."
                )
        # A rule naming several classes may only set what every one of them allows.
        allowed = frozenset.intersection(*(ALLOWED_PROPERTIES[name] for name in selectors))
        for declaration in tinycss2.parse_blocks_contents(
            rule.content, skip_comments=True, skip_whitespace=True
        ):
            _check_declaration(declaration, allowed, selectors)


def _check_declaration(declaration: object, allowed: frozenset[str], selectors: list[str]) -> None:
    kind = getattr(declaration, "type", "")
    if kind != "declaration":
        raise InvalidParameterException(f"CSS is not valid in {', '.join(selectors)}.")
    name = declaration.lower_name  # type: ignore[attr-defined]
    if name not in allowed:
        raise InvalidParameterException(
            f"CSS property {name!r} is not customizable for {', '.join(selectors)}."
        )
    _check_value(declaration.value, name)  # type: ignore[attr-defined]


def _check_value(tokens: list[object], name: str) -> None:
    for token in tokens:
        kind = getattr(token, "type", "")
        if kind not in _SAFE_TOKEN_TYPES:
            raise InvalidParameterException(f"CSS value of {name!r} is not allowed.")
        text = tinycss2.serialize([token]).lower()
        if "\\" in text or any(word in text for word in _FORBIDDEN_WORDS):
            raise InvalidParameterException(f"CSS value of {name!r} is not allowed.")
        if kind == "literal" and token.value not in {",", "/"}:  # type: ignore[attr-defined]
            raise InvalidParameterException(f"CSS value of {name!r} is not allowed.")
        if kind == "function":
            if token.lower_name not in _SAFE_FUNCTIONS:  # type: ignore[attr-defined]
                raise InvalidParameterException(f"CSS value of {name!r} is not allowed.")
            _check_value(token.arguments, name)  # type: ignore[attr-defined]


def image_type(image: bytes) -> str:
    """The logo's media type; InvalidParameterException unless PNG or JPEG ≤ 100 KB."""
    if len(image) > MAX_IMAGE_BYTES:
        raise InvalidParameterException("ImageFile must be at most 100 KB.")
    if image.startswith(PNG_SIGNATURE):
        return "image/png"
    if image.startswith(JPEG_SIGNATURE):
        return "image/jpeg"
    raise InvalidParameterException("ImageFile must be a PNG or JPEG image.")


@transaction.atomic
def set_ui_customization(
    *, pool: UserPool, client_id: str, css: str | None, image: bytes | None
) -> Customization:
    """SetUICustomization: CSS and logo are set together; what is not given is cleared.

    Neither given removes the setting, which is how Terraform's
    ``aws_cognito_user_pool_ui_customization`` deletes one: Cognito then reports no CSS,
    logo or dates for it, and a client is branded by ``ALL`` again (GetUICustomization
    "Returns user-pool level branding information if no app client branding is applied")."""
    _check_client(pool, client_id)
    css = css or ""
    validate_css(css)
    media_type = image_type(image) if image else ""
    if not css and not media_type:
        UICustomization.objects.filter(pool=pool, client_id=client_id).delete()
        return Customization(pool_id=pool.id, client_id=client_id)
    now = timezone.now()
    row, _ = UICustomization.objects.select_for_update().get_or_create(
        pool=pool, client_id=client_id, defaults={"css_version": "", "created": now}
    )
    row.css = css
    row.image = image or None
    row.image_type = media_type
    # A new version on every set, so pages and browsers never keep a stale stylesheet.
    row.css_version = now.strftime("%Y%m%d%H%M%S%f")
    row.modified = now
    row.save()
    return _view(row)


def get_ui_customization(*, pool: UserPool, client_id: str | None) -> Customization | None:
    """GetUICustomization: the client's own setting, else the pool's ``ALL`` one; None when
    neither exists (Cognito "Returns an empty object if you haven't applied hosted UI
    branding to either the client or the user pool")."""
    client_id = client_id or ALL_CLIENTS
    _check_client(pool, client_id)
    customization = effective_customization(pool, client_id)
    return customization if customization.created is not None else None


def effective_customization(pool: UserPool, client_id: str | None) -> Customization:
    wanted = [ALL_CLIENTS] if not client_id else [client_id, ALL_CLIENTS]
    rows = {
        row.client_id: row
        for row in UICustomization.objects.filter(pool=pool, client_id__in=wanted).defer("image")
    }
    for candidate in wanted:
        if candidate in rows:
            return _view(rows[candidate])
    return Customization(pool_id=pool.id, client_id=client_id or ALL_CLIENTS)


def get_logo(pool_id: str, client_id: str, version: str) -> tuple[bytes, str] | None:
    """The logo served at a versioned URL; None for another (stale) version, whose URL
    browsers may cache for good."""
    row = (
        UICustomization.objects.filter(pool_id=pool_id, client_id=client_id, css_version=version)
        .exclude(image_type="")
        .only("image", "image_type")
        .first()
    )
    if row is None or not row.image:
        return None
    return bytes(row.image), row.image_type


def get_css(pool_id: str, client_id: str, version: str) -> str | None:
    """The CSS served at a versioned URL; None for another (stale) version."""
    row = (
        UICustomization.objects.filter(pool_id=pool_id, client_id=client_id, css_version=version)
        .only("css")
        .first()
    )
    return row.css if row is not None and row.css else None
