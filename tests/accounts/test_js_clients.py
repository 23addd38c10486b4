"""The JavaScript clients apps ship, run in Node against the live server: AWS Amplify v6
(tests/node/amplify.js) and amazon-cognito-identity-js beyond sign-in
(tests/node/identity_js.js). Each script prints one JSON line per step and asks for what only
this side knows — a code from the mail actually sent, a TOTP code from the secret it printed
— on stdout, reading the answer from stdin. The tests assert on both the script's view and
the server's state."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
import pyotp
import pytest
from botocore.exceptions import ClientError

from accounts.models import AuditEvent, PoolUser, TotpDevice, UserStatus
from accounts.services import passwords
from identity.models import Identity, IssuedCredential
from tests.accounts.conftest import PASSWORD, MakeClient, MakeUser
from tests.mail import Mailbox

NODE_DIR = Path(__file__).resolve().parents[1] / "node"
NEW_PASSWORD = "Another-Horse-7-Staple"
# A whole scenario takes seconds; this only bounds a script that stopped answering.
NODE_DEADLINE_SECONDS = 180
Answer = Callable[[dict[str, Any]], str]


def _claims(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def run_node(script: str, options: dict[str, Any], answers: dict[str, Answer]) -> dict[str, Any]:
    """Run ``script`` with ``options``; each ``{"ask": name}`` it prints is answered with
    ``answers[name](request)``. Returns ``{"steps": {name: output}, "done"|"error": ...}``
    (a step printed twice keeps its last output)."""
    node = shutil.which("node")
    assert node is not None, "node is installed by scripts/test-deps.sh"
    assert (NODE_DIR / "node_modules" / "aws-amplify").is_dir(), (
        "tests/node's packages are installed by scripts/test-deps.sh (npm ci)"
    )
    # stderr goes to a file, not a pipe: a script logging more than a pipe holds while
    # this side reads stdout would block both for good. A watchdog kills a script that
    # stops answering, so a stuck client fails the test instead of hanging the suite.
    with tempfile.TemporaryFile(mode="w+") as stderr_file:
        process = subprocess.Popen(
            [node, script, json.dumps(options)],
            cwd=NODE_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr_file,
            text=True,
            bufsize=1,
        )
        watchdog = threading.Timer(NODE_DEADLINE_SECONDS, process.kill)
        watchdog.start()
        assert process.stdin is not None
        assert process.stdout is not None
        outcome: dict[str, Any] = {"steps": {}, "asked": []}
        try:
            for line in process.stdout:
                message = json.loads(line)
                if "ask" in message:
                    outcome["asked"].append(message["ask"])
                    process.stdin.write(answers[message["ask"]](message) + "\n")
                    process.stdin.flush()
                elif "step" in message:
                    outcome["steps"][message.pop("step")] = message
                else:
                    outcome.update(message)
            process.wait(timeout=60)
        finally:
            watchdog.cancel()
            if process.poll() is None:
                process.kill()
                process.wait()
        stderr_file.seek(0)
        stderr = stderr_file.read()
    assert process.returncode == 0, (
        f"{script} exited {process.returncode} (killed after {NODE_DEADLINE_SECONDS} s "
        f"if negative); steps so far {outcome}; stderr:\n{stderr}"
    )
    return outcome


def _code_from(mailbox: Mailbox) -> Answer:
    return lambda request: mailbox.code_for(request["address"])


def _authenticator_app() -> Answer:
    """Codes for the secret asked about, each from a later 30-second step than the last: the
    server accepts one step either side and spends each code once."""
    steps_ahead = iter(range(3))

    def code(request: dict[str, Any]) -> str:
        return str(pyotp.TOTP(request["secret"]).at(time.time() + 30 * next(steps_ahead)))

    return code


def test_amplify_signs_up_confirms_signs_in_gets_credentials_updates_and_signs_out_globally(
    idp_public: Any,
    cognito_identity: Any,
    pool: dict[str, Any],
    make_client: MakeClient,
    mailbox: Mailbox,
    settings: Any,
    live_server: Any,
) -> None:
    settings.PUBLIC_URL = str(live_server.url)
    client = make_client()
    identity_pool_id = cognito_identity.create_identity_pool(
        IdentityPoolName="amplify",
        AllowUnauthenticatedIdentities=False,
        CognitoIdentityProviders=[
            {
                "ProviderName": f"cognito-idp.us-east-1.amazonaws.com/{pool['Id']}",
                "ClientId": client["ClientId"],
            }
        ],
    )["IdentityPoolId"]
    cognito_identity.set_identity_pool_roles(
        IdentityPoolId=identity_pool_id,
        Roles={"authenticated": "arn:aws:iam::123456789012:role/amplify-auth"},
    )

    outcome = run_node(
        "amplify.js",
        {
            "scenario": "lifecycle",
            "endpoint": f"{live_server.url}/",
            "userPoolId": pool["Id"],
            "clientId": client["ClientId"],
            "identityPoolId": identity_pool_id,
            "username": "amp@example.com",
            "password": PASSWORD,
            "newPassword": NEW_PASSWORD,
            "newEmail": "amp.new@example.com",
        },
        {"signUpCode": _code_from(mailbox), "attributeCode": _code_from(mailbox)},
    )

    assert outcome.get("done") is True, outcome
    steps = outcome["steps"]
    assert outcome["asked"] == ["signUpCode", "attributeCode"]
    user = PoolUser.objects.get(pool_id=pool["Id"], email="amp.new@example.com")
    assert user.status == UserStatus.CONFIRMED
    assert steps["signUp"]["userId"] == str(user.sub)
    assert steps["signUp"]["nextStep"] == {
        "signUpStep": "CONFIRM_SIGN_UP",
        "codeDeliveryDetails": {
            "destination": "a***@e***",
            "deliveryMedium": "EMAIL",
            "attributeName": "email",
        },
    }
    assert steps["confirmSignUp"] == {"isSignUpComplete": True, "nextStep": "DONE"}
    assert steps["signIn"] == {"isSignedIn": True, "nextStep": "DONE"}

    signed_in = steps["fetchAuthSession"]
    id_claims = _claims(signed_in["idToken"])
    assert id_claims["cognito:username"] == str(user.sub)
    assert id_claims["iss"] == f"{live_server.url}/{pool['Id']}"
    assert _claims(signed_in["accessToken"])["client_id"] == client["ClientId"]
    # Amplify's Logins key is the issuer without its scheme; it resolves to one identity.
    identity = Identity.objects.get(pk=signed_in["identityId"])
    assert identity.pool_id == identity_pool_id
    issued = IssuedCredential.objects.get(access_key_id=signed_in["credentials"]["accessKeyId"])
    assert issued.identity_id == identity.pk
    assert issued.role_arn == "arn:aws:iam::123456789012:role/amplify-auth"
    assert steps["getCurrentUser"] == {
        "username": str(user.sub),
        "userId": str(user.sub),
        "signInDetails": {"loginId": "amp@example.com", "authFlowType": "USER_SRP_AUTH"},
    }
    assert steps["fetchUserAttributes"]["attributes"] == {
        "sub": str(user.sub),
        "email": "amp@example.com",
        "name": "Amplify User",
        "email_verified": "true",
    }
    # email needs verification before it changes (the pool's UserAttributeUpdateSettings).
    assert steps["updateUserAttributes"]["outputs"] == {
        "name": {"isUpdated": True, "updateAttributeStep": "DONE", "deliveryMedium": None},
        "email": {
            "isUpdated": False,
            "updateAttributeStep": "CONFIRM_ATTRIBUTE_WITH_CODE",
            "deliveryMedium": "EMAIL",
        },
    }
    assert steps["confirmUserAttribute"]["attributes"] == {
        "sub": str(user.sub),
        "email": "amp.new@example.com",
        "name": "Renamed User",
        "email_verified": "true",
    }
    assert user.attributes["name"] == "Renamed User"
    assert passwords.check_user_password(user, NEW_PASSWORD)
    assert not passwords.check_user_password(user, PASSWORD)

    # The forced refresh after the password change: new tokens with the new claims, same
    # identity, new credentials.
    refreshed = steps["refreshedSession"]
    assert _claims(refreshed["idToken"])["email"] == "amp.new@example.com"
    assert _claims(refreshed["idToken"])["auth_time"] == id_claims["auth_time"]
    assert refreshed["identityId"] == signed_in["identityId"]
    assert refreshed["credentials"]["accessKeyId"] != signed_in["credentials"]["accessKeyId"]

    # signOut({global: true}) is GlobalSignOut: every token the user held is refused.
    assert steps["sessionAfterSignOut"]["hasTokens"] is False
    for access_token in (signed_in["accessToken"], refreshed["accessToken"]):
        with pytest.raises(ClientError) as revoked:
            idp_public.get_user(AccessToken=access_token)
        assert revoked.value.response["Error"]["Code"] == "NotAuthorizedException"
    assert AuditEvent.objects.filter(user=user, event="global_sign_out").exists()


def _amplify_options(
    live_server: Any, pool_id: str, client: dict[str, Any], **options: Any
) -> dict[str, Any]:
    return {
        "endpoint": f"{live_server.url}/",
        "userPoolId": pool_id,
        "clientId": client["ClientId"],
        **options,
    }


def test_amplify_enrols_totp_and_confirms_sign_in_with_a_code_after_a_wrong_one(
    idp: Any, pool: dict[str, Any], make_client: MakeClient, make_user: MakeUser, live_server: Any
) -> None:
    client = make_client()
    user = make_user("totp@example.com")

    outcome = run_node(
        "amplify.js",
        _amplify_options(
            live_server,
            pool["Id"],
            client,
            scenario="totp",
            username="totp@example.com",
            password=PASSWORD,
        ),
        {
            "totpCode": _authenticator_app(),
            "wrongTotpCode": lambda request: "000000",
        },
    )

    assert outcome.get("done") is True, outcome
    assert outcome["asked"] == ["totpCode", "wrongTotpCode", "totpCode"]
    steps = outcome["steps"]
    device = TotpDevice.objects.get(user=user, verified=True)
    assert device.friendly_name == "Amplify"
    assert steps["setUpTOTP"]["uri"] == (
        "otpauth://totp/Tessera:totp@example.com"
        f"?secret={steps['setUpTOTP']['sharedSecret']}&issuer=Tessera"
    )
    assert steps["mfaPreference"]["preference"] == {"preferred": "TOTP", "enabled": ["TOTP"]}
    assert (
        idp.admin_get_user(UserPoolId=pool["Id"], Username="totp@example.com")[
            "PreferredMfaSetting"
        ]
        == "SOFTWARE_TOKEN_MFA"
    )
    assert steps["signInAgain"] == {
        "isSignedIn": False,
        "nextStep": "CONFIRM_SIGN_IN_WITH_TOTP_CODE",
    }
    assert steps["wrongCode"] == {
        "accepted": False,
        "name": "CodeMismatchException",
        "message": "Invalid code received for user",
    }
    # The pending sign-in's Session took the right code after the wrong one.
    assert steps["confirmSignIn"] == {"isSignedIn": True, "nextStep": "DONE"}
    assert _claims(steps["fetchAuthSession"]["accessToken"])["sub"] == str(user.sub)


def test_amplify_sets_up_totp_during_sign_in_when_the_pool_requires_mfa(
    idp: Any, pool: dict[str, Any], make_client: MakeClient, make_user: MakeUser, live_server: Any
) -> None:
    idp.set_user_pool_mfa_config(
        UserPoolId=pool["Id"],
        SoftwareTokenMfaConfiguration={"Enabled": True},
        MfaConfiguration="ON",
    )
    client = make_client()
    user = make_user("setup@example.com")

    outcome = run_node(
        "amplify.js",
        _amplify_options(
            live_server,
            pool["Id"],
            client,
            scenario="totpSetupDuringSignIn",
            username="setup@example.com",
            password=PASSWORD,
        ),
        {"totpCode": _authenticator_app()},
    )

    assert outcome.get("done") is True, outcome
    steps = outcome["steps"]
    secret = steps["signIn"]["sharedSecret"]
    assert steps["signIn"] == {
        "isSignedIn": False,
        "nextStep": "CONTINUE_SIGN_IN_WITH_TOTP_SETUP",
        "sharedSecret": secret,
    }
    assert steps["confirmSignIn"] == {"isSignedIn": True, "nextStep": "DONE"}
    assert _claims(steps["fetchAuthSession"]["idToken"])["sub"] == str(user.sub)
    device = TotpDevice.objects.get(user=user)
    assert device.verified
    me = idp.admin_get_user(UserPoolId=pool["Id"], Username="setup@example.com")
    assert me["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]


def test_amplify_resets_a_forgotten_password_with_the_mailed_code(
    pool: dict[str, Any],
    make_client: MakeClient,
    make_user: MakeUser,
    mailbox: Mailbox,
    live_server: Any,
) -> None:
    client = make_client()
    user = make_user("forgot@example.com")

    outcome = run_node(
        "amplify.js",
        _amplify_options(
            live_server,
            pool["Id"],
            client,
            scenario="reset",
            username="forgot@example.com",
            newPassword=NEW_PASSWORD,
        ),
        {"resetCode": _code_from(mailbox)},
    )

    assert outcome.get("done") is True, outcome
    steps = outcome["steps"]
    assert steps["resetPassword"] == {
        "isPasswordReset": False,
        "nextStep": "CONFIRM_RESET_PASSWORD_WITH_CODE",
        "deliveryMedium": "EMAIL",
        "destination": "f***@e***",
    }
    assert steps["signIn"] == {"isSignedIn": True, "nextStep": "DONE"}
    assert _claims(steps["fetchAuthSession"]["accessToken"])["sub"] == str(user.sub)
    user.refresh_from_db()
    assert passwords.check_user_password(user, NEW_PASSWORD)
    assert not passwords.check_user_password(user, PASSWORD)


def test_amplify_auto_signs_in_after_confirm_sign_up_with_srp_and_with_user_auth(
    pool: dict[str, Any], make_client: MakeClient, mailbox: Mailbox, live_server: Any
) -> None:
    client = make_client(
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    )

    def sign_up_and_auto_sign_in(email: str, auto_sign_in: Any) -> list[dict[str, Any]]:
        return [
            {
                "call": "signUp",
                "input": {
                    "username": email,
                    "password": PASSWORD,
                    "options": {"autoSignIn": auto_sign_in},
                },
            },
            {
                "call": "confirmSignUp",
                "input": {
                    "username": email,
                    "confirmationCode": {"$ask": "code", "address": email},
                },
                "as": f"confirmSignUp {email}",
            },
            {"call": "autoSignIn", "as": f"autoSignIn {email}"},
            {"call": "getCurrentUser", "as": f"getCurrentUser {email}"},
            {"call": "signOut", "input": {}},
        ]

    # One Node process per sign-up: Amplify debounces autoSignIn() for 300 ms
    # (signUpHelpers.mjs), so a second autoSignIn within 300 ms of the first in the same
    # process is dropped and its promise never settles — on a fast run the second scenario
    # hung there.
    scenarios = (
        # autoSignIn: true signs in again with the password (USER_SRP_AUTH).
        ("srp@example.com", "USER_SRP_AUTH", True),
        # USER_AUTH signs in with ConfirmSignUp's Session: no password is sent.
        ("otp@example.com", "USER_AUTH", {"authFlowType": "USER_AUTH"}),
    )
    for email, flow, auto_sign_in in scenarios:
        outcome = run_node(
            "amplify.js",
            _amplify_options(
                live_server,
                pool["Id"],
                client,
                scenario="calls",
                calls=sign_up_and_auto_sign_in(email, auto_sign_in),
            ),
            {"code": _code_from(mailbox)},
        )
        assert outcome.get("done") is True, outcome
        steps = outcome["steps"]
        user = PoolUser.objects.get(pool_id=pool["Id"], email=email)
        assert user.status == UserStatus.CONFIRMED
        assert steps[f"confirmSignUp {email}"]["output"] == {
            "isSignUpComplete": True,
            "nextStep": {"signUpStep": "COMPLETE_AUTO_SIGN_IN"},
        }
        assert steps[f"autoSignIn {email}"]["output"] == {
            "isSignedIn": True,
            "nextStep": {"signInStep": "DONE"},
        }, email
        assert steps[f"getCurrentUser {email}"]["output"] == {
            "username": str(user.sub),
            "userId": str(user.sub),
            "signInDetails": {"loginId": email, "authFlowType": flow},
        }


def test_confirm_sign_up_session_signs_in_once_only_the_user_it_confirmed(
    idp: Any, idp_public: Any, pool: dict[str, Any], make_client: MakeClient, mailbox: Mailbox
) -> None:
    client = make_client(ExplicitAuthFlows=["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    other_client = make_client(ExplicitAuthFlows=["ALLOW_USER_AUTH"])
    for email in ("first@example.com", "second@example.com"):
        idp_public.sign_up(ClientId=client["ClientId"], Username=email, Password=PASSWORD)
    confirmed = idp_public.confirm_sign_up(
        ClientId=client["ClientId"],
        Username="first@example.com",
        ConfirmationCode=mailbox.code_for("first@example.com"),
    )
    session = confirmed["Session"]

    def user_auth(username: str, client_id: str = client["ClientId"]) -> Any:
        return idp_public.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_AUTH",
            AuthParameters={"USERNAME": username},
            Session=session,
        )

    for refused_username, client_id in (
        ("second@example.com", client["ClientId"]),  # another user's name
        ("first@example.com", other_client["ClientId"]),  # another client
    ):
        with pytest.raises(ClientError) as refused:
            user_auth(refused_username, client_id)
        assert refused.value.response["Error"] == {
            "Code": "NotAuthorizedException",
            "Message": "Invalid session for the user.",
        }
    signed_in = user_auth("first@example.com")["AuthenticationResult"]
    first = PoolUser.objects.get(pool_id=pool["Id"], email="first@example.com")
    assert _claims(signed_in["AccessToken"])["sub"] == str(first.sub)
    with pytest.raises(ClientError) as reused:
        user_auth("first@example.com")
    assert reused.value.response["Error"]["Message"] == (
        "Invalid session for the user, session can only be used once."
    )
    # Without the Session, USER_AUTH still starts with the factor choice.
    choice = idp_public.initiate_auth(
        ClientId=client["ClientId"],
        AuthFlow="USER_AUTH",
        AuthParameters={"USERNAME": "first@example.com"},
    )
    assert choice["ChallengeName"] == "SELECT_CHALLENGE"


def test_identity_js_signs_up_confirms_reads_and_updates_attributes_changes_password_and_signs_out(
    idp_public: Any, pool: dict[str, Any], make_client: MakeClient, mailbox: Mailbox, endpoint: str
) -> None:
    client = make_client()

    outcome = run_node(
        "identity_js.js",
        {
            "scenario": "lifecycle",
            "endpoint": endpoint,
            "userPoolId": pool["Id"],
            "clientId": client["ClientId"],
            "username": "js@example.com",
            "password": PASSWORD,
            "newPassword": NEW_PASSWORD,
        },
        {"signUpCode": _code_from(mailbox)},
    )

    assert outcome.get("done") is True, outcome
    steps = outcome["steps"]
    user = PoolUser.objects.get(pool_id=pool["Id"], email="js@example.com")
    assert user.status == UserStatus.CONFIRMED
    assert steps["signUp"] == {
        "userSub": str(user.sub),
        "userConfirmed": False,
        "codeDeliveryDetails": {
            "Destination": "j***@e***",
            "DeliveryMedium": "EMAIL",
            "AttributeName": "email",
        },
    }
    assert steps["confirmRegistration"] == {"result": "SUCCESS"}
    assert steps["authenticateUser"]["username"] == str(user.sub)
    assert steps["getUserAttributes"]["attributes"] == {
        "sub": str(user.sub),
        "email": "js@example.com",
        "name": "Identity JS",
        "email_verified": "true",
    }
    assert steps["updateAttributes"] == {
        "result": "SUCCESS",
        "details": {"CodeDeliveryDetailsList": []},
    }
    assert user.attributes["name"] == "Renamed JS"
    assert steps["changePassword"] == {"result": "SUCCESS"}
    assert passwords.check_user_password(user, NEW_PASSWORD)
    assert steps["globalSignOut"] == {"result": "SUCCESS"}
    assert steps["afterSignOut"] == {
        "refused": True,
        "code": "NotAuthorizedException",
        "message": "Access Token has been revoked",
    }
    with pytest.raises(ClientError) as refreshed:
        idp_public.initiate_auth(
            ClientId=client["ClientId"],
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": steps["authenticateUser"]["refreshToken"]},
        )
    assert refreshed.value.response["Error"]["Code"] == "NotAuthorizedException"
    assert steps["oldPassword"] == {
        "accepted": False,
        "code": "NotAuthorizedException",
        "message": "Incorrect username or password.",
    }
    assert _claims(steps["newPassword"]["accessToken"])["sub"] == str(user.sub)


def test_identity_js_sets_up_totp_in_mfa_setup_then_answers_totp_required(
    idp: Any, pool: dict[str, Any], make_client: MakeClient, make_user: MakeUser, endpoint: str
) -> None:
    idp.set_user_pool_mfa_config(
        UserPoolId=pool["Id"],
        SoftwareTokenMfaConfiguration={"Enabled": True},
        MfaConfiguration="ON",
    )
    client = make_client()
    user = make_user("jsmfa@example.com")

    outcome = run_node(
        "identity_js.js",
        {
            "scenario": "mfa",
            "endpoint": endpoint,
            "userPoolId": pool["Id"],
            "clientId": client["ClientId"],
            "username": "jsmfa@example.com",
            "password": PASSWORD,
        },
        {"totpCode": _authenticator_app()},
    )

    assert outcome.get("done") is True, outcome
    assert outcome["asked"] == ["totpCode", "totpCode"]
    steps = outcome["steps"]
    assert steps["authenticateUser"] == {"challenge": "mfaSetup", "challengeName": "MFA_SETUP"}
    device = TotpDevice.objects.get(user=user)
    assert device.verified
    assert device.friendly_name == "Identity JS phone"
    assert _claims(steps["verifySoftwareToken"]["accessToken"])["sub"] == str(user.sub)
    assert steps["authenticateAgain"] == {
        "challenge": "totpRequired",
        "challengeName": "SOFTWARE_TOKEN_MFA",
    }
    assert _claims(steps["sendMFACode"]["idToken"])["email"] == "jsmfa@example.com"
    me = idp.admin_get_user(UserPoolId=pool["Id"], Username="jsmfa@example.com")
    assert me["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
