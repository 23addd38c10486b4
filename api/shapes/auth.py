"""PascalCase output shapes for sign-in (InitiateAuth / RespondToAuthChallenge responses,
AuthenticationResultType)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from accounts.services.auth_flows import AuthStep
    from oauth.services.tokens import TokenSet


def authentication_result_type(tokens: TokenSet) -> dict[str, Any]:
    result: dict[str, Any] = {
        "AccessToken": tokens.access_token,
        "ExpiresIn": tokens.expires_in,
        "TokenType": tokens.token_type,
        "IdToken": tokens.id_token,
    }
    # Omitted on refresh unless the client rotates refresh tokens (reference §2.1).
    if tokens.refresh_token:
        result["RefreshToken"] = tokens.refresh_token
    return result


def auth_step(step: AuthStep) -> dict[str, Any]:
    """A challenge, or the tokens with empty ChallengeParameters: never both (reference §2.1)."""
    if step.tokens is not None:
        return {
            "ChallengeParameters": {},
            "AuthenticationResult": authentication_result_type(step.tokens),
        }
    result: dict[str, Any] = {
        "ChallengeName": step.challenge_name,
        "ChallengeParameters": dict(step.challenge_parameters),
    }
    if step.session:
        result["Session"] = step.session
    if step.available_challenges:
        result["AvailableChallenges"] = list(step.available_challenges)
    return result
