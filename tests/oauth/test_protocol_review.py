"""OAuth 2.0 / OIDC protocol review of /oauth2/*: what Cognito's scopes release, which
tokens the token endpoint returns, and how refusals are worded (reference §4, RFC 6749,
RFC 6750, OIDC Core)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import requests

from oauth.models import AppClient
from tests.oauth.browser import CALLBACK, authorize_url, follow, query_of, redeem
from tests.oauth.conftest import PASSWORD


def _claims(jwt: str) -> dict[str, Any]:
    payload = jwt.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def _code(base: str, client: AppClient, browser: requests.Session, scope: str) -> str:
    callback = follow(
        browser,
        authorize_url(
            base,
            client_id=client.client_id,
            redirect_uri=CALLBACK,
            response_type="code",
            scope=scope,
        ),
        credentials=("ada@example.com", PASSWORD),
    )
    return query_of(callback)["code"]


def _tokens(
    base: str, client: AppClient, secret: str, browser: requests.Session, scope: str
) -> Any:
    response = redeem(base, client, secret, _code(base, client, browser, scope))
    assert response.status_code == 200, response.text
    return response.json()


def _userinfo(base: str, access_token: str) -> requests.Response:
    return requests.get(
        f"{base}/oauth2/userInfo", headers={"Authorization": f"Bearer {access_token}"}, timeout=10
    )


def test_the_profile_scope_releases_every_readable_attribute(
    public_url: str, oauth_client: tuple[AppClient, str], make_user: Callable[..., Any]
) -> None:
    """Cognito's ``profile`` "grants access to all user attributes that are readable by the
    client" (awsdocs cognito-user-pools-app-idp-settings.md), not only OIDC Core §5.4's
    profile claims: ``openid email profile``, what most apps ask for, carries custom
    attributes, the address and the phone number too; ``email`` alone still limits."""
    client, secret = oauth_client
    make_user(
        "ada@example.com",
        attributes={
            "given_name": "Ada",
            "address": "1 Main St",
            "phone_number": "+15555550100",
            "custom:team": "42",
        },
    )
    browser = requests.Session()
    wide = {"given_name", "address", "phone_number", "custom:team", "email", "email_verified"}
    for scope in ("openid profile", "openid email profile"):
        tokens = _tokens(public_url, client, secret, browser, scope)
        released = _userinfo(public_url, tokens["access_token"]).json()
        assert wide <= set(released), (scope, released)
        assert released["address"] == {"formatted": "1 Main St"}
        assert released["custom:team"] == "42"
        assert wide <= set(_claims(tokens["id_token"])), scope

    email_only = _tokens(public_url, client, secret, browser, "openid email")
    assert set(_userinfo(public_url, email_only["access_token"]).json()) == {
        "sub",
        "username",
        "email",
        "email_verified",
    }
    # The client's ReadAttributes still bound what profile releases.
    client.read_attributes = ["given_name"]
    client.save()
    narrowed = _tokens(public_url, client, secret, browser, "openid profile")
    assert set(_userinfo(public_url, narrowed["access_token"]).json()) == {
        "sub",
        "username",
        "given_name",
    }


def test_the_code_grant_returns_an_id_token_only_for_openid(
    public_url: str,
    idp_public: Any,
    make_client: Callable[..., AppClient],
    make_user: Callable[..., Any],
) -> None:
    """ "The ID token is not returned if the openid scope is not requested by the client"
    (awsdocs cognito-user-pools-app-idp-settings.md), also when the only scope is
    ``aws.cognito.signin.user.admin``, whose access token still calls the user-pool API.
    And a client whose OAuth was switched off (AllowedOAuthFlowsUserPoolClient=false)
    since the code was issued cannot redeem it (RFC 6749 §5.2 unauthorized_client), as it
    could not have asked for it."""
    client = make_client(
        GenerateSecret=True,
        AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid", "email", "aws.cognito.signin.user.admin"],
        CallbackURLs=[CALLBACK],
    )
    secret = client.get_secret()
    make_user("ada@example.com")
    browser = requests.Session()

    admin_only = _tokens(public_url, client, secret, browser, "aws.cognito.signin.user.admin")
    assert "id_token" not in admin_only
    assert set(admin_only) >= {"access_token", "refresh_token", "expires_in", "token_type"}
    user = idp_public.get_user(AccessToken=admin_only["access_token"])
    assert {"Name": "email", "Value": "ada@example.com"} in user["UserAttributes"]
    assert "id_token" in _tokens(public_url, client, secret, browser, "openid")

    code = _code(public_url, client, browser, "openid")
    client.allowed_oauth_flows_user_pool_client = False
    client.save()
    refused = redeem(public_url, client, secret, code)
    assert refused.status_code == 400
    assert refused.json()["error"] == "unauthorized_client"


def test_client_credentials_ignores_scopes_the_client_was_not_given(
    public_url: str, idp: Any, pool: dict[str, Any], make_client: Callable[..., AppClient]
) -> None:
    """Cognito's token endpoint: "Any scope requested must be preassociated with the client
    or it will be ignored at runtime" (awsdocs token-endpoint.md). A caller still asking
    for a scope taken off the client keeps getting the others; only a request left with
    none is invalid_scope."""
    idp.create_resource_server(
        UserPoolId=pool["Id"],
        Identifier="orders",
        Name="orders",
        Scopes=[
            {"ScopeName": "read", "ScopeDescription": "read"},
            {"ScopeName": "write", "ScopeDescription": "write"},
        ],
    )
    client = make_client(
        GenerateSecret=True,
        AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["client_credentials"],
        AllowedOAuthScopes=["orders/read"],
    )
    secret = client.get_secret()

    def grant(scope: str) -> requests.Response:
        return requests.post(
            f"{public_url}/oauth2/token",
            data={"grant_type": "client_credentials", "scope": scope},
            auth=(client.client_id, secret),
            timeout=10,
        )

    mixed = grant("orders/write orders/read unknown/thing")
    assert mixed.status_code == 200, mixed.text
    assert _claims(mixed.json()["access_token"])["scope"] == "orders/read"
    repeated = grant("orders/read orders/read")
    assert _claims(repeated.json()["access_token"])["scope"] == "orders/read"
    none_left = grant("orders/write")
    assert none_left.status_code == 400
    assert none_left.json()["error"] == "invalid_scope"


def test_the_token_and_revocation_endpoints_refuse_a_repeated_parameter(
    public_url: str, oauth_client: tuple[AppClient, str], make_user: Callable[..., Any]
) -> None:
    """RFC 6749 §3.2 "parameters MUST NOT be included more than once" and §5.2
    invalid_request ("repeats a parameter"), RFC 7009 §2.2.1 likewise: which of two
    codes, refresh tokens or client ids was meant is not guessed. The refusal burns
    nothing: the same code redeems once sent alone."""
    client, secret = oauth_client
    make_user("ada@example.com")
    code = _code(public_url, client, requests.Session(), "openid")
    token_url = f"{public_url}/oauth2/token"
    twice = requests.post(
        token_url,
        data=[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("code", "another"),
            ("redirect_uri", CALLBACK),
        ],
        auth=(client.client_id, secret),
        timeout=10,
    )
    assert twice.status_code == 400
    assert twice.json()["error"] == "invalid_request"
    assert "code" in twice.json()["error_description"]
    tokens = redeem(public_url, client, secret, code)
    assert tokens.status_code == 200, tokens.text

    revoke = requests.post(
        f"{public_url}/oauth2/revoke",
        data=[("token", tokens.json()["refresh_token"]), ("token", "other")],
        auth=(client.client_id, secret),
        timeout=10,
    )
    assert revoke.status_code == 400
    assert revoke.json()["error"] == "invalid_request"
    assert _userinfo(public_url, tokens.json()["access_token"]).status_code == 200


def test_userinfo_on_a_pools_custom_domain_answers_only_for_that_pool(
    public_url: str,
    idp: Any,
    pool: dict[str, Any],
    oauth_client: tuple[AppClient, str],
    make_user: Callable[..., Any],
) -> None:
    """A custom domain serves one pool (reference §4): its token endpoint already refuses
    other pools' clients, and its userInfo endpoint no longer describes another pool's
    user either (RFC 6750 §3.1 invalid_token), while the pool's own tokens still work."""
    client, secret = oauth_client
    make_user("ada@example.com")
    tokens = _tokens(public_url, client, secret, requests.Session(), "openid email")
    certificate = {"CertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/abc"}
    idp.create_user_pool_domain(
        UserPoolId=pool["Id"], Domain="login.example.org", CustomDomainConfig=certificate
    )
    other_pool = idp.create_user_pool(PoolName="other")["UserPool"]["Id"]
    idp.create_user_pool_domain(
        UserPoolId=other_pool, Domain="login.example.net", CustomDomainConfig=certificate
    )

    def userinfo(host: str) -> requests.Response:
        return requests.get(
            f"{public_url}/oauth2/userInfo",
            headers={"Authorization": f"Bearer {tokens['access_token']}", "Host": host},
            timeout=10,
        )

    own = userinfo("login.example.org")
    assert own.status_code == 200, own.text
    assert own.json()["email"] == "ada@example.com"
    foreign = userinfo("login.example.net")
    assert foreign.status_code == 401
    assert foreign.json() == {
        "error": "invalid_token",
        "error_description": "Invalid Access Token",
    }
    assert 'error="invalid_token"' in foreign.headers["WWW-Authenticate"]


