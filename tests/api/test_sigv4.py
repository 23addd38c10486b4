"""SigV4 on admin actions: wrong key, bad signature, skewed clock, unsigned."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import boto3
import pytest
from botocore.config import Config


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
