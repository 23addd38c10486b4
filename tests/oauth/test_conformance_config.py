"""The Config OP plan (oidcc-config-certification-test-plan, oidc-security.md §4.2):
oidcc-discovery-endpoint-verification against a pool's discovery document, on the main
origin and on the pool's custom domain."""

from __future__ import annotations

from typing import Any

import requests


def test_oidcc_discovery_endpoint_verification(public_url: str, pool: dict[str, Any]) -> None:
    issuer = f"{public_url}/{pool['Id']}"
    document = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()
    assert document["issuer"] == issuer
    for endpoint in (
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "end_session_endpoint",
        "revocation_endpoint",
    ):
        assert document[endpoint].startswith(public_url), endpoint
    jwks = requests.get(document["jwks_uri"], timeout=10).json()
    assert jwks["keys"]
    assert all(key["kty"] == "RSA" and key["use"] == "sig" for key in jwks["keys"])
    assert "openid" in document["scopes_supported"]
    assert "code" in document["response_types_supported"]
    assert document["subject_types_supported"] == ["public"]
    assert "RS256" in document["id_token_signing_alg_values_supported"]
    assert {"authorization_code", "refresh_token", "client_credentials"} <= set(
        document["grant_types_supported"]
    )
    assert {"sub", "email", "email_verified", "nonce"} <= set(document["claims_supported"])
    assert document["code_challenge_methods_supported"] == ["S256"]
    # Unsupported features are declared, since request_uri_parameter_supported
    # defaults to true when absent (OIDC Discovery §3).
    assert document["request_uri_parameter_supported"] is False
    assert document["request_parameter_supported"] is False
    assert document["claims_parameter_supported"] is False


def test_discovery_on_a_custom_domain_names_its_endpoints(
    public_url: str, idp: Any, pool: dict[str, Any]
) -> None:
    idp.create_user_pool_domain(
        UserPoolId=pool["Id"],
        Domain="auth.example.com",
        CustomDomainConfig={"CertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/x"},
    )
    response = requests.get(
        f"{public_url}/{pool['Id']}/.well-known/openid-configuration",
        headers={"Host": "auth.example.com"},
        timeout=10,
    )
    document = response.json()
    # The issuer does not move with the domain (Cognito keeps cognito-idp/<poolId>).
    assert document["issuer"] == f"{public_url}/{pool['Id']}"
    assert document["authorization_endpoint"] == "https://auth.example.com/oauth2/authorize"
    assert document["end_session_endpoint"] == f"https://auth.example.com/{pool['Id']}/logout"