def test_userinfo_refuses_an_api_sign_ins_token_in_cognitos_words(
    public_url: str,
    idp_public: Any,
    make_client: Callable[..., AppClient],
    make_user: Callable[..., Any],
) -> None:
    """InitiateAuth's access token has no openid scope, so userInfo "doesn't accept these
    access tokens" (awsdocs userinfo-endpoint.md): RFC 6750 §3.1 insufficient_scope, with
    the description Cognito answers (simov/grant#189)."""
    client = make_client()
    make_user("ada@example.com")
    signed_in = idp_public.initiate_auth(
        ClientId=client.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "ada@example.com", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    refused = _userinfo(public_url, signed_in["AccessToken"])
    assert refused.status_code == 403
    assert refused.json() == {
        "error": "insufficient_scope",
        "error_description": "Access token does not contain openid scope",
    }
    assert refused.headers["WWW-Authenticate"] == (
        'Bearer error="insufficient_scope", '
        'error_description="Access token does not contain openid scope"'
    )


def test_userinfo_answers_other_methods_in_json(public_url: str) -> None:
    """Like the token endpoint: an unsupported method is a JSON 405 naming what is allowed,
    not Django's empty HTML page."""
    for method in ("PUT", "DELETE", "PATCH"):
        refused = requests.request(method, f"{public_url}/oauth2/userInfo", timeout=10)
        assert refused.status_code == 405
        assert refused.headers["Content-Type"] == "application/json"
        assert refused.json()["error"] == "invalid_request"
        assert refused.headers["Allow"] == "GET, POST, OPTIONS"
