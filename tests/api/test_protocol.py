"""The AWS JSON 1.1 framing: targets, bodies, errors, CORS."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from api import registry
from core.errors import PROTOCOL_ERRORS, InvalidParameterException, all_error_classes

TARGET = "AWSCognitoIdentityProviderService."


def _post(
    endpoint: str, target: str, body: bytes | str, key: tuple[str, str] | None = None
) -> requests.Response:
    """POST a raw body; with ``key``, SigV4-sign it the way botocore does."""
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target}
    data = body.encode() if isinstance(body, str) else body
    if key is not None:
        aws_request = AWSRequest(method="POST", url=endpoint + "/", data=data, headers=headers)
        SigV4Auth(Credentials(*key), "cognito-idp", "us-east-1").add_auth(aws_request)
        headers = dict(aws_request.headers.items())
    return requests.post(endpoint + "/", data=data, headers=headers, timeout=10)


def test_unknown_operation_is_json_error(endpoint: str) -> None:
    response = _post(endpoint, TARGET + "NoSuchThing", "{}")
    assert response.status_code == 400
    assert response.json()["__type"] == "UnknownOperationException"
    assert response.headers["x-amzn-ErrorType"] == "UnknownOperationException:"
    assert response.headers["x-amzn-RequestId"]


def test_malformed_json_is_serialization_exception(endpoint: str, access_key: Any) -> None:
    response = _post(endpoint, TARGET + "ListUserPools", "{not json", access_key)
    assert response.status_code == 400
    assert response.json()["__type"] == "SerializationException"


@pytest.mark.parametrize("body", ["[1,2]", '"text"', "\xff\xfe", "null"])
def test_non_object_bodies_never_500(endpoint: str, access_key: Any, body: str) -> None:
    response = _post(endpoint, TARGET + "ListUserPools", body.encode("latin-1"), access_key)
    assert 400 <= response.status_code < 500
    assert response.headers["Content-Type"] == "application/x-amz-json-1.1"
    assert response.json()["__type"] in {"SerializationException", "InvalidParameterException"}


def test_huge_body_is_refused_with_json(endpoint: str) -> None:
    response = _post(endpoint, TARGET + "ListUserPools", b"{" + b" " * (2 * 1024 * 1024) + b"}")
    assert 400 <= response.status_code < 500
    assert response.json()["__type"] == "RequestEntityTooLargeException"


def test_unsigned_admin_call_is_refused(endpoint: str) -> None:
    response = _post(endpoint, TARGET + "CreateUserPool", json.dumps({"PoolName": "x"}))
    assert response.status_code == 403
    assert response.json()["__type"] == "MissingAuthenticationTokenException"


def test_cors_preflight_reflects_headers(endpoint: str) -> None:
    response = requests.options(
        endpoint + "/",
        headers={
            "Origin": "http://app.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-amz-target,x-amz-user-agent",
        },
        timeout=10,
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "http://app.example"
    assert "x-amz-target" in response.headers["Access-Control-Allow-Headers"]
    assert "x-amzn-RequestId" in response.headers["Access-Control-Expose-Headers"]


def test_every_registered_action_is_in_botocore_model() -> None:
    for service, name in registry.ACTIONS:
        assert name in registry.service_model(service).operation_names, (service, name)


def test_every_error_name_is_in_botocore_model_or_protocol_list() -> None:
    modelled: set[str] = set()
    for service in registry.BOTOCORE_NAMES:
        model = registry.service_model(service)
        for op in model.operation_names:
            modelled.update(shape.name for shape in model.operation_model(op).error_shapes)
    protocol = {cls.__name__ for cls in PROTOCOL_ERRORS}
    for cls in all_error_classes():
        assert cls.__name__ in modelled | protocol, cls.__name__


def test_timestamps_are_epoch_numbers(idp: Any, endpoint: str) -> None:
    pool_id = idp.create_user_pool(PoolName="ts")["UserPool"]["Id"]
    raw = idp.describe_user_pool(UserPoolId=pool_id)
    assert raw["UserPool"]["CreationDate"].year >= 2024


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"MaxResults": "ten"}, "maxResults"),
        ({}, "Value null at 'maxResults'"),
        ({"MaxResults": 500}, "less than or equal to 60"),
        ({"MaxResults": 2**40}, "less than or equal to 60"),
    ],
)
def test_ill_typed_or_out_of_range_members_are_invalid_parameter(
    endpoint: str, access_key: Any, body: dict[str, Any], fragment: str
) -> None:
    response = _post(endpoint, TARGET + "ListUserPools", json.dumps(body), access_key)
    assert response.status_code == 400
    assert response.json()["__type"] == "InvalidParameterException"
    assert fragment in response.json()["message"]


def test_integers_without_a_modelled_maximum_are_bounded_to_32_bits() -> None:
    from api.validation import validate_input

    shape = registry.operation_model(registry.IDP, "CreateGroup").input_shape
    with pytest.raises(InvalidParameterException) as info:
        validate_input(
            {"GroupName": "g", "UserPoolId": "us-east-1_abc", "Precedence": 2**40}, shape
        )
    assert "less than or equal to 2147483647" in info.value.message
