"""Service error messages as the hosted UI shows them: Cognito's English sentences,
translated when the page's language has a translation (the JSON API always answers in
English, as Cognito does)."""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop

# Marked for makemessages: the messages people meet on the hosted pages.
SERVICE_MESSAGES = (
    gettext_noop("Incorrect username or password."),
    gettext_noop("User does not exist."),
    gettext_noop("User is disabled."),
    gettext_noop("User is not confirmed."),
    gettext_noop("User already exists"),
    gettext_noop("User is already confirmed."),
    gettext_noop("Username/client id combination not found."),
    gettext_noop("Password attempts exceeded"),
    gettext_noop("Attempt limit exceeded, please try after some time."),
    gettext_noop("Invalid verification code provided, please try again."),
    gettext_noop("Invalid code provided, please request a code again."),
    gettext_noop("Invalid email address format."),
    gettext_noop("Invalid phone number format."),
    gettext_noop("An account with the given email already exists."),
    gettext_noop("An account with the given phone_number already exists."),
    gettext_noop("Username should be an email."),
    gettext_noop("Username should be a phone number."),
    gettext_noop("Username should be either an email or a phone number."),
    gettext_noop("Too many failed attempts."),
    gettext_noop("Too many requests."),
    gettext_noop("Unable to deliver the verification code."),
    gettext_noop("Password did not conform with policy: Password not long enough"),
    gettext_noop("Password did not conform with policy: Password must have uppercase characters"),
    gettext_noop("Password did not conform with policy: Password must have lowercase characters"),
    gettext_noop("Password did not conform with policy: Password must have numeric characters"),
    gettext_noop("Password did not conform with policy: Password must have symbol characters"),
    gettext_noop("Password did not conform with policy: Password is too common"),
    gettext_noop("Password does not conform to policy: Password not long enough"),
    gettext_noop("Password does not conform to policy: Password must have uppercase characters"),
    gettext_noop("Password does not conform to policy: Password must have lowercase characters"),
    gettext_noop("Password does not conform to policy: Password must have numeric characters"),
    gettext_noop("Password does not conform to policy: Password must have symbol characters"),
    gettext_noop("Password does not conform to policy: Password is too common"),
    gettext_noop("Temporary password has expired and must be reset by an administrator."),
)


def translate_service_message(message: str) -> str:
    return gettext(message) if message else message
