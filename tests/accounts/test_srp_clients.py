"""USER_SRP_AUTH → PASSWORD_VERIFIER with real SRP clients: pycognito's AWSSRP and
amazon-cognito-identity-js in Node, plus what a forged or replayed handshake gets."""

from __future__ import annotations

import base64
import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jwt
import pytest
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP
from pycognito.exceptions import ForceChangePasswordException

from accounts.models import UserStatus
from accounts.services import srp
from tests.accounts.conftest import PASSWORD, MakeClient, MakeUser

NODE_DIR = Path(__file__).resolve().parents[1] / "node"


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = exc.value.response["Error"]
    return error["Code"], error["Message"]


def _claims(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def _srp(idp_public: Any, pool_id: str, client: dict[str, Any], name: str, password: str) -> AWSSRP:
    return AWSSRP(
        username=name,
        password=password,
        pool_id=pool_id,
        client_id=client["ClientId"],
        client=idp_public,
        client_secret=client.get("ClientSecret"),
    )


def test_pycognito_signs_in_with_email_alias_and_wrong_password_is_refused(
    idp_public: Any, pool: dict[str, Any], make_client: MakeClient, make_user: MakeUser
) -> None:
    client = make_client()
    user = make_user("ada@example.com")

    tokens = _srp(idp_public, pool["Id"], client, "ada@example.com", PASSWORD).authenticate_user()

    result = tokens["AuthenticationResult"]
    assert tokens["ChallengeParameters"] == {}
    assert set(result) >= {"AccessToken", "IdToken", "RefreshToken", "ExpiresIn", "TokenType"}
    assert _claims(result["AccessToken"])["username"] == str(user.sub)
    assert _claims(result["IdToken"])["email"] == "ada@example.com"

    with pytest.raises(ClientError) as refused:
        _srp(idp_public, pool["Id"], client, "ada@example.com", PASSWORD + "x").authenticate_user()
    assert _error(refused) == ("NotAuthorizedException", "Incorrect username or password.")


def test_pycognito_with_client_secret_in_a_username_pool(
    idp: Any,
    idp_public: Any,
    username_pool: dict[str, Any],
    make_client: MakeClient,
    make_user: MakeUser,
) -> None:
    client = make_client(user_pool_id=username_pool["Id"], GenerateSecret=True)
    make_user("grace", user_pool_id=username_pool["Id"])

    srp_client = _srp(idp_public, username_pool["Id"], client, "grace", PASSWORD)
    step_one = idp_public.initiate_auth(
        ClientId=client["ClientId"],
        AuthFlow="USER_SRP_AUTH",
        AuthParameters=srp_client.get_auth_params(),
    )
    parameters = step_one["ChallengeParameters"]
    assert step_one["ChallengeName"] == "PASSWORD_VERIFIER"
    assert "Session" not in step_one
    assert parameters["USER_ID_FOR_SRP"] == parameters["USERNAME"] == "grace"
    assert parameters["SALT"] == format(int(parameters["SALT"], 16), "x")  # canonical hex

    tokens = srp_client.authenticate_user()
    assert _claims(tokens["AuthenticationResult"]["AccessToken"])["username"] == "grace"

    # The admin API runs the same handshake.
    admin_srp = _srp(idp_public, username_pool["Id"], client, "grace", PASSWORD)
    auth_parameters = admin_srp.get_auth_params()
    challenge = idp.admin_initiate_auth(
        UserPoolId=username_pool["Id"],
        ClientId=client["ClientId"],
        AuthFlow="USER_SRP_AUTH",
        AuthParameters=auth_parameters,
    )
    answer = idp.admin_respond_to_auth_challenge(
        UserPoolId=username_pool["Id"],
        ClientId=client["ClientId"],
        ChallengeName="PASSWORD_VERIFIER",
        ChallengeResponses=admin_srp.process_challenge(
            challenge["ChallengeParameters"], auth_parameters
        ),
    )
    assert "AccessToken" in answer["AuthenticationResult"]

    with pytest.raises(ClientError) as refused:
        _srp(
            idp_public, username_pool["Id"], client, "grace", "Wrong-Password-1"
        ).authenticate_user()
    assert _error(refused)[0] == "NotAuthorizedException"


def _node_sign_in(endpoint: str, pool_id: str, client_id: str, name: str, password: str) -> Any:
    node = shutil.which("node")
    assert node is not None, "node is installed by scripts/test-deps.sh"
    if not (NODE_DIR / "node_modules" / "amazon-cognito-identity-js").is_dir():
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--silent"], cwd=NODE_DIR, check=True
        )
    completed = subprocess.run(
        [node, "sign_in.js", endpoint, pool_id, client_id, name, password],
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_amazon_cognito_identity_js_signs_in_refreshes_and_is_refused_a_wrong_password(
    endpoint: str, pool: dict[str, Any], make_client: MakeClient, make_user: MakeUser
) -> None:
    client = make_client()
    user = make_user("lin@example.com")

    signed_in = _node_sign_in(endpoint, pool["Id"], client["ClientId"], "lin@example.com", PASSWORD)

    assert signed_in["ok"] is True, signed_in
    assert signed_in["username"] == str(user.sub)  # the SDK switches to USER_ID_FOR_SRP
    assert _claims(signed_in["idToken"])["email"] == "lin@example.com"
    # refreshSession sends REFRESH_TOKEN_AUTH with "DEVICE_KEY": null.
    assert signed_in["refreshed"] is True, signed_in
    assert _claims(signed_in["refreshedAccessToken"])["sub"] == str(user.sub)

    refused = _node_sign_in(
        endpoint, pool["Id"], client["ClientId"], "lin@example.com", "Nope-12345678!"
    )
    assert refused == {
        "ok": False,
        "code": "NotAuthorizedException",
        "message": "Incorrect username or password.",
    }


def test_amazon_cognito_identity_js_meets_new_password_required(
    endpoint: str, pool: dict[str, Any], make_client: MakeClient, make_user: MakeUser
) -> None:
    client = make_client()
    make_user("new@example.com", status=UserStatus.FORCE_CHANGE_PASSWORD, temporary=True)

    answer = _node_sign_in(endpoint, pool["Id"], client["ClientId"], "new@example.com", PASSWORD)

    assert answer["challenge"] == "NEW_PASSWORD_REQUIRED"
    assert answer["userAttributes"]["email"] == "new@example.com"
    assert answer["requiredAttributes"] == []


def test_pycognito_reports_force_change_password(
    idp_public: Any, pool: dict[str, Any], make_client: MakeClient, make_user: MakeUser
) -> None:
    client = make_client()
    make_user("temp@example.com", status=UserStatus.FORCE_CHANGE_PASSWORD, temporary=True)

    with pytest.raises(ForceChangePasswordException):
        _srp(idp_public, pool["Id"], client, "temp@example.com", PASSWORD).authenticate_user()


def _start(
    idp_public: Any, client: dict[str, Any], srp_client: AWSSRP
) -> tuple[dict[str, Any], dict[str, str]]:
    parameters = srp_client.get_auth_params()
    step = idp_public.initiate_auth(
        ClientId=client["ClientId"], AuthFlow="USER_SRP_AUTH", AuthParameters=parameters
    )
    return step["ChallengeParameters"], parameters


def _answer(idp_public: Any, client: dict[str, Any], responses: dict[str, str]) -> dict[str, Any]:
    return dict(
        idp_public.respond_to_auth_challenge(
            ClientId=client["ClientId"],
            ChallengeName="PASSWORD_VERIFIER",
            ChallengeResponses=responses,
        )
    )


def test_tampered_replayed_or_mistimed_handshakes_are_refused(
    idp_public: Any, pool: dict[str, Any], make_client: MakeClient, make_user: MakeUser
) -> None:
    client = make_client()
    make_user("eve@example.com")
    srp_client = _srp(idp_public, pool["Id"], client, "eve@example.com", PASSWORD)

    # A flipped bit in SECRET_BLOCK: the AEAD seal breaks.
    challenge, sent = _start(idp_public, client, srp_client)
    block = bytearray(base64.b64decode(challenge["SECRET_BLOCK"]))
    block[40] ^= 1
    forged = {**challenge, "SECRET_BLOCK": base64.b64encode(bytes(block)).decode()}
    with pytest.raises(ClientError) as tampered:
        _answer(idp_public, client, srp_client.process_challenge(forged, sent))
    assert _error(tampered)[0] == "NotAuthorizedException"

    # The right answer once; the same SECRET_BLOCK again is refused.
    challenge, sent = _start(idp_public, client, srp_client)
    responses = srp_client.process_challenge(challenge, sent)
    assert "AccessToken" in _answer(idp_public, client, responses)["AuthenticationResult"]
    with pytest.raises(ClientError) as replayed:
        _answer(idp_public, client, responses)
    assert _error(replayed) == (
        "NotAuthorizedException",
        "Invalid session for the user, session can only be used once.",
    )

    # A zero-padded day is not Cognito's TIMESTAMP format.
    challenge, sent = _start(idp_public, client, srp_client)
    responses = srp_client.process_challenge(challenge, sent)
    responses["TIMESTAMP"] = "Mon Jan 05 10:00:00 UTC 2026"
    with pytest.raises(ClientError) as badly_formatted:
        _answer(idp_public, client, responses)
    assert _error(badly_formatted)[0] == "InvalidParameterException"

    # A well-formed TIMESTAMP from an hour ago is outside the allowed skew.
    challenge, sent = _start(idp_public, client, srp_client)
    responses = srp_client.process_challenge(challenge, sent)
    stale = srp_client.get_cognito_formatted_timestamp(
        dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    )
    responses["TIMESTAMP"] = stale
    with pytest.raises(ClientError) as stale_answer:
        _answer(idp_public, client, responses)
    assert _error(stale_answer)[0] == "NotAuthorizedException"

    # A signature for another user's name does not pass.
    challenge, sent = _start(idp_public, client, srp_client)
    responses = srp_client.process_challenge(challenge, sent)
    responses["USERNAME"] = "someone-else"
    with pytest.raises(ClientError) as other_user:
        _answer(idp_public, client, responses)
    assert _error(other_user) == ("NotAuthorizedException", "Incorrect username or password.")


def test_unknown_user_gets_a_simulated_challenge_then_the_generic_refusal(
    idp: Any, idp_public: Any, pool: dict[str, Any], make_client: MakeClient
) -> None:
    client = make_client(PreventUserExistenceErrors="ENABLED")
    ghost = _srp(idp_public, pool["Id"], client, "ghost@example.com", PASSWORD)

    first, sent = _start(idp_public, client, ghost)
    second, _ = _start(
        idp_public, client, _srp(idp_public, pool["Id"], client, "ghost@example.com", PASSWORD)
    )

    # Deterministic for the same name: the salt and id cannot give the miss away.
    assert first["SALT"] == second["SALT"]
    assert first["USER_ID_FOR_SRP"] == second["USER_ID_FOR_SRP"]
    assert len(first["USER_ID_FOR_SRP"]) == 36  # a UUID, like a real sub
    assert first["SRP_B"] != second["SRP_B"]
    with pytest.raises(ClientError) as refused:
        _answer(idp_public, client, ghost.process_challenge(first, sent))
    assert _error(refused) == ("NotAuthorizedException", "Incorrect username or password.")

    legacy = make_client(PreventUserExistenceErrors="LEGACY")
    with pytest.raises(ClientError) as not_found:
        _start(
            idp_public, legacy, _srp(idp_public, pool["Id"], legacy, "ghost@example.com", PASSWORD)
        )
    assert _error(not_found) == ("UserNotFoundException", "User does not exist.")


def test_srp_flow_must_be_allowed_and_a_value_must_be_valid(
    idp_public: Any, pool: dict[str, Any], make_client: MakeClient, make_user: MakeUser
) -> None:
    make_user("sam@example.com")
    password_only = make_client(ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])
    with pytest.raises(ClientError) as not_enabled:
        _srp(idp_public, pool["Id"], password_only, "sam@example.com", PASSWORD).authenticate_user()
    assert _error(not_enabled) == (
        "InvalidParameterException",
        "USER_SRP_AUTH is not enabled for the client.",
    )

    client = make_client()
    with pytest.raises(ClientError) as zero_a:
        idp_public.initiate_auth(
            ClientId=client["ClientId"],
            AuthFlow="USER_SRP_AUTH",
            AuthParameters={"USERNAME": "sam@example.com", "SRP_A": format(0, "x")},
        )
    assert _error(zero_a)[0] == "InvalidParameterException"


