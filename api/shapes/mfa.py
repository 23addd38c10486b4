"""PascalCase output shapes for MFA actions (AssociateSoftwareTokenResponse,
VerifySoftwareTokenResponse)."""

from __future__ import annotations

from typing import Any


def associate_software_token(secret_code: str, session: str | None) -> dict[str, Any]:
    # The Session comes back only when the request authenticated with one (MFA_SETUP).
    result: dict[str, Any] = {"SecretCode": secret_code}
    if session:
        result["Session"] = session
    return result


def verify_software_token(session: str | None) -> dict[str, Any]:
    result: dict[str, Any] = {"Status": "SUCCESS"}
    if session:
        result["Session"] = session
    return result
