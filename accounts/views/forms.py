"""Forms of the hosted UI pages: field definitions and input shape only. Every rule about
the values (password policy, attribute formats, codes) is the services' and comes back as
a CognitoError the view attaches to a field."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import botocore.session
import regex
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import UserPool
from accounts.services import passwords, pools

# Labels of the standard attributes a sign-up or new-password page may ask for.
ATTRIBUTE_LABELS = {
    "email": _("Email"),
    "phone_number": _("Phone number"),
    "name": _("Name"),
    "given_name": _("Given name"),
    "family_name": _("Family name"),
    "middle_name": _("Middle name"),
    "nickname": _("Nickname"),
    "preferred_username": _("Preferred username"),
    "address": _("Address"),
    "birthdate": _("Birthdate"),
    "gender": _("Gender"),
    "locale": _("Locale"),
    "picture": _("Picture"),
    "profile": _("Profile"),
    "website": _("Website"),
    "zoneinfo": _("Time zone"),
    "updated_at": _("Updated at"),
}
_AUTOCOMPLETE = {
    "email": "email",
    "phone_number": "tel",
    "name": "name",
    "given_name": "given-name",
    "family_name": "family-name",
    "middle_name": "additional-name",
    "nickname": "nickname",
    "address": "street-address",
    "birthdate": "bday",
    "gender": "sex",
    "locale": "language",
    "picture": "photo",
    "website": "url",
}


class HostedForm(forms.Form):
    """Base: inputs carry Cognito's customizable classes; errors are tied to fields by the
    templates (aria-describedby)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "inputField-customizable")


def _text(label: Any, autocomplete: str, *, required: bool = True, **attrs: str) -> forms.Field:
    return forms.CharField(
        label=label,
        required=required,
        max_length=2048,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": autocomplete, **attrs}),
    )


