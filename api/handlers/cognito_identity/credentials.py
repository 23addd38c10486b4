"""GetCredentialsForIdentity (public): temporary credentials for an identity's role."""

from __future__ import annotations

from typing import Any

from api.registry import IDENTITY, RequestContext, action
from api.shapes import identity as shapes
from identity.services import identities


@action(IDENTITY, "GetCredentialsForIdentity")
def get_credentials_for_identity(params: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    issued = identities.get_credentials_for_identity(
        identity_id=params["IdentityId"],
        logins=params.get("Logins"),
        custom_role_arn=params.get("CustomRoleArn"),
    )
    return {"IdentityId": issued.identity_id, "Credentials": shapes.credentials(issued.credentials)}
