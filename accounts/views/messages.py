"""Service error messages as the hosted UI shows them: Cognito's English sentences,
translated when the page's language has a translation (the JSON API always answers in
English, as Cognito does)."""

from __future__ import annotations

import re

from django.utils.translation import gettext, gettext_noop

from accounts.views.forms import ATTRIBUTE_LABELS

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
    # /forgotPassword for a user without a verified email or phone number.
    gettext_noop(
        "Cannot reset password for the user as there is no registered/verified email or "
        "phone_number"
    ),
    # /confirmUser: a second try after the account was confirmed, or an administrator's user.
    gettext_noop("User cannot be confirmed. Current status is CONFIRMED"),
    gettext_noop("User cannot be confirmed. Current status is FORCE_CHANGE_PASSWORD"),
    gettext_noop("User cannot be confirmed. Current status is RESET_REQUIRED"),
    gettext_noop(
        "Cannot send a confirmation code: the user pool verifies no attribute the user has."
    ),
    # /signup in pools with AliasAttributes, and a client whose WriteAttributes miss one.
    gettext_noop(
        "Username cannot be of email format, since user pool is configured for email alias."
    ),
    gettext_noop(
        "Username cannot be of phone number format, since user pool is configured for "
        "phone_number alias."
    ),
    gettext_noop("A client attempted to write unauthorized attribute"),
)

# SignUp's schema refusal lists one "<attribute>: <problem>" line per problem
# (accounts.services.attributes); each problem is translated by its shape.
SCHEMA_PREFIX = "Attributes did not conform to the schema: "
SCHEMA_TEXT = gettext_noop("Attributes did not conform to the schema: %(problems)s")
SCHEMA_PROBLEMS = (
    (re.compile(r"The attribute is required"), gettext_noop("The attribute is required")),
    (
        re.compile(r"String must be no longer than (?P<limit>\d+) characters"),
        gettext_noop("String must be no longer than %(limit)s characters"),
    ),
    (
        re.compile(r"String must be no shorter than (?P<limit>\d+) characters"),
        gettext_noop("String must be no shorter than %(limit)s characters"),
    ),
    (re.compile(r"Number could not be parsed"), gettext_noop("Number could not be parsed")),
    (
        re.compile(r"Number must be greater than or equal to (?P<limit>\S+)"),
        gettext_noop("Number must be greater than or equal to %(limit)s"),
    ),
    (
        re.compile(r"Number must be less than or equal to (?P<limit>\S+)"),
        gettext_noop("Number must be less than or equal to %(limit)s"),
    ),
    (
        re.compile(r"Attribute value must be true or false"),
        gettext_noop("Attribute value must be true or false"),
    ),
)


def _schema_problem(line: str) -> str:
    name, separator, problem = line.partition(": ")
    if not separator:
        return line
    for pattern, text in SCHEMA_PROBLEMS:
        match = pattern.fullmatch(problem)
        if match is not None:
            problem = gettext(text) % match.groupdict()
            break
    return f"{ATTRIBUTE_LABELS.get(name, name)}: {problem}"


def translate_service_message(message: str) -> str:
    if message.startswith(SCHEMA_PREFIX):
        lines = message[len(SCHEMA_PREFIX) :].splitlines()
        return gettext(SCHEMA_TEXT) % {"problems": "; ".join(map(_schema_problem, lines))}
    return gettext(message) if message else message
