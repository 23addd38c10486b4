"""PascalCase output shapes for app clients (UserPoolClientType, UserPoolClientDescription)."""

from __future__ import annotations

from typing import Any

from oauth.models import AppClient


def user_pool_client_type(client: AppClient) -> dict[str, Any]:
    """DescribeUserPoolClient's answer. Optional settings the client never set are left out,
    as Cognito leaves them out; ClientSecret is returned in full, as Cognito does."""
    shape: dict[str, Any] = {
        "UserPoolId": client.pool_id,
        "ClientName": client.name,
        "ClientId": client.client_id,
        "LastModifiedDate": client.modified,
        "CreationDate": client.created,
        "RefreshTokenValidity": client.refresh_token_validity,
        "ExplicitAuthFlows": list(client.explicit_auth_flows),
        "AllowedOAuthFlowsUserPoolClient": client.allowed_oauth_flows_user_pool_client,
        "PreventUserExistenceErrors": client.prevent_user_existence_errors,
        "EnableTokenRevocation": client.enable_token_revocation,
        "EnablePropagateAdditionalUserContextData": (
            client.enable_propagate_additional_user_context_data
        ),
        "AuthSessionValidity": client.auth_session_validity,
    }
    optional: dict[str, Any] = {
        "ClientSecret": client.get_secret(),
        "AccessTokenValidity": client.access_token_validity,
        "IdTokenValidity": client.id_token_validity,
        "TokenValidityUnits": client.token_validity_units,
        "ReadAttributes": client.read_attributes,
        "WriteAttributes": client.write_attributes,
        "SupportedIdentityProviders": client.supported_identity_providers,
        "CallbackURLs": client.callback_urls,
        "LogoutURLs": client.logout_urls,
        "DefaultRedirectURI": client.default_redirect_uri,
        "AllowedOAuthFlows": client.allowed_oauth_flows,
        "AllowedOAuthScopes": client.allowed_oauth_scopes,
        "AnalyticsConfiguration": client.analytics_configuration,
        "RefreshTokenRotation": client.refresh_token_rotation,
    }
    shape.update({key: value for key, value in optional.items() if value})
    return shape


def user_pool_client_description(client: AppClient) -> dict[str, Any]:
    return {"ClientId": client.client_id, "UserPoolId": client.pool_id, "ClientName": client.name}
