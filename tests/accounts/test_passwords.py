"""The pool password policy: Cognito's rules, order and messages, and generated passwords."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import UserPool
from accounts.services.passwords import (
    PASSWORD_SYMBOLS,
    generate_temporary_password,
    validate_password_policy,
)
from core.errors import InvalidPasswordException

STRICT = {
    "MinimumLength": 8,
    "RequireUppercase": True,
    "RequireLowercase": True,
    "RequireNumbers": True,
    "RequireSymbols": True,
}


def _pool(policy: dict[str, Any], *, reject_common: bool = False) -> UserPool:
    return UserPool(
        name="policy", policies={"PasswordPolicy": policy}, reject_common_passwords=reject_common
    )


@pytest.mark.parametrize(
    ("password", "failure"),
    [
        ("Ab1!", "Password not long enough"),
        # Rules are checked in Cognito's order and only the first failure is reported.
        ("abcdefgh", "Password must have uppercase characters"),
        ("ABCDEFGH1!", "Password must have lowercase characters"),
        ("Abcdefgh!", "Password must have numeric characters"),
        ("Abcdefgh1", "Password must have symbol characters"),
    ],
)
def test_each_rule_has_cognitos_message_in_both_wordings(password: str, failure: str) -> None:
    pool = _pool(STRICT)
    with pytest.raises(InvalidPasswordException) as sign_up:
        validate_password_policy(pool, password, sign_up=True)
    assert sign_up.value.message == f"Password did not conform with policy: {failure}"
    with pytest.raises(InvalidPasswordException) as elsewhere:
        validate_password_policy(pool, password, sign_up=False)
    assert elsewhere.value.message == f"Password does not conform to policy: {failure}"


@pytest.mark.parametrize("symbol", sorted(PASSWORD_SYMBOLS))
def test_every_cognito_symbol_satisfies_require_symbols(symbol: str) -> None:
    validate_password_policy(_pool(STRICT), f"Abcdefg1{symbol}", sign_up=False)


def test_cognito_symbol_set_is_exactly_the_documented_one() -> None:
    assert frozenset("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ") == PASSWORD_SYMBOLS


def test_non_latin_letters_and_digits_do_not_count() -> None:
    with pytest.raises(InvalidPasswordException) as error:
        validate_password_policy(_pool(STRICT), "ÀBCDÉFGH1!", sign_up=False)
    assert error.value.message.endswith("Password must have lowercase characters")
    with pytest.raises(InvalidPasswordException) as error:
        validate_password_policy(_pool(STRICT), "Abcdefgh٣!", sign_up=False)
    assert error.value.message.endswith("Password must have numeric characters")


def test_relaxed_policy_accepts_what_it_does_not_require() -> None:
    relaxed = _pool({"MinimumLength": 6})
    validate_password_policy(relaxed, "simple", sign_up=True)
    with pytest.raises(InvalidPasswordException):
        validate_password_policy(relaxed, "short", sign_up=True)


def test_common_passwords_are_refused_only_when_the_pool_asks() -> None:
    policy = {"MinimumLength": 8}
    with pytest.raises(InvalidPasswordException) as sign_up:
        validate_password_policy(_pool(policy, reject_common=True), "password1", sign_up=True)
    assert sign_up.value.message == "Password did not conform with policy: Password is too common"
    with pytest.raises(InvalidPasswordException) as elsewhere:
        validate_password_policy(_pool(policy, reject_common=True), "Password1", sign_up=False)
    assert elsewhere.value.message == "Password does not conform to policy: Password is too common"
    validate_password_policy(_pool(policy, reject_common=False), "password1", sign_up=True)


@pytest.mark.parametrize(
    "policy",
    [
        STRICT,
        {**STRICT, "MinimumLength": 99},
        {"MinimumLength": 6},
        {"MinimumLength": 20, "RequireSymbols": True},
    ],
)
def test_generated_temporary_passwords_meet_the_policy(policy: dict[str, Any]) -> None:
    pool = _pool(policy, reject_common=True)
    generated = {generate_temporary_password(pool) for _ in range(25)}
    assert len(generated) == 25
    for password in generated:
        validate_password_policy(pool, password, sign_up=False)
        assert len(password) >= max(policy["MinimumLength"], 12)
        # The wire pattern for passwords: no whitespace.
        assert not any(char.isspace() for char in password)
