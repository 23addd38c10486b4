"""The machine-facing side under hostile or unusual input: SigV4 scopes, the JSON boundary,
and the stores security checks depend on."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from redis.exceptions import ConnectionError as RedisConnectionError

IDP_TARGET = "AWSCognitoIdentityProviderService."
IDENTITY_TARGET = "AWSCognitoIdentityService."
REGION = "us-east-1"


def _post(
    endpoint: str,
    target: str,
    body: bytes,
    key: tuple[str, str] | None = None,
    *,
    service: str = "cognito-idp",
    path: str = "/",
) -> requests.Response:
    """POST a raw JSON body, SigV4-signed as botocore signs when ``key`` is given."""
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target}
    if key is not None:
        signed = AWSRequest(method="POST", url=endpoint + path, data=body, headers=headers)
        SigV4Auth(Credentials(*key), service, REGION).add_auth(signed)
        headers = dict(signed.headers.items())
    return requests.post(endpoint + path, data=body, headers=headers, timeout=10)


def test_a_signature_scoped_to_another_service_authorizes_nothing(
    endpoint: str, access_key: tuple[str, str]
) -> None:
    """AWS refuses a credential scope naming another service; so must every signed door."""
    list_pools = b'{"MaxResults": 10}'
    assert _post(endpoint, IDP_TARGET + "ListUserPools", list_pools, access_key).ok
    for service in ("cognito-identity", "sts", "execute-api"):
        refused = _post(
            endpoint, IDP_TARGET + "ListUserPools", list_pools, access_key, service=service
        )
        assert refused.status_code == 403
        assert refused.json() == {
            "__type": "InvalidSignatureException",
            "message": "Credential should be scoped to correct service: 'cognito-idp'. ",
        }

    list_identity_pools = b'{"MaxResults": 10}'
    target = IDENTITY_TARGET + "ListIdentityPools"
    assert _post(endpoint, target, list_identity_pools, access_key, service="cognito-identity").ok
    refused = _post(endpoint, target, list_identity_pools, access_key, service="cognito-idp")
    assert refused.status_code == 403
    assert refused.json()["message"] == (
        "Credential should be scoped to correct service: 'cognito-identity'. "
    )


def _issued_credentials() -> Credentials:
    from identity.models import Identity, IdentityPool
    from identity.services.credentials import issue_credentials

    pool = IdentityPool.objects.create(name="machines", allow_unauthenticated_identities=True)
    identity = Identity.objects.create(id=Identity.new_id(pool), pool=pool)
    made = issue_credentials(identity=identity, role_arn="arn:aws:iam::123456789012:role/guest")
    return Credentials(made.access_key_id, made.secret_key, made.session_token)


def _sts_caller_identity(endpoint: str, credentials: Credentials, service: str) -> Any:
    body = b"Action=GetCallerIdentity&Version=2011-06-15"
    signed = AWSRequest(
        method="POST",
        url=endpoint + "/",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    SigV4Auth(credentials, service, REGION).add_auth(signed)
    return requests.post(endpoint + "/", data=body, headers=dict(signed.headers), timeout=10)


def test_sts_accepts_issued_credentials_only_under_an_sts_scope(
    endpoint: str, transactional_db: None
) -> None:
    credentials = _issued_credentials()
    sts = boto3.client(
        "sts",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=credentials.access_key,
        aws_secret_access_key=credentials.secret_key,
        aws_session_token=credentials.token,
    )
    assert sts.get_caller_identity()["Arn"].startswith("arn:aws:sts::123456789012:assumed-role/")
    assert _sts_caller_identity(endpoint, credentials, "sts").ok

    refused = _sts_caller_identity(endpoint, credentials, "cognito-identity")
    assert refused.status_code == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in refused.text
    assert "Credential should be scoped to correct service: 'sts'. " in refused.text

    # Identity-pool credentials are not admin access keys, and admin keys are not STS's.
    as_admin = _post(
        endpoint,
        IDP_TARGET + "ListUserPools",
        b'{"MaxResults": 10}',
        (credentials.access_key, credentials.secret_key),
    )
    assert as_admin.status_code == 403
    assert as_admin.json()["__type"] == "UnrecognizedClientException"
    from api.models import AccessKey

    admin_key, admin_secret = AccessKey.issue(description="admin")
    as_sts = _sts_caller_identity(
        endpoint, Credentials(admin_key.access_key_id, admin_secret), "sts"
    )
    assert as_sts.status_code == 403
    assert "<Code>InvalidClientTokenId</Code>" in as_sts.text


def test_json_no_parser_can_choke_on_is_a_serialization_error_never_a_500(
    idp: Any, pool: dict[str, Any], endpoint: str, access_key: tuple[str, str]
) -> None:
    client_id = idp.create_user_pool_client(
        UserPoolId=pool["Id"], ClientName="app", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    # boto3 writes JSON with ensure_ascii: an emoji travels as an escaped surrogate *pair*.
    idp.admin_create_user(
        UserPoolId=pool["Id"],
        Username="ann@example.com",
        UserAttributes=[{"Name": "name", "Value": "Ann \N{GRINNING FACE}"}],
        MessageAction="SUPPRESS",
    )
    user = idp.admin_get_user(UserPoolId=pool["Id"], Username="ann@example.com")
    assert {"Name": "name", "Value": "Ann \N{GRINNING FACE}"} in user["UserAttributes"]

    def sign_in(password: str) -> bytes:
        return json.dumps(
            {
                "AuthFlow": "USER_PASSWORD_AUTH",
                "ClientId": client_id,
                "AuthParameters": {"USERNAME": "ann@example.com", "PASSWORD": password},
            }
        ).encode()

    unparseable = {
        "nested past the stack": b'{"ClientId":' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        "lone escaped surrogate": sign_in("Secret\ud800"),
        "lone surrogate as raw bytes": sign_in("Secret").replace(b"Secret", b"Secret\xed\xa0\x80"),
    }
    for case, body in unparseable.items():
        answer = _post(endpoint, IDP_TARGET + "InitiateAuth", body)
        assert answer.status_code == 400, case
        assert answer.json()["__type"] == "SerializationException", case

    lone_in_attribute = json.dumps(
        {
            "UserPoolId": pool["Id"],
            "Username": "bob@example.com",
            "MessageAction": "SUPPRESS",
            "UserAttributes": [{"Name": "name", "Value": "Bob \udc00"}],
        }
    ).encode()
    answer = _post(endpoint, IDP_TARGET + "AdminCreateUser", lone_in_attribute, access_key)
    assert answer.status_code == 400
    assert answer.json()["__type"] == "SerializationException"
    with pytest.raises(ClientError) as missing:
        idp.admin_get_user(UserPoolId=pool["Id"], Username="bob@example.com")
    assert missing.value.response["Error"]["Code"] == "UserNotFoundException"


class _UnreachableCache:
    """A cache whose server is down: every call fails as redis-py fails."""

    def __getattr__(self, name: str) -> Any:
        def refuse(*args: Any, **kwargs: Any) -> Any:
            raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379.")

        return refuse


@pytest.mark.usefixtures("lockout_clock")  # the lock outlasts a slow request
def test_with_the_lockout_store_down_sign_in_works_and_guessing_still_locks(
    idp: Any, idp_public: Any, pool: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from accounts.services import lockout

    client_id = idp.create_user_pool_client(
        UserPoolId=pool["Id"], ClientName="app", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    password = "Correct-Horse-9!"
    idp.admin_create_user(
        UserPoolId=pool["Id"], Username="ann@example.com", MessageAction="SUPPRESS"
    )
    idp.admin_set_user_password(
        UserPoolId=pool["Id"], Username="ann@example.com", Password=password, Permanent=True
    )
    monkeypatch.setattr(lockout, "cache", _UnreachableCache())

    def sign_in(secret: str) -> Any:
        return idp_public.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "ann@example.com", "PASSWORD": secret},
        )

    def refusal(secret: str) -> str:
        with pytest.raises(ClientError) as refused:
            sign_in(secret)
        assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"
        return str(refused.value.response["Error"]["Message"])

    assert "AccessToken" in sign_in(password)["AuthenticationResult"]
    for _ in range(lockout.FREE_FAILURES):
        assert refusal("Wrong-Horse-9!") == "Incorrect username or password."
    # Counted in this process meanwhile: the right password waits out the lock.
    assert refusal(password) == "Password attempts exceeded"
