"""SigV4 on admin actions: wrong key, bad signature, skewed clock, unsigned."""

from __future__ import annotations

import datetime as dt
import http.client
import json
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.config import Config
from botocore.credentials import Credentials


def _client(endpoint: str, key_id: str, secret: str) -> Any:
    return boto3.client(
        "cognito-idp",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1}),
    )


def test_signed_call_succeeds(idp: Any) -> None:
    assert idp.list_user_pools(MaxResults=10)["UserPools"] == []


def test_unknown_access_key_is_unrecognized_client(endpoint: str, access_key: Any) -> None:
    client = _client(endpoint, "AKIAUNKNOWNUNKNOWN00", access_key[1])
    with pytest.raises(client.exceptions.ClientError) as info:
        client.list_user_pools(MaxResults=10)
    assert info.value.response["Error"]["Code"] == "UnrecognizedClientException"


def test_wrong_secret_is_invalid_signature(endpoint: str, access_key: Any) -> None:
    client = _client(endpoint, access_key[0], "x" * 40)
    with pytest.raises(client.exceptions.ClientError) as info:
        client.list_user_pools(MaxResults=10)
    assert info.value.response["Error"]["Code"] == "InvalidSignatureException"


def test_skewed_clock_is_refused(endpoint: str, access_key: Any) -> None:
    client = _client(endpoint, access_key[0], access_key[1])
    skewed = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=20)
    clock = mock.patch(
        "botocore.auth.get_current_datetime", return_value=skewed.replace(tzinfo=None)
    )
    with clock, pytest.raises(client.exceptions.ClientError) as info:
        client.list_user_pools(MaxResults=10)
    assert info.value.response["Error"]["Code"] == "RequestExpired"


def test_inactive_key_is_refused(endpoint: str, access_key: Any) -> None:
    from api.models import AccessKey

    AccessKey.objects.filter(access_key_id=access_key[0]).update(active=False)
    client = _client(endpoint, *access_key)
    with pytest.raises(client.exceptions.ClientError) as info:
        client.list_user_pools(MaxResults=10)
    assert info.value.response["Error"]["Code"] == "UnrecognizedClientException"


def test_access_key_secret_is_encrypted_at_rest(access_key: Any) -> None:
    from api.models import AccessKey

    stored = AccessKey.objects.get(access_key_id=access_key[0])
    assert access_key[1] not in stored.secret_encrypted
    assert stored.get_secret() == access_key[1]


def _raw_signed_post(endpoint: str, key: Any, extra_headers: list[tuple[str, str]]) -> Any:
    """Sign as botocore does, then send every header as is (repeats included)."""
    body = b'{"MaxResults": 10}'
    headers = HTTPHeaders()
    headers["Content-Type"] = "application/x-amz-json-1.1"
    headers["X-Amz-Target"] = "AWSCognitoIdentityProviderService.ListUserPools"
    for name, value in extra_headers:
        headers.add_header(name, value)
    signed = AWSRequest(method="POST", url=endpoint + "/", data=body, headers=headers)
    SigV4Auth(Credentials(*key), "cognito-idp", "us-east-1").add_auth(signed)
    host = urlsplit(endpoint).netloc
    connection = http.client.HTTPConnection(host, timeout=10)
    connection.putrequest("POST", "/", skip_host=True, skip_accept_encoding=True)
    connection.putheader("Host", host)  # with the port, as botocore signed it
    for name, value in signed.headers.items():
        connection.putheader(name, value)
    connection.putheader("Content-Length", str(len(body)))
    connection.endheaders(body)
    response = connection.getresponse()
    answer = (response.status, json.loads(response.read()))
    connection.close()
    return answer


def test_headers_sdks_sign_are_canonicalized_as_they_sign_them(
    endpoint: str, access_key: Any
) -> None:
    accepted = {
        "runs of spaces folded": [("X-Amz-Meta-Note", "  a   b  c ")],
        "repeated header, values joined": [("X-Custom", "one"), ("X-Custom", "two  words")],
        "SDK bookkeeping headers": [
            ("amz-sdk-invocation-id", "0b1e3c9e-2f4a-4c47-9d0e-5a6b7c8d9e0f"),
            ("amz-sdk-request", "attempt=1; max=3"),
        ],
        "upper-case header name": [("X-AMZ-EXTRA", "Q")],
    }
    for case, extra in accepted.items():
        assert _raw_signed_post(endpoint, access_key, extra) == (200, {"UserPools": []}), case

    # botocore signs the header's value instead of the body's hash: the body is unsigned,
    # so it is refused (the payload hash is always computed from the body received).
    status, error = _raw_signed_post(
        endpoint, access_key, [("X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD")]
    )
    assert (status, error["__type"]) == (403, "InvalidSignatureException")
