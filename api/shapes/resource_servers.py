"""PascalCase output shapes for resource servers (ResourceServerType)."""

from __future__ import annotations

from typing import Any

from oauth.models import ResourceServer


def resource_server_type(server: ResourceServer) -> dict[str, Any]:
    return {
        "UserPoolId": server.pool_id,
        "Identifier": server.identifier,
        "Name": server.name,
        "Scopes": [dict(scope) for scope in server.scopes],
    }
