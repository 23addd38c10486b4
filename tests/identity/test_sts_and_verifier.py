"""Issued credentials in use: STS on ``POST /`` (GetCallerIdentity, the basic flow's
AssumeRoleWithWebIdentity) and ``identity.verifier`` protecting an API of one's own."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import boto3
import jwt
import pytest
from botocore import UNSIGNED
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from django.http import HttpRequest, JsonResponse
from django.test import RequestFactory

from identity.models import Identity, IdentityPool, IssuedCredential
from identity.services import credentials as credential_service
from identity.verifier import (
    CredentialError,
    SigV4IdentityMiddleware,
    identity_required,
    verify_request,
)
from tests.identity.conftest import GUEST_ROLE, REGION, UserPoolSetup


def _sts_error(call: Any, **kwargs: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as refused:
        call(**kwargs)
    response = refused.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_sts_refuses_unknown_tampered_and_revoked_credentials(
    user_pool: UserPoolSetup,
    make_identity_pool: Any,
    identity_public: Any,
    cognito_identity: Any,
    sts_for: Any,
) -> None:
    pool_id = make_identity_pool(user_pool)
    guest = identity_public.get_id(IdentityPoolId=pool_id)["IdentityId"]
    issued = identity_public.get_credentials_for_identity(IdentityId=guest)["Credentials"]
    caller = sts_for(issued).get_caller_identity()
    assert caller["Arn"] == f"arn:aws:sts::123456789012:assumed-role/identity-guest/{guest}"

    unknown = {**issued, "AccessKeyId": "ASIA" + "A" * 16}
    assert _sts_error(sts_for(unknown).get_caller_identity) == ("InvalidClientTokenId", 403)
    wrong_secret = {**issued, "SecretKey": "x" * 40}
    assert _sts_error(sts_for(wrong_secret).get_caller_identity) == ("SignatureDoesNotMatch", 403)
    wrong_session = {**issued, "SessionToken": issued["SessionToken"][:-4] + "AAAA"}
    assert _sts_error(sts_for(wrong_session).get_caller_identity) == ("InvalidClientTokenId", 403)

    row = IssuedCredential.objects.get(access_key_id=issued["AccessKeyId"])
    assert issued["SecretKey"] not in row.secret_encrypted
    assert issued["SessionToken"] not in row.session_token_digest
    assert credential_service.revoke_credentials(identity=row.identity) == 1
    assert _sts_error(sts_for(issued).get_caller_identity) == ("InvalidClientTokenId", 403)

    # Deleting the identity takes its credentials with it.
    fresh = identity_public.get_credentials_for_identity(IdentityId=guest)["Credentials"]
    assert sts_for(fresh).get_caller_identity()["Arn"].endswith(guest)
    cognito_identity.delete_identities(IdentityIdsToDelete=[guest])
    assert _sts_error(sts_for(fresh).get_caller_identity) == ("InvalidClientTokenId", 403)


def test_basic_flow_open_id_token_then_assume_role_with_web_identity(
    user_pool: UserPoolSetup,
    make_identity_pool: Any,
    identity_public: Any,
    endpoint: str,
    sts_for: Any,
) -> None:
    enhanced_only = make_identity_pool(user_pool, AllowClassicFlow=False)
    guest = identity_public.get_id(IdentityPoolId=enhanced_only)["IdentityId"]
    with pytest.raises(ClientError) as refused:
        identity_public.get_open_id_token(IdentityId=guest)
    assert refused.value.response["Error"] == {
        "Code": "InvalidParameterException",
        "Message": "Basic (classic) flow is not enabled, please use enhanced flow.",
    }

    pool_id = make_identity_pool(user_pool, AllowClassicFlow=True)
    email = user_pool.add_user("classic@example.com")
    logins = {user_pool.provider: user_pool.id_token(email)}
    identity_id = identity_public.get_id(IdentityPoolId=pool_id, Logins=logins)["IdentityId"]
    token = identity_public.get_open_id_token(IdentityId=identity_id, Logins=logins)["Token"]

    # The token verifies (PyJWT, as a third party would) against the identity service's
    # own published keys.
    discovery = json.loads(_get(endpoint, "/cognito-identity/.well-known/openid-configuration"))
    jwk_set = jwt.PyJWKSet.from_dict(
        json.loads(_get(endpoint, "/cognito-identity/.well-known/jwks_uri"))
    )
    claims = jwt.decode(token, key=jwk_set.keys[0], algorithms=["RS256"], audience=pool_id)
    assert claims["sub"] == identity_id
    assert claims["iss"] == discovery["issuer"]
    assert claims["amr"][:2] == ["authenticated", user_pool.provider]
    assert claims["exp"] - claims["iat"] == 600

    sts = boto3.client(
        "sts",
        endpoint_url=endpoint,
        region_name=REGION,
        config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}),
    )
    assumed = sts.assume_role_with_web_identity(
        RoleArn="arn:aws:iam::123456789012:role/identity-auth",
        RoleSessionName="classic-session",
        WebIdentityToken=token,
    )
    assert assumed["SubjectFromWebIdentityToken"] == identity_id
    caller = sts_for(assumed["Credentials"]).get_caller_identity()
    assert caller["Arn"] == "arn:aws:sts::123456789012:assumed-role/identity-auth/classic-session"
    # An authenticated identity's token cannot be traded for a role the pool never grants it.
    with pytest.raises(ClientError) as denied:
        sts.assume_role_with_web_identity(
            RoleArn="arn:aws:iam::123456789012:role/someone-else",
            RoleSessionName="intruder",
            WebIdentityToken=token,
        )
    assert denied.value.response["Error"]["Code"] == "AccessDenied"
    with pytest.raises(ClientError) as forged:
        sts.assume_role_with_web_identity(
            RoleArn=GUEST_ROLE, RoleSessionName="intruder", WebIdentityToken=token[:-6] + "AAAAAA"
        )
    assert forged.value.response["Error"]["Code"] == "InvalidIdentityToken"

    # A DurationSeconds out of range or not plain ASCII digits (a superscript digit, more
    # digits than int() parses) is STS's ValidationError, never an internal failure.
    for duration in ("60", "43201", "\u00b2", "9" * 5000):
        status, body = _post_form(
            endpoint,
            {
                "Action": "AssumeRoleWithWebIdentity",
                "Version": "2011-06-15",
                "RoleArn": "arn:aws:iam::123456789012:role/identity-auth",
                "RoleSessionName": "classic-session",
                "WebIdentityToken": token,
                "DurationSeconds": duration,
            },
        )
        assert (status, "<Code>ValidationError</Code>" in body) == (400, True), body


def _post_form(endpoint: str, form: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(  # noqa: S310 - the live test server
        endpoint + "/",
        data=urllib.parse.urlencode(form).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return int(response.status), str(response.read().decode())
    except urllib.error.HTTPError as refused:
        return int(refused.code), str(refused.read().decode())


def _get(endpoint: str, path: str) -> str:
    with urllib.request.urlopen(endpoint + path, timeout=10) as response:  # noqa: S310
        return str(response.read().decode())


def _signed_request(
    issued: dict[str, Any], *, path: str = "/orders?limit=5", body: bytes = b'{"item": 1}'
) -> HttpRequest:
    """A request to one's own API, signed by botocore as an AWS SDK would sign it."""
    aws = AWSRequest(
        method="POST",
        url=f"http://testserver{path}",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    SigV4Auth(
        Credentials(issued["AccessKeyId"], issued["SecretKey"], issued["SessionToken"]),
        "execute-api",
        REGION,
    ).add_auth(aws)
    headers = {
        f"HTTP_{name.upper().replace('-', '_')}": value
        for name, value in aws.headers.items()
        if name.lower() != "content-type"
    }
    headers["HTTP_HOST"] = "testserver"
    return RequestFactory().post(path, data=body, content_type="application/json", **headers)


@pytest.mark.django_db
def test_verifier_yields_identity_and_role_of_a_signed_request() -> None:
    pool = IdentityPool.objects.create(name="api", allow_unauthenticated_identities=True)
    identity = Identity.objects.create(id=Identity.new_id(pool), pool=pool)
    made = credential_service.issue_credentials(identity=identity, role_arn=GUEST_ROLE)
    issued = {
        "AccessKeyId": made.access_key_id,
        "SecretKey": made.secret_key,
        "SessionToken": made.session_token,
    }

    verified = verify_request(_signed_request(issued))
    assert verified.identity_id == identity.id
    assert verified.identity_pool_id == pool.id
    assert verified.role_arn == GUEST_ROLE
    assert verified.arn == f"arn:aws:sts::123456789012:assumed-role/identity-guest/{identity.id}"

    @identity_required
    def orders(request: HttpRequest) -> JsonResponse:
        return JsonResponse({"caller": request.aws_identity.identity_id})  # type: ignore[attr-defined]

    protected = SigV4IdentityMiddleware(orders)
    answered = protected(_signed_request(issued))
    assert answered.status_code == 200
    assert json.loads(answered.content) == {"caller": identity.id}

    unsigned = protected(
        RequestFactory().post("/orders", data=b"{}", content_type="application/json")
    )
    assert unsigned.status_code == 403
    assert json.loads(unsigned.content) == {"message": "Missing Authentication Token"}

    tampered = _signed_request(issued)
    tampered._body = b'{"item": 2}'  # the body changed after signing
    refused = protected(tampered)
    assert refused.status_code == 403
    assert refused["x-amzn-ErrorType"] == "SignatureDoesNotMatch"

    credential_service.revoke_credentials(identity=identity)
    revoked = protected(_signed_request(issued))
    assert revoked.status_code == 403
    assert json.loads(revoked.content) == {
        "message": "The security token included in the request is invalid."
    }


@pytest.mark.django_db
def test_verifier_canonicalizes_paths_as_sdks_sign_them() -> None:
    """SigV4 signs the sent path normalized and encoded once more; WSGI hands Django the
    decoded path, gunicorn also the raw one (``RAW_URI``)."""
    pool = IdentityPool.objects.create(name="api", allow_unauthenticated_identities=True)
    identity = Identity.objects.create(id=Identity.new_id(pool), pool=pool)
    made = credential_service.issue_credentials(identity=identity, role_arn=GUEST_ROLE)
    issued = {
        "AccessKeyId": made.access_key_id,
        "SecretKey": made.secret_key,
        "SessionToken": made.session_token,
    }
    for path in (
        "/users/ann%40example.com/orders",
        "/users/ann@example.com/orders",
        "/files/caf%C3%A9%20menu.pdf",
        "/a/./b/../orders",
        "/a//orders",
    ):
        assert verify_request(_signed_request(issued, path=path)).identity_id == identity.id, path
        behind_gunicorn = _signed_request(issued, path=path)
        behind_gunicorn.META["RAW_URI"] = path
        assert verify_request(behind_gunicorn).identity_id == identity.id, path

    moved = _signed_request(issued, path="/users/ann%40example.com/orders")
    moved.path = moved.path_info = "/users/bob@example.com/orders"
    with pytest.raises(CredentialError) as refused:
        verify_request(moved)
    assert refused.value.code == "SignatureDoesNotMatch"