def test_user_auth_password_srp_runs_the_same_handshake(
    idp_public: Any, pool: dict[str, Any], make_client: MakeClient, make_user: MakeUser
) -> None:
    client = make_client(ExplicitAuthFlows=["ALLOW_USER_AUTH"])
    make_user("ada@example.com")
    srp_client = _srp(idp_public, pool["Id"], client, "ada@example.com", PASSWORD)
    sent = srp_client.get_auth_params()

    step = idp_public.initiate_auth(
        ClientId=client["ClientId"],
        AuthFlow="USER_AUTH",
        AuthParameters={**sent, "PREFERRED_CHALLENGE": "PASSWORD_SRP"},
    )

    assert step["ChallengeName"] == "PASSWORD_VERIFIER"
    answer = _answer(
        idp_public, client, srp_client.process_challenge(step["ChallengeParameters"], sent)
    )
    assert "AccessToken" in answer["AuthenticationResult"]


def test_server_math_agrees_with_pycognito_and_refuses_unsafe_values() -> None:
    salt, verifier_hex = srp.compute_verifier("AbC123xyz", "user-1", PASSWORD)
    verifier = int(verifier_hex, 16)
    client = AWSSRP("user-1", PASSWORD, "us-east-1_AbC123xyz", "client", client=object())
    b = srp.new_server_secret()
    b_value = srp.server_public_value(verifier, b)

    server_key = srp.server_session_key(
        a_value=client.large_a_value, b_value=b_value, b=b, verifier=verifier
    )

    assert server_key == client.get_password_authentication_key("user-1", PASSWORD, b_value, salt)
    assert srp.parse_public_value(format(client.large_a_value, "x")) == client.large_a_value
    for unsafe in ("0", srp.N_HEX, format(srp.N * 2, "x"), "xyz", "0x10", " 10", "1_0"):
        assert srp.parse_public_value(unsafe) is None
    moment = dt.datetime(2026, 3, 7, 6, 5, 9, tzinfo=dt.UTC)
    assert srp.format_timestamp(moment) == "Sat Mar 7 06:05:09 UTC 2026"
    assert srp.parse_timestamp("Sat Mar 7 06:05:09 UTC 2026") == moment
    assert srp.parse_timestamp("Sat Mar 07 06:05:09 UTC 2026") is None
    assert srp.parse_timestamp("Sat Feb 30 06:05:09 UTC 2026") is None
