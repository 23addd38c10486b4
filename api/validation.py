"""Cognito's input checks, driven by botocore's model: required members, types, lengths,
ranges, enums and patterns. Failures read like Cognito's own:
``1 validation error detected: Value null at 'userPoolId' failed to satisfy constraint:
Member must not be null``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import regex
from botocore.model import Shape, StructureShape

from accounts.services import passwords
from core.errors import InvalidParameterException

_MAX_ERRORS = 10
# Shapes whose model pattern Cognito does not enforce: DomainType allows no dots, yet
# CreateUserPoolDomain takes custom domains such as auth.example.com (awsdocs,
# cognito-user-pools-add-custom-domain.md); oauth.services.domains checks them instead.
_UNENFORCED_PATTERNS = frozenset({"DomainType"})
# Shapes whose pattern the service checks differently from the published model, and the
# check: PasswordType is Cognito's password pattern, which the hosted pages check too.
_SERVICE_PATTERNS: dict[str, tuple[str, Callable[[str], bool]]] = {
    "PasswordType": (passwords.PASSWORD_PATTERN, passwords.matches_password_pattern)
}


@lru_cache(maxsize=2048)
def _compiled(pattern: str) -> regex.Pattern[str] | None:
    try:
        return regex.compile(pattern)
    except regex.error:
        return None


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


class _Collector:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def add(self, value: Any, path: str, shape: Shape, constraint: str) -> None:
        if shape.serialization.get("sensitive") or shape.metadata.get("sensitive"):
            shown = "Value at"
        elif value is None:
            shown = "Value null at"
        else:
            shown = f"Value '{value}' at"
        self.errors.append(
            f"{shown} '{path}' failed to satisfy constraint: Member must {constraint}"
        )


def _type_error(name: str) -> InvalidParameterException:
    return InvalidParameterException(
        f"1 validation error detected: Value at '{name}' failed to satisfy constraint: "
        "Member must be of the right type"
    )


def _check(value: Any, shape: Shape, path: str, out: _Collector) -> None:
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure":
        if not isinstance(value, dict):
            raise _type_error(path)
        members = shape.members  # type: ignore[attr-defined]
        for required in shape.required_members:  # type: ignore[attr-defined]
            if value.get(required) is None:
                out.add(
                    None,
                    f"{path}.{_camel(required)}" if path else _camel(required),
                    members[required],
                    "not be null",
                )
        for key, item in value.items():
            if key in members and item is not None:
                child = f"{path}.{_camel(key)}" if path else _camel(key)
                _check(item, members[key], child, out)
        return
    if kind == "list":
        if not isinstance(value, list):
            raise _type_error(path)
        _check_length(value, len(value), shape, path, out)
        for index, item in enumerate(value):
            if item is not None:
                _check(item, shape.member, f"{path}.{index + 1}.member", out)  # type: ignore[attr-defined]
        return
    if kind == "map":
        if not isinstance(value, dict):
            raise _type_error(path)
        _check_length(value, len(value), shape, path, out)
        for key, item in value.items():
            _check(key, shape.key, f"{path}.key", out)  # type: ignore[attr-defined]
            if item is not None:  # amazon-cognito-identity-js sends "DEVICE_KEY": null
                _check(item, shape.value, f"{path}.value", out)  # type: ignore[attr-defined]
        return
    if kind == "string":
        if not isinstance(value, str):
            raise _type_error(path)
        _check_length(value, len(value), shape, path, out)
        enum = meta.get("enum")
        if enum and value not in enum:
            out.add(value, path, shape, f"satisfy enum value set: [{', '.join(enum)}]")
        if not value or shape.name in _UNENFORCED_PATTERNS:
            return
        service_check = _SERVICE_PATTERNS.get(shape.name)
        if service_check is not None:
            pattern, matches = service_check
            fits = matches(value)
        else:
            pattern = meta.get("pattern")
            compiled = _compiled(pattern) if pattern else None
            fits = compiled is None or compiled.fullmatch(value) is not None
        if not fits:
            out.add(value, path, shape, f"satisfy regular expression pattern: {pattern}")
        return
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                raise _type_error(path)
        # Smithy integers are 32-bit and longs 64-bit: bound them even where the model
        # gives no range, so no value overflows a database column.
        bits = 31 if kind == "integer" else 63
        low = meta.get("min", -(2**bits))
        high = meta.get("max", 2**bits - 1)
        if value < low:
            out.add(value, path, shape, f"have value greater than or equal to {low}")
        if value > high:
            out.add(value, path, shape, f"have value less than or equal to {high}")
        return
    if kind == "boolean":
        if not isinstance(value, bool):
            raise _type_error(path)
        return
    if kind in ("double", "float"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _type_error(path)
        return
    if kind == "timestamp":
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise _type_error(path)
        return
    if kind == "blob" and not isinstance(value, str):
        raise _type_error(path)


def _check_length(value: Any, length: int, shape: Shape, path: str, out: _Collector) -> None:
    meta = shape.metadata
    shown = value if isinstance(value, str) else None
    if "min" in meta and length < meta["min"]:
        out.add(shown, path, shape, f"have length greater than or equal to {meta['min']}")
    if "max" in meta and length > meta["max"]:
        out.add(shown, path, shape, f"have length less than or equal to {meta['max']}")


def validate_input(params: Any, shape: StructureShape | None) -> None:
    """Raise InvalidParameterException unless ``params`` fits the operation's input shape."""
    if shape is None:
        return
    if not isinstance(params, dict):
        raise InvalidParameterException("Request body must be a JSON object.")
    out = _Collector()
    _check(params, shape, "", out)
    if out.errors:
        count = len(out.errors)
        noun = "error" if count == 1 else "errors"
        raise InvalidParameterException(
            f"{count} validation {noun} detected: " + "; ".join(out.errors[:_MAX_ERRORS])
        )