def _password(label: Any, autocomplete: str) -> forms.Field:
    # Passwords are checked exactly as typed (OWASP ASVS 6.2.8): no stripping.
    return forms.CharField(
        label=label,
        strip=False,
        max_length=256,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


def _password_pattern(value: str) -> None:
    """Cognito's password pattern, which the JSON API refuses before any service runs
    (InvalidParameterException): a password set here must be one the API accepts, e.g. as
    ChangePassword's PreviousPassword."""
    if passwords.matches_password_pattern(value):
        return
    if value != value.strip():
        raise forms.ValidationError(_("A password cannot begin or end with a space."))
    if "\n" in value:
        raise forms.ValidationError(_("A password cannot contain a line break."))
    # Else one character: the pool's MinimumLength (at least 6) says why, from the service.


def _new_password(label: Any) -> forms.Field:
    field = _password(label, "new-password")
    field.validators.append(_password_pattern)
    return field


def _code() -> forms.Field:
    return _text(_("Verification code"), "one-time-code", inputmode="numeric", autocapitalize="off")


def _attribute_field(name: str, *, required: bool) -> forms.Field:
    label = ATTRIBUTE_LABELS.get(name, name)
    if name == "email":
        return forms.CharField(
            label=label,
            required=required,
            max_length=2048,
            widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        )
    if name == "phone_number":
        return _text(label, "tel", required=required, inputmode="tel", placeholder="+15555550123")
    return _text(label, _AUTOCOMPLETE.get(name, "off"), required=required)


class LoginForm(HostedForm):
    username = _text(_("Username"), "username", autocapitalize="off", spellcheck="false")
    password = _password(_("Password"), "current-password")


def required_attribute_names(pool: UserPool) -> list[str]:
    return [
        item["Name"]
        for item in pools.pool_schema(pool)
        if item.get("Required") and item["Name"] != "sub"
    ]


def sign_up_attribute_names(pool: UserPool) -> list[str]:
    """The attributes the sign-up page asks for: the required ones, the sign-in
    attributes (UsernameAttributes) and the channel codes are sent to."""
    names = [name for name in ("email", "phone_number") if name in pool.username_attributes]
    if not pool.username_attributes:
        names += [name for name in pool.auto_verified_attributes if name not in names]
    names += [name for name in required_attribute_names(pool) if name not in names]
    return names


@lru_cache(maxsize=1)
def _username_rules() -> tuple[int, regex.Pattern[str]]:
    """botocore's UsernameType (SignUp's Username): at most 128 characters, each a letter,
    mark, symbol, number or punctuation (its pattern), so no spaces or control characters."""
    model = botocore.session.get_session().get_service_model("cognito-idp")
    shape = model.shape_for("UsernameType")
    return int(shape.metadata["max"]), regex.compile(shape.metadata["pattern"])


class SignUpForm(HostedForm):
    def __init__(self, *args: Any, pool: UserPool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pool = pool
        self.attribute_names = sign_up_attribute_names(pool)
        required = set(required_attribute_names(pool))
        fields: dict[str, forms.Field] = {}
        if not pool.username_attributes:
            fields["username"] = _text(
                _("Username"), "username", autocapitalize="off", spellcheck="false"
            )
        for name in self.attribute_names:
            fields[name] = _attribute_field(
                name, required=name in required or name in pool.username_attributes
            )
        fields["password"] = _new_password(_("Password"))
        self.fields = fields
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "inputField-customizable")

    def clean_username(self) -> str:
        """The name SignUp would take: the JSON API refuses the rest before its service
        runs, and a user created here with such a name could never be named to
        AdminGetUser, AdminConfirmSignUp or AdminDeleteUser."""
        username = str(self.cleaned_data["username"])
        max_length, pattern = _username_rules()
        if len(username) > max_length:
            raise forms.ValidationError(
                _("A username can have at most %(max)d characters."), params={"max": max_length}
            )
        if pattern.fullmatch(username) is None:
            raise forms.ValidationError(
                _("A username cannot contain spaces or control characters.")
            )
        return username

    @property
    def username(self) -> str:
        """What SignUp gets as Username: the typed name, or with UsernameAttributes the
        email (else the phone number) given."""
        data = self.cleaned_data
        if "username" in data:
            return str(data["username"])
        for name in ("email", "phone_number"):
            if name in self.pool.username_attributes and data.get(name):
                return str(data[name])
        return ""

    @property
    def attributes(self) -> dict[str, str]:
        return {
            name: str(self.cleaned_data[name])
            for name in self.attribute_names
            if self.cleaned_data.get(name)
        }


class ConfirmUserForm(HostedForm):
    username = _text(_("Username"), "username", autocapitalize="off", spellcheck="false")
    code = _code()


class ConfirmLinkForm(forms.Form):
    """The button behind a CONFIRM_WITH_LINK mail: the link's values travel hidden, so a
    mail scanner fetching the link confirms nothing (only the POST does)."""

    username = forms.CharField(widget=forms.HiddenInput, max_length=2048)
    code = forms.CharField(widget=forms.HiddenInput, max_length=2048)


class ResendCodeForm(forms.Form):
    username = forms.CharField(widget=forms.HiddenInput, max_length=2048)


class ForgotPasswordForm(HostedForm):
    username = _text(_("Username"), "username", autocapitalize="off", spellcheck="false")


class _NewPasswordFields(HostedForm):
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password, again = data.get("password"), data.get("password_again")
        if password and again is not None and password != again:
            self.add_error("password_again", _("The passwords do not match."))
        return data


class ConfirmForgotPasswordForm(_NewPasswordFields):
    username = _text(_("Username"), "username", autocapitalize="off", spellcheck="false")
    code = _code()
    password = _new_password(_("New password"))
    password_again = _password(_("Enter the new password again"), "new-password")


class NewPasswordForm(_NewPasswordFields):
    """NEW_PASSWORD_REQUIRED: the new password and the required attributes still unset."""

    password = _new_password(_("New password"))
    password_again = _password(_("Enter the new password again"), "new-password")

    def __init__(self, *args: Any, missing_attributes: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.attribute_names = missing_attributes
        for name in missing_attributes:
            field = _attribute_field(name, required=True)
            field.widget.attrs.setdefault("class", "inputField-customizable")
            self.fields[name] = field

    @property
    def attributes(self) -> dict[str, str]:
        return {name: str(self.cleaned_data[name]) for name in self.attribute_names}


def username_label(pool: UserPool) -> Any:
    """What people sign in with in this pool (UsernameAttributes), as the field's label."""
    names = set(pool.username_attributes)
    if names == {"email"}:
        return _("Email")
    if names == {"phone_number"}:
        return _("Phone number")
    if names:
        return _("Email or phone number")
    return _("Username")


def label_username(form: forms.Form, pool: UserPool) -> forms.Form:
    if "username" in form.fields and not isinstance(
        form.fields["username"].widget, forms.HiddenInput
    ):
        label = username_label(pool)
        form.fields["username"].label = label
        # A validated form already built its BoundFields, each holding a copy of the label
        # from then: without this the field read "Username" again after an error.
        form["username"].label = label
    return form
