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
from django.test import RequestFactory

from api import sigv4
from core.errors import InvalidSignatureException


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


_KEY_ID, _SECRET = "AKIAQUERYTESTKEY0001", "query-test-secret"


def _botocore_signed(url: str, params: dict[str, str] | None = None) -> Any:
    """A GET signed by botocore's own SigV4 signer, as it would go on the wire."""
    request = AWSRequest(method="GET", url=url, params=params or {}, data=b"")
    SigV4Auth(Credentials(_KEY_ID, _SECRET), "execute-api", "us-east-1").add_auth(request)
    return request.prepare()


def _verify_as_received(prepared: Any, *, query: str | None = None) -> sigv4.SignedIdentity:
    """Hand ``sigv4.verify`` the request a WSGI server builds from ``prepared`` (the query
    replaced by ``query`` when given): the query string's bytes as sent, Latin-1 decoded."""
    parts = urlsplit(prepared.url)
    sent_query = parts.query if query is None else query
    request = RequestFactory().generic(
        "GET",
        parts.path + ("?" + sent_query if sent_query else ""),
        HTTP_HOST=parts.netloc,
        HTTP_X_AMZ_DATE=prepared.headers["X-Amz-Date"],
        HTTP_AUTHORIZATION=prepared.headers["Authorization"],
    )
    return sigv4.verify(request, b"", {_KEY_ID: _SECRET}.get, service="execute-api")


def test_query_strings_verify_as_botocore_signs_them() -> None:
    # An SDK holding parameters signs them URI-encoded (space as %20) and sends them
    # form-encoded (space as "+").
    signed_parameters = {
        "spaces": {"q": "a b  c"},
        "plus and equals": {"q": "1+1=2", "expr": "a=b"},
        "slashes and unreserved": {"path": "/a/b", "keep": "A-z_0.9~"},
        "unicode": {"name": "José 東京", "emoji": "🙂"},
        "empty value": {"empty": "", "other": "x"},
        "reserved in names": {"a b+c/d": "v"},
    }
    for case, params in signed_parameters.items():
        identity = _verify_as_received(_botocore_signed("https://api.example/items", params))
        assert identity.access_key_id == _KEY_ID, case

    # An SDK given a URL signs its query as it is, only sorted.
    signed_urls = {
        "literal plus": "https://api.example/items?q=a+b",
        "lower-case escapes": "https://api.example/items?q=%2f%c3%a9&r=%7e",
        "repeated keys, out of order": "https://api.example/items?tag=b&tag=a&tag=a",
        "key without '='": "https://api.example/items?flag&x=1",
        "empty values": "https://api.example/items?a=&b=",
        "already canonical": "https://api.example/items?q=caf%C3%A9%20%2B",
        "raw unicode": "https://api.example/items?name=José",
    }
    for case, url in signed_urls.items():
        assert _verify_as_received(_botocore_signed(url)).access_key_id == _KEY_ID, case


def test_a_changed_query_string_is_refused() -> None:
    signed = _botocore_signed("https://api.example/items", {"q": "a b", "tag": "x"})
    with pytest.raises(InvalidSignatureException):
        _verify_as_received(signed, query="q=a+c&tag=x")
    with pytest.raises(InvalidSignatureException):
        _verify_as_received(signed, query="q=a+b&tag=x&extra=1")
    with pytest.raises(InvalidSignatureException):
        _verify_as_received(signed, query="q=a+b")

    # A signed "+" (sent %2B) cannot be replayed as a literal "+", which the view would
    # read as a space.
    plus = _botocore_signed("https://api.example/items", {"q": "b+c"})
    assert urlsplit(plus.url).query == "q=b%2Bc"
    assert _verify_as_received(plus).access_key_id == _KEY_ID
    with pytest.raises(InvalidSignatureException):
        _verify_as_received(plus, query="q=b+c")
    # Nor a signed literal "+" as %2B.
    literal = _botocore_signed("https://api.example/items?q=b+c")
    with pytest.raises(InvalidSignatureException):
        _verify_as_received(literal, query="q=b%2Bc")


def test_the_live_server_verifies_signed_query_strings(endpoint: str, access_key: Any) -> None:
    """Through a real WSGI server: the query string's bytes reach the verifier as sent."""

    def post(url: str, params: dict[str, str] | None = None, *, sent_query: str = "") -> Any:
        body = b'{"MaxResults": 10}'
        headers = {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AWSCognitoIdentityProviderService.ListUserPools",
        }
        request = AWSRequest(
            method="POST", url=url, params=params or {}, data=body, headers=headers
        )
        SigV4Auth(Credentials(*access_key), "cognito-idp", "us-east-1").add_auth(request)
        prepared = request.prepare()
        parts = urlsplit(prepared.url)
        connection = http.client.HTTPConnection(parts.netloc, timeout=10)
        target = f"{parts.path}?{sent_query or parts.query}"
        connection.putrequest("POST", target, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", parts.netloc)
        for name, value in prepared.headers.items():
            connection.putheader(name, value)
        connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        answer = json.loads(response.read())
        connection.close()
        return response.status, answer.get("__type", answer)

    ok: tuple[int, Any] = (200, {"UserPools": []})
    assert post(endpoint + "/", {"q": "1+1 = 2", "name": "José", "empty": ""}) == ok
    assert post(endpoint + "/?q=a+b&flag&lower=%2f") == ok
    assert post(endpoint + "/?name=Jos%c3%a9&tag=b&tag=a&empty=") == ok
    refused = (403, "InvalidSignatureException")
    assert post(endpoint + "/", {"q": "a b"}, sent_query="q=a+c") == refused
    assert post(endpoint + "/?q=a+b", sent_query="q=a%2Bb") == refused
