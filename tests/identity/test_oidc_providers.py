"""External OpenID Connect providers: a local test IdP (a tiny HTTP server in this process
serving discovery and JWKS) registered with create_oidc_provider, named by an identity pool
in OpenIdConnectProviderARNs or SupportedLoginProviders. Never the internet."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from botocore.exceptions import ClientError
from django.core.management import call_command
from joserfc import jwt
from joserfc.jwk import RSAKey

from identity.services import openid


class LocalIdP:
    """Serves ``/.well-known/openid-configuration`` and ``/jwks`` and signs ID tokens."""

    def __init__(self) -> None:
        self.keys = [RSAKey.generate_key(2048, private=True, parameters={"kid": "k1"})]
        idp = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body: dict[str, Any]
                if self.path == "/.well-known/openid-configuration":
                    body = {"issuer": idp.issuer, "jwks_uri": f"{idp.issuer}/jwks"}
                elif self.path == "/jwks":
                    body = {"keys": [key.as_dict(private=False) for key in idp.keys]}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def provider_name(self) -> str:
        return self.issuer.split("://", 1)[1]

    def token(self, key: RSAKey | None = None, **claims: Any) -> str:
        key = key or self.keys[-1]
        now = int(time.time())
        payload = {
            "iss": self.issuer,
            "sub": "oidc-user-1",
            "aud": "my-client",
            "iat": now,
            "exp": now + 300,
            **claims,
        }
        return jwt.encode({"alg": "RS256", "kid": key.kid}, payload, key)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def test_idp() -> Iterator[LocalIdP]:
    idp = LocalIdP()
    yield idp
    idp.close()


def _refused(call: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as refused:
        call(**kwargs)
    error = refused.value.response["Error"]
    return error["Code"], error["Message"]


def test_oidc_provider_tokens_are_verified_against_its_jwks(
    test_idp: LocalIdP,
    cognito_identity: Any,
    identity_public: Any,
    sts_for: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = io.StringIO()
    call_command("create_oidc_provider", url=test_idp.issuer, client_id=["my-client"], stdout=out)
    arn = json.loads(out.getvalue())["OpenIDConnectProviderArn"]
    assert arn == f"arn:aws:iam::123456789012:oidc-provider/{test_idp.provider_name}"
    pool_id = cognito_identity.create_identity_pool(
        IdentityPoolName="oidc",
        AllowUnauthenticatedIdentities=False,
        OpenIdConnectProviderARNs=[arn],
    )["IdentityPoolId"]
    cognito_identity.set_identity_pool_roles(
        IdentityPoolId=pool_id, Roles={"authenticated": "arn:aws:iam::123456789012:role/oidc-users"}
    )
    key = test_idp.provider_name

    logins = {key: test_idp.token()}
    identity_id = identity_public.get_id(IdentityPoolId=pool_id, Logins=logins)["IdentityId"]
    assert (
        identity_public.get_id(IdentityPoolId=pool_id, Logins={key: test_idp.token()})["IdentityId"]
        == identity_id
    )
    issued = identity_public.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)
    caller = sts_for(issued["Credentials"]).get_caller_identity()
    assert caller["Arn"].endswith(f":assumed-role/oidc-users/{identity_id}")
    assert cognito_identity.describe_identity(IdentityId=identity_id)["Logins"] == [key]

    def get_id(token: str) -> tuple[str, str]:
        return _refused(identity_public.get_id, IdentityPoolId=pool_id, Logins={key: token})

    assert get_id(test_idp.token(aud="someone-else")) == (
        "NotAuthorizedException",
        "Invalid login token. Incorrect token audience.",
    )
    assert get_id(test_idp.token(iss="https://impostor.example")) == (
        "NotAuthorizedException",
        "Invalid login token. Issuer doesn't match providerName",
    )
    code, message = get_id(test_idp.token(exp=int(time.time()) - 10))
    assert code == "NotAuthorizedException"
    assert message.startswith("Invalid login token. Token expired: ")
    stranger = RSAKey.generate_key(2048, private=True, parameters={"kid": "k1"})
    assert get_id(test_idp.token(key=stranger)) == (
        "NotAuthorizedException",
        "Invalid login token. Couldn't verify signed token.",
    )

    # The provider rotates its key: an unknown kid makes the server fetch the JWKS again.
    monkeypatch.setattr(openid, "JWKS_REFETCH_SECONDS", 0.0)
    test_idp.keys.append(RSAKey.generate_key(2048, private=True, parameters={"kid": "k2"}))
    rotated = identity_public.get_id(IdentityPoolId=pool_id, Logins={key: test_idp.token()})
    assert rotated["IdentityId"] == identity_id


def test_supported_login_providers_accept_a_registered_issuer_for_the_app_id(
    test_idp: LocalIdP, cognito_identity: Any, identity_public: Any
) -> None:
    call_command("create_oidc_provider", url=test_idp.issuer, stdout=io.StringIO())
    key = test_idp.provider_name
    pool_id = cognito_identity.create_identity_pool(
        IdentityPoolName="social",
        AllowUnauthenticatedIdentities=False,
        SupportedLoginProviders={key: "web-app;mobile-app"},
    )["IdentityPoolId"]
    for audience in ("web-app", "mobile-app"):
        token = test_idp.token(aud=audience, sub="social-7")
        assert identity_public.get_id(IdentityPoolId=pool_id, Logins={key: token})["IdentityId"]
    code, _ = _refused(
        identity_public.get_id,
        IdentityPoolId=pool_id,
        Logins={key: test_idp.token(aud="my-client")},
    )
    assert code == "NotAuthorizedException"
