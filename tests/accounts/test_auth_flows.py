"""Password, refresh and NEW_PASSWORD_REQUIRED sign-in through boto3 against a live server:
flows per client, SECRET_HASH, sessions, user status, lockout and user-existence hiding."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import jwt
import pytest
from botocore.exceptions import ClientError
from django.utils import timezone

from accounts.models import AuditEvent, PoolUser, UserStatus
from accounts.services import auth_flows, lockout, passwords
from core.errors import NotAuthorizedException
from oauth.models import AccessToken, RefreshToken
from oauth.services.clients import compute_secret_hash, get_app_client
from tests.accounts.conftest import PASSWORD, MakeClient, MakeUser
from tests.conftest import LockoutClock

NEW_PASSWORD = "Brand-New-Passw0rd!"


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = exc.value.response["Error"]
    return error["Code"], error["Message"]


def _password_auth(
    idp_public: Any, client: dict[str, Any], name: str, password: str, **extra: str
) -> dict[str, Any]:
    return dict(
        idp_public.initiate_auth(
            ClientId=client["ClientId"],
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": name, "PASSWORD": password, **extra},
        )
    )


def _refused(call: Any, *args: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as refused:
        call(*args, **kwargs)
    return _error(refused)


def test_user_password_auth_returns_tokens_and_refresh_token_auth_renews_them(
    idp_public: Any, pool: dict[str, Any], make_client: MakeClient, make_user: MakeUser
) -> None:
    client = make_client(ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    user = make_user("ada@example.com")

    signed_in = _password_auth(idp_public, client, "ada@example.com", PASSWORD)

    assert "ChallengeName" not in signed_in
    assert "Session" not in signed_in
    assert signed_in["ChallengeParameters"] == {}
    result = signed_in["AuthenticationResult"]
    assert result["TokenType"] == "Bearer"
    assert result["ExpiresIn"] == 3600
    access = jwt.decode(result["AccessToken"], options={"verify_signature": False})
    assert access["username"] == str(user.sub)
    assert access["client_id"] == client["ClientId"]

    for flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
        renewed = idp_public.initiate_auth(
            ClientId=client["ClientId"],
            AuthFlow=flow,
            AuthParameters={"REFRESH_TOKEN": result["RefreshToken"]},
        )
        assert renewed["ChallengeParameters"] == {}
        assert "RefreshToken" not in renewed["AuthenticationResult"]  # no rotation
        claims = jwt.decode(
            renewed["AuthenticationResult"]["AccessToken"], options={"verify_signature": False}
        )
        assert claims["origin_jti"] == access["origin_jti"]
        assert claims["jti"] != access["jti"]


def test_admin_password_flows_and_their_legacy_name(
    idp: Any, pool: dict[str, Any], make_client: MakeClient, make_user: MakeUser, username_pool: Any
) -> None:
    make_user("ada@example.com")
    modern = make_client(ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"])
    legacy = make_client(ExplicitAuthFlows=["ADMIN_NO_SRP_AUTH"])

    for client in (modern, legacy):
        for flow in ("ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"):
            result = idp.admin_initiate_auth(
                UserPoolId=pool["Id"],
                ClientId=client["ClientId"],
                AuthFlow=flow,
                AuthParameters={"USERNAME": "ada@example.com", "PASSWORD": PASSWORD},
            )
            assert "IdToken" in result["AuthenticationResult"]

    # The client belongs to another pool than the one named.
    assert _refused(
        idp.admin_initiate_auth,
        UserPoolId=username_pool["Id"],
        ClientId=modern["ClientId"],
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "ada@example.com", "PASSWORD": PASSWORD},
    ) == ("ResourceNotFoundException", f"User pool client {modern['ClientId']} does not exist.")


def test_flows_the_client_or_the_api_does_not_allow(
    idp: Any, idp_public: Any, pool: dict[str, Any], make_client: MakeClient, make_user: MakeUser
) -> None:
    make_user("ada@example.com")
    default = make_client()  # ALLOW_REFRESH_TOKEN_AUTH, ALLOW_USER_SRP_AUTH, ALLOW_CUSTOM_AUTH
    credentials = {"USERNAME": "ada@example.com", "PASSWORD": PASSWORD}

    assert _refused(_password_auth, idp_public, default, "ada@example.com", PASSWORD) == (
        "InvalidParameterException",
        "USER_PASSWORD_AUTH flow not enabled for this client",
    )
    assert _refused(
        idp.admin_initiate_auth,
        UserPoolId=pool["Id"],
        ClientId=default["ClientId"],
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters=credentials,
    ) == ("InvalidParameterException", "Auth flow not enabled for this client")
    assert _refused(
        idp_public.initiate_auth,
        ClientId=default["ClientId"],
        AuthFlow="ADMIN_NO_SRP_AUTH",
        AuthParameters=credentials,
    ) == ("InvalidParameterException", "Initiate Auth method not supported")
    assert _refused(
        idp.admin_initiate_auth,
        UserPoolId=pool["Id"],
        ClientId=default["ClientId"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters=credentials,
    ) == ("InvalidParameterException", "Initiate Auth method not supported")

    srp_only = make_client(ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"])
    assert _refused(
        idp_public.initiate_auth,
        ClientId=srp_only["ClientId"],
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": "anything"},
    ) == ("InvalidParameterException", "Auth flow not enabled for this client")

    # The legacy value enables USER_PASSWORD_AUTH; SRP and refresh stay on, as they were.
    legacy = make_client(ExplicitAuthFlows=["USER_PASSWORD_AUTH"])
    assert (
        "AccessToken"
        in (_password_auth(idp_public, legacy, "ada@example.com", PASSWORD)["AuthenticationResult"])
    )

    assert _refused(
        idp_public.initiate_auth,
        ClientId=make_client(ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])["ClientId"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "ada@example.com"},
    ) == ("InvalidParameterException", "Missing required parameter PASSWORD")


def test_secret_hash_is_required_and_checked_in_every_step(
    idp_public: Any, pool: dict[str, Any], make_client: MakeClient, make_user: MakeUser
) -> None:
    client = make_client(
        GenerateSecret=True,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )
    client_id, secret = client["ClientId"], client["ClientSecret"]
    user = make_user("ada@example.com")

    assert _refused(_password_auth, idp_public, client, "ada@example.com", PASSWORD) == (
        "NotAuthorizedException",
        f"Client {client_id} is configured for secret but secret was not received",
    )
    wrong = compute_secret_hash(secret, "someone@example.com", client_id)
    assert _refused(
        _password_auth, idp_public, client, "ada@example.com", PASSWORD, SECRET_HASH=wrong
    ) == ("NotAuthorizedException", f"Unable to verify secret hash for client {client_id}")

    # Keyed with the name as typed (here the email alias).
    typed = compute_secret_hash(secret, "ada@example.com", client_id)
    result = _password_auth(idp_public, client, "ada@example.com", PASSWORD, SECRET_HASH=typed)[
        "AuthenticationResult"
    ]

    def refresh(secret_hash: str | None) -> dict[str, Any]:
        parameters = {"REFRESH_TOKEN": result["RefreshToken"]}
        if secret_hash is not None:
            parameters["SECRET_HASH"] = secret_hash
        return dict(
            idp_public.initiate_auth(
                ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters=parameters
            )
        )

    # Refresh accepts the internal username (Cognito's docs) and the sign-in alias (the seed).
    assert (
        "AccessToken"
        in refresh(compute_secret_hash(secret, str(user.sub), client_id))["AuthenticationResult"]
    )
    assert "AccessToken" in refresh(typed)["AuthenticationResult"]
    assert _refused(refresh, None) == (
        "NotAuthorizedException",
        f"Client {client_id} is configured for secret but secret was not received",
    )
    assert _refused(refresh, wrong)[0] == "NotAuthorizedException"


def test_unknown_user_and_wrong_password_look_the_same_when_existence_errors_are_hidden(
    idp_public: Any,
    pool: dict[str, Any],
    make_client: MakeClient,
    make_user: MakeUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    flows = ["ALLOW_USER_PASSWORD_AUTH"]
    hidden = make_client(ExplicitAuthFlows=flows, PreventUserExistenceErrors="ENABLED")
    legacy = make_client(ExplicitAuthFlows=flows, PreventUserExistenceErrors="LEGACY")
    make_user("ada@example.com")
    verified: list[str] = []
    real_check = passwords.check_password

    def counting_check(raw: str, encoded: str, *args: Any, **kwargs: Any) -> bool:
        verified.append(encoded)
        return bool(real_check(raw, encoded, *args, **kwargs))

    monkeypatch.setattr(passwords, "check_password", counting_check)

    wrong_password = _refused(_password_auth, idp_public, hidden, "ada@example.com", "Wrong-1!")
    unknown_user = _refused(_password_auth, idp_public, hidden, "nobody@example.com", PASSWORD)

    assert (
        wrong_password
        == unknown_user
        == (
            "NotAuthorizedException",
            "Incorrect username or password.",
        )
    )
    # One password hash verified in both cases: a miss costs what a hit costs.
    assert len(verified) == 2
    assert _refused(_password_auth, idp_public, legacy, "nobody@example.com", PASSWORD) == (
        "UserNotFoundException",
        "User does not exist.",
    )


def test_user_status_answers_in_cognitos_order(
    idp_public: Any, pool: dict[str, Any], make_client: MakeClient, make_user: MakeUser
) -> None:
    client = make_client(
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"], PreventUserExistenceErrors="LEGACY"
    )
    make_user("off@example.com", enabled=False)
    make_user("new@example.com", status=UserStatus.UNCONFIRMED)
    make_user("reset@example.com", status=UserStatus.RESET_REQUIRED)
    expired = make_user("old@example.com", status=UserStatus.FORCE_CHANGE_PASSWORD, temporary=True)
    PoolUser.objects.filter(pk=expired.pk).update(
        temporary_password_expires=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    )

    assert _refused(_password_auth, idp_public, client, "off@example.com", PASSWORD) == (
        "NotAuthorizedException",
        "User is disabled.",
    )
    # UserNotConfirmedException even with a wrong password (amazon-cognito-identity-js#288).
    for password in (PASSWORD, "Wrong-Password-1!"):
        assert _refused(_password_auth, idp_public, client, "new@example.com", password) == (
            "UserNotConfirmedException",
            "User is not confirmed.",
        )
    assert _refused(_password_auth, idp_public, client, "reset@example.com", PASSWORD) == (
        "PasswordResetRequiredException",
        "Password reset required for the user",
    )
    assert _refused(_password_auth, idp_public, client, "old@example.com", PASSWORD) == (
        "NotAuthorizedException",
        "Temporary password has expired and must be reset by an administrator.",
    )


def test_new_password_required_sets_password_and_attributes_once(
    idp: Any, idp_public: Any, make_client: MakeClient, make_user: MakeUser
) -> None:
    pool = idp.create_user_pool(
        PoolName="required-name",
        UsernameAttributes=["email"],
        Schema=[{"Name": "name", "AttributeDataType": "String", "Required": True, "Mutable": True}],
    )["UserPool"]
    client = make_client(user_pool_id=pool["Id"], ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])
    user = make_user(
        "new@example.com",
        user_pool_id=pool["Id"],
        status=UserStatus.FORCE_CHANGE_PASSWORD,
        temporary=True,
    )

    challenge = _password_auth(idp_public, client, "new@example.com", PASSWORD)

    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert "AuthenticationResult" not in challenge
    assert len(challenge["Session"]) >= 20
    parameters = challenge["ChallengeParameters"]
    assert parameters["USER_ID_FOR_SRP"] == str(user.sub)
    assert json.loads(parameters["requiredAttributes"]) == ["userAttributes.name"]
    assert json.loads(parameters["userAttributes"])["email"] == "new@example.com"

    def answer(session: str, **responses: str) -> dict[str, Any]:
        return dict(
            idp_public.respond_to_auth_challenge(
                ClientId=client["ClientId"],
                ChallengeName="NEW_PASSWORD_REQUIRED",
                Session=session,
                ChallengeResponses={"USERNAME": parameters["USER_ID_FOR_SRP"], **responses},
            )
        )

    session = challenge["Session"]
    assert _refused(answer, session, NEW_PASSWORD=NEW_PASSWORD) == (
        "InvalidParameterException",
        "Invalid attributes given, name is missing",
    )
    assert _refused(answer, session, NEW_PASSWORD="short", **{"userAttributes.name": "Ada"}) == (
        "InvalidPasswordException",
        "Password does not conform to policy: Password not long enough",
    )
    done = answer(session, NEW_PASSWORD=NEW_PASSWORD, **{"userAttributes.name": "Ada"})
    assert done["ChallengeParameters"] == {}
    assert "ChallengeName" not in done
    assert "AccessToken" in done["AuthenticationResult"]
    assert _refused(
        answer, session, NEW_PASSWORD=NEW_PASSWORD, **{"userAttributes.name": "Ada"}
    ) == (
        "NotAuthorizedException",
        "Invalid session for the user, session can only be used once.",
    )

    user.refresh_from_db()
    assert user.status == UserStatus.CONFIRMED
    assert user.attributes["name"] == "Ada"
    assert user.temporary_password_expires is None
    assert AuditEvent.objects.filter(user=user, event="password_changed").exists()
    assert (
        "AccessToken"
        in (
            _password_auth(idp_public, client, "new@example.com", NEW_PASSWORD)[
                "AuthenticationResult"
            ]
        )
    )


def test_challenge_sessions_are_tamper_proof_and_expire(
    idp_public: Any,
    pool: dict[str, Any],
    make_client: MakeClient,
    make_user: MakeUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = make_client(ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"], AuthSessionValidity=3)
    user = make_user("new@example.com", status=UserStatus.FORCE_CHANGE_PASSWORD, temporary=True)
    session = _password_auth(idp_public, client, "new@example.com", PASSWORD)["Session"]

    def answer(session_value: str, challenge: str = "NEW_PASSWORD_REQUIRED") -> Any:
        return idp_public.respond_to_auth_challenge(
            ClientId=client["ClientId"],
            ChallengeName=challenge,
            Session=session_value,
            ChallengeResponses={"USERNAME": str(user.sub), "NEW_PASSWORD": NEW_PASSWORD},
        )

    flipped = session[:30] + ("A" if session[30] != "A" else "B") + session[31:]
    assert _refused(answer, flipped) == ("NotAuthorizedException", "Invalid session for the user.")
    # A session is good only for the challenge it was issued for.
    assert _refused(answer, session, "SMS_MFA")[0] == "NotAuthorizedException"

    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=3, seconds=5)
    monkeypatch.setattr(auth_flows.timezone, "now", lambda: later)
    assert _refused(answer, session) == (
        "NotAuthorizedException",
        "Invalid session for the user, session is expired.",
    )


def test_lockout_escalates_and_expires_for_real_and_unknown_names(
    idp_public: Any,
    pool: dict[str, Any],
    make_client: MakeClient,
    make_user: MakeUser,
    lockout_clock: LockoutClock,
) -> None:
    client = make_client(
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"], PreventUserExistenceErrors="ENABLED"
    )
    make_user("ada@example.com")

    for name in ("ada@example.com", "nobody@example.com"):
        for _ in range(lockout.FREE_FAILURES):
            assert _refused(_password_auth, idp_public, client, name, "Wrong-Password-1!") == (
                "NotAuthorizedException",
                "Incorrect username or password.",
            )
        # Locked for the first wait: even the right password is not checked.
        assert _refused(_password_auth, idp_public, client, name, PASSWORD) == (
            "NotAuthorizedException",
            "Password attempts exceeded",
        )

    lockout_clock.advance(lockout.FIRST_WAIT_SECONDS + 1)
    assert (
        "AccessToken"
        in (_password_auth(idp_public, client, "ada@example.com", PASSWORD)["AuthenticationResult"])
    )
    # The success cleared the count: one more failure does not lock again.
    _refused(_password_auth, idp_public, client, "ada@example.com", "Wrong-Password-1!")
    assert (
        "AccessToken"
        in (_password_auth(idp_public, client, "ada@example.com", PASSWORD)["AuthenticationResult"])
    )


def test_lockout_waits_double_up_to_fifteen_minutes() -> None:
    waits = [lockout.wait_after(failures) for failures in range(1, 20)]
    assert waits[:4] == [0, 0, 0, 0]
    assert waits[4:8] == [1, 2, 4, 8]
    assert max(waits) == lockout.MAX_WAIT_SECONDS == 900


def test_user_auth_with_a_preferred_challenge_or_select_challenge(
    idp_public: Any, pool: dict[str, Any], make_client: MakeClient, make_user: MakeUser
) -> None:
    client = make_client(ExplicitAuthFlows=["ALLOW_USER_AUTH"])
    make_user("ada@example.com")

    def user_auth(**parameters: str) -> dict[str, Any]:
        return dict(
            idp_public.initiate_auth(
                ClientId=client["ClientId"],
                AuthFlow="USER_AUTH",
                AuthParameters={"USERNAME": "ada@example.com", **parameters},
            )
        )

    direct = user_auth(PREFERRED_CHALLENGE="PASSWORD", PASSWORD=PASSWORD)
    assert "AccessToken" in direct["AuthenticationResult"]

    selection = user_auth()
    assert selection["ChallengeName"] == "SELECT_CHALLENGE"
    assert selection["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP"]
    assert "AuthenticationResult" not in selection

    def select(answer: dict[str, str]) -> dict[str, Any]:
        return dict(
            idp_public.respond_to_auth_challenge(
                ClientId=client["ClientId"],
                ChallengeName="SELECT_CHALLENGE",
                Session=selection["Session"],
                ChallengeResponses={"USERNAME": "ada@example.com", **answer},
            )
        )

    assert _refused(select, {"ANSWER": "EMAIL_OTP"})[0] == "InvalidParameterException"
    chosen = select({"ANSWER": "PASSWORD", "PASSWORD": PASSWORD})
    assert "AccessToken" in chosen["AuthenticationResult"]
    assert _refused(select, {"ANSWER": "PASSWORD", "PASSWORD": PASSWORD}) == (
        "NotAuthorizedException",
        "Invalid session for the user, session can only be used once.",
    )

    # The flow must be allowed like any other.
    srp_client = make_client()
    assert _refused(
        idp_public.initiate_auth,
        ClientId=srp_client["ClientId"],
        AuthFlow="USER_AUTH",
        AuthParameters={"USERNAME": "ada@example.com"},
    ) == ("InvalidParameterException", "Auth flow not enabled for this client")


def test_hosted_ui_password_sign_in_ignores_explicit_auth_flows(
    make_client: MakeClient, make_user: MakeUser
) -> None:
    client = get_app_client(make_client(ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"])["ClientId"])
    user = make_user("ada@example.com")

    before = timezone.now()
    step = auth_flows.password_sign_in(client=client, username="ada@example.com", password=PASSWORD)

    # The hosted UI signs in with a cookie: the verified user and when, no tokens minted.
    assert step.challenge_name is None
    assert step.tokens is None
    assert step.user == user
    assert step.auth_time is not None
    assert before <= step.auth_time <= timezone.now()
    assert not RefreshToken.objects.filter(user=user).exists()
    assert not AccessToken.objects.filter(user=user).exists()
    with pytest.raises(NotAuthorizedException):
        auth_flows.password_sign_in(client=client, username="ada@example.com", password="nope")


def test_new_password_required_cannot_verify_an_address_the_user_never_proved(
    idp: Any, idp_public: Any, make_client: MakeClient, make_user: MakeUser
) -> None:
    pool = idp.create_user_pool(PoolName="alias-email", AliasAttributes=["email"])["UserPool"]
    client = make_client(user_pool_id=pool["Id"], ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])
    make_user(
        "invited",
        user_pool_id=pool["Id"],
        status=UserStatus.FORCE_CHANGE_PASSWORD,
        temporary=True,
        attributes={"email": "invited@example.com", "email_verified": "true"},
    )

    def answer(**attributes: str) -> dict[str, Any]:
        session = _password_auth(idp_public, client, "invited", PASSWORD)["Session"]
        return dict(
            idp_public.respond_to_auth_challenge(
                ClientId=client["ClientId"],
                ChallengeName="NEW_PASSWORD_REQUIRED",
                Session=session,
                ChallengeResponses={
                    "USERNAME": "invited",
                    "NEW_PASSWORD": NEW_PASSWORD,
                    **{f"userAttributes.{name}": value for name, value in attributes.items()},
                },
            )
        )

    # The verified flag is the verification flow's (or an administrator's) to set.
    assert _refused(answer, email="other@example.com", email_verified="true") == (
        "NotAuthorizedException",
        "A client attempted to write unauthorized attribute",
    )
    assert "AuthenticationResult" in answer(email="other@example.com")
    found = idp.admin_get_user(UserPoolId=pool["Id"], Username="invited")
    attributes = {a["Name"]: a["Value"] for a in found["UserAttributes"]}
    assert attributes["email"] == "other@example.com"
    assert attributes["email_verified"] == "false"
    # So the unproven address is no sign-in alias.
    assert _refused(_password_auth, idp_public, client, "other@example.com", NEW_PASSWORD)[0] in {
        "NotAuthorizedException",
        "UserNotFoundException",
    }
