"""Sign-in actions: InitiateAuth, RespondToAuthChallenge (public) and their Admin* twins (SigV4)."""

from __future__ import annotations

from typing import Any

from accounts.services import auth_flows
from api.registry import IDP, RequestContext, action
from api.shapes import auth as shapes
from oauth.services.clients import get_app_client


@action(IDP, "InitiateAuth")
def initiate_auth(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    step = auth_flows.initiate_auth(
        client=get_app_client(params["ClientId"]),
        flow=params["AuthFlow"],
        parameters=params.get("AuthParameters") or {},
        session=params.get("Session"),
    )
    return shapes.auth_step(step)


@action(IDP, "AdminInitiateAuth")
def admin_initiate_auth(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    step = auth_flows.admin_initiate_auth(
        user_pool_id=params["UserPoolId"],
        client=get_app_client(params["ClientId"]),
        flow=params["AuthFlow"],
        parameters=params.get("AuthParameters") or {},
        session=params.get("Session"),
    )
    return shapes.auth_step(step)


@action(IDP, "RespondToAuthChallenge")
def respond_to_auth_challenge(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    step = auth_flows.respond_to_auth_challenge(
        client=get_app_client(params["ClientId"]),
        challenge_name=params["ChallengeName"],
        responses=params.get("ChallengeResponses") or {},
        session=params.get("Session"),
    )
    return shapes.auth_step(step)


@action(IDP, "AdminRespondToAuthChallenge")
def admin_respond_to_auth_challenge(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    step = auth_flows.admin_respond_to_auth_challenge(
        user_pool_id=params["UserPoolId"],
        client=get_app_client(params["ClientId"]),
        challenge_name=params["ChallengeName"],
        responses=params.get("ChallengeResponses") or {},
        session=params.get("Session"),
    )
    return shapes.auth_step(step)
