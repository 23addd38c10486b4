"""App clients: CreateUserPoolClient, DescribeUserPoolClient, UpdateUserPoolClient,
DeleteUserPoolClient, ListUserPoolClients, and the SECRET_HASH check (reference §2.4)."""

from __future__ import annotations

import base64
import hashlib
import hmac

from core.errors import NotAuthorizedException, ResourceNotFoundException
from oauth.models import AppClient


def get_app_client(client_id: str) -> AppClient:
    """The app client by id, with its pool; ResourceNotFoundException if unknown."""
    client = AppClient.objects.select_related("pool").filter(client_id=client_id).first()
    if client is None:
        raise ResourceNotFoundException(f"User pool client {client_id} does not exist.")
    return client


def compute_secret_hash(client_secret: str, username: str, client_id: str) -> str:
    digest = hmac.new(
        client_secret.encode(), (username + client_id).encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def verify_secret_hash(client: AppClient, username: str, secret_hash: str | None) -> None:
    """Raise NotAuthorizedException unless ``secret_hash`` is right for ``username``.

    Clients without a secret accept anything (Cognito ignores a hash it cannot check).
    """
    if not client.has_secret:
        return
    if not secret_hash:
        raise NotAuthorizedException(
            f"Client {client.client_id} is configured for secret but secret was not received"
        )
    expected = compute_secret_hash(client.get_secret(), username, client.client_id)
    if not hmac.compare_digest(expected.encode(), secret_hash.encode()):
        raise NotAuthorizedException(f"Unable to verify secret hash for client {client.client_id}")
