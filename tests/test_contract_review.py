"""CONTRACT.md read line by line against the running code: the HTTP table's federation
paths, /healthz as probes call it, and the JSON API's error shape for any method."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent

FEDERATION_PATHS = ["/oauth2/idpresponse", "/saml2/idpresponse"]


@pytest.mark.django_db  # the pool-domain middleware looks the test host up
@pytest.mark.parametrize("path", FEDERATION_PATHS)
def test_federation_return_paths_say_no_provider_is_configured(path: str) -> None:
    """Where a social, OIDC or SAML provider sends the browser back (GET with ?code=&state=,
    or a SAML POST binding without any CSRF token) answers a clear JSON error, not Django's
    bare 404 page or a CSRF 403 page."""
    browser = Client(enforce_csrf_checks=True)

    answers = [
        browser.get(path, {"code": "abc", "state": "xyz"}),
        browser.get(path),
        browser.post(path, {"SAMLResponse": "PHNhbWxwOlJlc3BvbnNlLz4=", "RelayState": "r"}),
    ]

    for response in answers:
        assert response.status_code == 400
        assert response["Content-Type"] == "application/json"
        assert response["Cache-Control"] == "no-store"
        body = response.json()
        assert body["error"] == "invalid_request"
        assert "No federated identity provider is configured" in body["error_description"]
    assert browser.put(path).status_code == 405


def test_healthz_is_503_not_500_on_any_host_when_the_database_is_down(tmp_path: Path) -> None:
    """Probes call /healthz by whatever name reaches the process (localhost, a pod IP), not
    PUBLIC_URL's host; with the database unreachable that must still be the JSON 503, not a
    500 from the custom-domain lookup that runs for unknown hosts."""
    script = (
        "import json, django; django.setup()\n"
        "from django.test import Client\n"
        "client = Client(raise_request_exception=False)\n"
        "answers = {}\n"
        "for host in ['127.0.0.1:8000', 'localhost:8000', '10.0.0.7']:\n"
        "    response = client.get('/healthz', HTTP_HOST=host)\n"
        "    answers[host] = [response.status_code, response['Content-Type'],\n"
        "                     response.content.decode()]\n"
        "print(json.dumps(answers))\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        # A database that cannot be opened: its directory does not exist.
        "DATABASE_URL": f"sqlite:///{tmp_path}/missing/db.sqlite3",
        "PUBLIC_URL": "http://127.0.0.1:8000",
    }
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )

    answers = json.loads(result.stdout.strip().splitlines()[-1])
    for host, (status, content_type, content) in answers.items():
        assert (host, status, content_type) == (host, 503, "application/json")
        body = json.loads(content)
        assert body["status"] == "unavailable"
        assert body["checks"]["database"]["state"] == "down"


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["put", "patch", "delete", "get"])
def test_the_json_api_answers_other_methods_with_a_cognito_error(method: str) -> None:
    """A request to the API's path carrying X-Amz-Target but not sent as POST (a proxy or a
    hand-written client getting the method wrong) is still the JSON API: a
    {"__type", "message"} answer, never Django's CSRF page or the service index."""
    client = Client(enforce_csrf_checks=True)

    response = client.generic(
        method.upper(),
        "/",
        data="{}",
        content_type="application/x-amz-json-1.1",
        HTTP_X_AMZ_TARGET="AWSCognitoIdentityProviderService.ListUserPools",
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/x-amz-json-1.1"
    body = json.loads(response.content)
    assert set(body) == {"__type", "message"}
    assert body["__type"] == "UnknownOperationException"
    assert response["x-amzn-ErrorType"] == "UnknownOperationException:"
    assert method.upper() in body["message"]


@pytest.mark.django_db
def test_methods_on_the_api_path_without_a_target_are_json_too() -> None:
    client = Client(enforce_csrf_checks=True)

    response = client.delete("/")

    assert response.status_code == 400
    assert json.loads(response.content)["__type"] == "UnknownOperationException"
    # The service index stays where it was.
    assert client.get("/").json()["api"].startswith("POST /")


def test_aws_region_names_the_region_in_pool_ids_and_arns(
    endpoint: str, access_key: tuple[str, str], settings: Any
) -> None:
    """AWS_REGION (CONTRACT.md): the region in user-pool and identity-pool ids and ARNs, and
    the region SDK clients configured for it sign with."""
    settings.AWS_REGION = "eu-west-1"
    credentials = {
        "endpoint_url": endpoint,
        "region_name": "eu-west-1",
        "aws_access_key_id": access_key[0],
        "aws_secret_access_key": access_key[1],
    }
    idp = boto3.client("cognito-idp", **credentials)
    identity = boto3.client("cognito-identity", **credentials)

    pool = idp.create_user_pool(PoolName="regional")["UserPool"]
    identity_pool = identity.create_identity_pool(
        IdentityPoolName="regional", AllowUnauthenticatedIdentities=True
    )

    assert re.fullmatch(r"eu-west-1_[0-9A-Za-z]+", pool["Id"])
    assert pool["Arn"] == f"arn:aws:cognito-idp:eu-west-1:123456789012:userpool/{pool['Id']}"
    assert identity_pool["IdentityPoolId"].startswith("eu-west-1:")
    discovery = requests.get(
        f"{endpoint}/{pool['Id']}/.well-known/openid-configuration", timeout=30
    )
    assert discovery.json()["issuer"] == f"{settings.PUBLIC_URL}/{pool['Id']}"


def test_port_sets_the_default_public_url() -> None:
    """PORT (CONTRACT.md): with PUBLIC_URL unset, issuers and printed links use
    http://127.0.0.1:$PORT."""
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.PUBLIC_URL)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "PORT": "8123"}
    env.pop("PUBLIC_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert result.stdout.strip().splitlines()[-1] == "http://127.0.0.1:8123"
