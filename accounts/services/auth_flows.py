"""The sign-in state machine behind InitiateAuth, AdminInitiateAuth, RespondToAuthChallenge
and AdminRespondToAuthChallenge (reference §2); the hosted UI calls the same functions.

Every path that checks a password ends in ``_after_password_check`` (lockout, user-existence
hiding, user status) and then ``next_step_after_password``, the one place that decides
what follows a verified password: the end of sign-in, or a second factor as
accounts.services.mfa requires it (SMS_MFA, SOFTWARE_TOKEN_MFA, EMAIL_OTP, SELECT_MFA_TYPE,
MFA_SETUP). Wrong MFA codes count toward the same lockout as wrong passwords.

The state machine ends with the user authenticated (``AuthStep.authenticated``, with its
``auth_time``), minting nothing. Each transport finishes it its own way: the API entry
points (``initiate_auth``, ``respond_to_auth_challenge`` and their Admin twins) mint the
AuthenticationResult with oauth.services.tokens.issue_token_set; the hosted UI's
(``password_sign_in``, ``answer_challenge``) hand the user back for its sign-in cookie, as
its tokens come later from ``/oauth2/token``. Challenge state travels with
the client, sealed with AES-GCM under a key derived from SECRET_KEY: ``SECRET_BLOCK``
carries the SRP handshake (real clients send no Session with PASSWORD_VERIFIER, reference
§2.2) and ``Session`` the pending challenge. Both expire after the client's
AuthSessionValidity and are single-use (their ids are remembered in the cache until they
expire). With the shared cache unreachable, the ids are remembered in this process's memory
(core.cache): a replay to the same process is still refused, one to another worker within
the outage is not, which is the degraded guarantee chosen over refusing every sign-in.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import enum
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from accounts.models import AuditEvent, PoolUser, UserPool, UserStatus
from accounts.selectors import get_user_by_alias
from accounts.services import attributes as attribute_rules
from accounts.services import lockout, mfa, passwords, pools, self_service, srp, users
from core import ids
from core.cache import add_once
from core.errors import (
    CodeMismatchException,
    InvalidParameterException,
    NotAuthorizedException,
    PasswordResetRequiredException,
    ResourceNotFoundException,
    UserNotConfirmedException,
    UserNotFoundException,
)
from oauth.services import tokens
from oauth.services.clients import get_app_client, verify_secret_hash
from oauth.services.tokens import TokenSet

if TYPE_CHECKING:
    from oauth.models import AppClient


class AuthFlow(enum.StrEnum):
    USER_SRP_AUTH = "USER_SRP_AUTH"
    USER_PASSWORD_AUTH = "USER_PASSWORD_AUTH"
    ADMIN_USER_PASSWORD_AUTH = "ADMIN_USER_PASSWORD_AUTH"
    ADMIN_NO_SRP_AUTH = "ADMIN_NO_SRP_AUTH"
    REFRESH_TOKEN_AUTH = "REFRESH_TOKEN_AUTH"
    REFRESH_TOKEN = "REFRESH_TOKEN"
    CUSTOM_AUTH = "CUSTOM_AUTH"
    USER_AUTH = "USER_AUTH"


class Challenge(enum.StrEnum):
    PASSWORD_VERIFIER = "PASSWORD_VERIFIER"
    NEW_PASSWORD_REQUIRED = "NEW_PASSWORD_REQUIRED"
    SELECT_CHALLENGE = "SELECT_CHALLENGE"
    SMS_MFA = "SMS_MFA"
    SOFTWARE_TOKEN_MFA = "SOFTWARE_TOKEN_MFA"
    EMAIL_OTP = "EMAIL_OTP"
    SELECT_MFA_TYPE = "SELECT_MFA_TYPE"
    MFA_SETUP = "MFA_SETUP"


# What a ConfirmSignUp Session is sealed for (no challenge answers with it).
_SIGN_UP_SESSION = "CONFIRM_SIGN_UP"

# USER_AUTH first factors this server offers, under the pool's AllowedFirstAuthFactors
# value that enables them (the PASSWORD factor covers both password challenges).
_FIRST_FACTOR_CHALLENGES = {"PASSWORD": ("PASSWORD", "PASSWORD_SRP")}


@dataclass(frozen=True)
class AuthStep:
    """One answer of the state machine: a challenge to meet, or its end — never both. The
    end is the ``user`` authenticated at ``auth_time``; the API entry points add the
    ``tokens`` minted for it (a refresh has only the tokens)."""

    challenge_name: str | None = None
    challenge_parameters: dict[str, str] = field(default_factory=dict)
    session: str | None = None
    tokens: TokenSet | None = None
    user: PoolUser | None = None
    auth_time: dt.datetime | None = None
    available_challenges: tuple[str, ...] = ()

    @property
    def authenticated(self) -> bool:
        """Sign-in is complete: no challenge left, the user verified at ``auth_time``."""
        return self.challenge_name is None and self.user is not None and self.auth_time is not None


# Which API may start which flow (AdminInitiateAuth vs InitiateAuth, reference §2.1).
_PUBLIC_FLOWS = frozenset(AuthFlow) - {
    AuthFlow.ADMIN_USER_PASSWORD_AUTH,
    AuthFlow.ADMIN_NO_SRP_AUTH,
}
_ADMIN_FLOWS = frozenset(AuthFlow) - {AuthFlow.USER_PASSWORD_AUTH}
# The ExplicitAuthFlows value each flow needs.
_REQUIRED_GRANT = {
    AuthFlow.USER_SRP_AUTH: "ALLOW_USER_SRP_AUTH",
    AuthFlow.USER_PASSWORD_AUTH: "ALLOW_USER_PASSWORD_AUTH",
    AuthFlow.ADMIN_USER_PASSWORD_AUTH: "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    AuthFlow.ADMIN_NO_SRP_AUTH: "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    AuthFlow.REFRESH_TOKEN_AUTH: "ALLOW_REFRESH_TOKEN_AUTH",
    AuthFlow.REFRESH_TOKEN: "ALLOW_REFRESH_TOKEN_AUTH",
    AuthFlow.CUSTOM_AUTH: "ALLOW_CUSTOM_AUTH",
    AuthFlow.USER_AUTH: "ALLOW_USER_AUTH",
}
# Pre-2019 ExplicitAuthFlows values and what they grant.
_LEGACY_GRANTS = {
    "USER_PASSWORD_AUTH": "ALLOW_USER_PASSWORD_AUTH",
    "ADMIN_NO_SRP_AUTH": "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "CUSTOM_AUTH_FLOW_ONLY": "ALLOW_CUSTOM_AUTH",
}
# The API docs ask for the PASSWORD_VERIFIER answer "within a few seconds"; client clocks
# drift, so TIMESTAMP may differ from ours by this much either way.
TIMESTAMP_SKEW = dt.timedelta(minutes=5)
_TIMESTAMP_FORMAT_MESSAGE = "TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english."
_SESSION_EXPIRED = "Invalid session for the user, session is expired."
_SESSION_REUSED = "Invalid session for the user, session can only be used once."
_SESSION_INVALID = "Invalid session for the user."
_TEMPORARY_PASSWORD_EXPIRED = (
    "Temporary password has expired and must be reset by an administrator."
)


# --- entry points ----------------------------------------------------------------------
def initiate_auth(
    *,
    client: AppClient,
    flow: str,
    parameters: Mapping[str, Any],
    session: str | None = None,
) -> AuthStep:
    """InitiateAuth: USER_SRP_AUTH, USER_PASSWORD_AUTH, USER_AUTH (with ConfirmSignUp's
    ``session``: the sign-in right after sign-up), REFRESH_TOKEN(_AUTH)."""
    step = _initiate(
        client=client, flow=flow, parameters=_clean(parameters), admin=False, session=session
    )
    return with_tokens(client, step)


def admin_initiate_auth(
    *,
    user_pool_id: str,
    client: AppClient,
    flow: str,
    parameters: Mapping[str, Any],
    session: str | None = None,
) -> AuthStep:
    """AdminInitiateAuth: ADMIN_USER_PASSWORD_AUTH (and its legacy name ADMIN_NO_SRP_AUTH),
    USER_SRP_AUTH, USER_AUTH, REFRESH_TOKEN(_AUTH)."""
    _check_client_in_pool(user_pool_id, client)
    step = _initiate(
        client=client, flow=flow, parameters=_clean(parameters), admin=True, session=session
    )
    return with_tokens(client, step)


def sign_up_session(client: AppClient, user: PoolUser) -> str:
    """ConfirmSignUp's Session for the user it just confirmed: InitiateAuth USER_AUTH with it
    signs that user in, the confirmation code standing for the first factor (botocore's
    ConfirmSignUp and InitiateAuth ``Session`` docs). Amplify's ``autoSignIn`` with
    ``authFlowType: 'USER_AUTH'`` depends on it. Single-use, and valid for the client's
    AuthSessionValidity like a challenge's Session."""
    return _challenge_session(client, _SIGN_UP_SESSION, user=user)


def respond_to_auth_challenge(
    *,
    client: AppClient,
    challenge_name: str,
    responses: Mapping[str, Any],
    session: str | None,
) -> AuthStep:
    """RespondToAuthChallenge."""
    return with_tokens(client, _respond(client, challenge_name, _clean(responses), session))


def admin_respond_to_auth_challenge(
    *,
    user_pool_id: str,
    client: AppClient,
    challenge_name: str,
    responses: Mapping[str, Any],
    session: str | None,
) -> AuthStep:
    """AdminRespondToAuthChallenge."""
    _check_client_in_pool(user_pool_id, client)
    return with_tokens(client, _respond(client, challenge_name, _clean(responses), session))


def password_sign_in(*, client: AppClient, username: str, password: str) -> AuthStep:
    """The hosted UI's ``/login``: USER_PASSWORD_AUTH's checks (lockout, existence hiding,
    user status, NEW_PASSWORD_REQUIRED) without the client's ExplicitAuthFlows, which
    govern the API only (managed login signs in whatever they are), and without
    SECRET_HASH, since a confidential client proves its secret at ``/oauth2/token``.
    Ends with the authenticated user, no tokens: the page signs in with a cookie."""
    return _password_sign_in(client, username, password)


def answer_challenge(
    *,
    client: AppClient,
    challenge_name: str,
    responses: Mapping[str, Any],
    session: str | None,
) -> AuthStep:
    """The hosted UI's challenge pages: RespondToAuthChallenge's checks, ending with the
    authenticated user rather than tokens (see ``password_sign_in``)."""
    return _respond(client, challenge_name, _clean(responses), session)


def with_tokens(client: AppClient, step: AuthStep) -> AuthStep:
    """The API's answer for ``step``: a completed sign-in gets its AuthenticationResult,
    minted here for ``client``; a challenge (or a refresh's tokens) is returned as is."""
    user, auth_time = step.user, step.auth_time
    if step.challenge_name or step.tokens is not None or user is None or auth_time is None:
        return step
    token_set = tokens.issue_token_set(client=client, user=user, auth_time=auth_time)
    return replace(step, tokens=token_set)


def allowed_auth_flows(client: AppClient) -> frozenset[str]:
    """The ALLOW_* values in force for ``client``, legacy names translated.

    Before the ALLOW_* values existed, SRP and refresh were always on and the legacy
    values only added flows; CUSTOM_AUTH_FLOW_ONLY turned SRP off.
    """
    configured = set(client.effective_auth_flows)
    granted = {name for name in configured if name.startswith("ALLOW_")}
    legacy = configured - granted
    if legacy:
        granted |= {_LEGACY_GRANTS[name] for name in legacy if name in _LEGACY_GRANTS}
        granted.add("ALLOW_REFRESH_TOKEN_AUTH")
        if "CUSTOM_AUTH_FLOW_ONLY" not in legacy:
            granted.add("ALLOW_USER_SRP_AUTH")
    return frozenset(granted)


def next_step_after_password(client: AppClient, user: PoolUser) -> AuthStep:
    """What follows a verified password for a CONFIRMED user: the end of sign-in, or the second
    factor accounts.services.mfa requires (a factor's challenge, SELECT_MFA_TYPE when the
    user has several and prefers none, MFA_SETUP when the pool requires MFA and the user
    has none). After NEW_PASSWORD_REQUIRED this runs too, so a new user of an MFA-ON pool
    sets a password first and then MFA up, as Cognito orders them."""
    requirement = mfa.sign_in_requirement(user)
    if requirement.kind == "challenge":
        return _mfa_challenge(client, user, requirement.factors[0])
    if requirement.kind == "select":
        return AuthStep(
            challenge_name=Challenge.SELECT_MFA_TYPE,
            challenge_parameters={
                "MFAS_CAN_CHOOSE": mfa.factors_json(requirement.factors),
                "USER_ID_FOR_SRP": user.username,
            },
            session=_challenge_session(
                client, Challenge.SELECT_MFA_TYPE, user=user, extra={"f": requirement.factors}
            ),
            user=user,
        )
    if requirement.kind == "setup":
        return AuthStep(
            challenge_name=Challenge.MFA_SETUP,
            challenge_parameters={
                "MFAS_CAN_SETUP": mfa.factors_json(requirement.factors),
                "USER_ID_FOR_SRP": user.username,
            },
            session=_challenge_session(client, Challenge.MFA_SETUP, user=user),
            user=user,
        )
    return _authenticated(user)


def associate_software_token(*, session: str) -> tuple[str, str]:
    """AssociateSoftwareToken with the Session of an MFA_SETUP challenge: a new secret and
    the Session for VerifySoftwareToken (reference §2.2, MFA_SETUP row)."""
    client, payload = _open_setup_session(session)
    user = _session_user(client, payload)
    secret = mfa.associate_software_token(user)
    _consume(payload["j"], _validity(client))
    return secret, _challenge_session(client, Challenge.MFA_SETUP, user=user, extra={"a": 1})


def pending_software_token(*, session: str) -> str:
    """The secret AssociateSoftwareToken gave for this MFA_SETUP Session, still pending (the
    hosted UI shows it again after a wrong code); the Session stays unused."""
    client, payload = _open_setup_session(session)
    secret = mfa.pending_secret(_session_user(client, payload))
    if secret is None:
        raise NotAuthorizedException(_SESSION_INVALID)
    return secret


def verify_software_token(*, session: str, code: str, friendly_name: str = "") -> str:
    """VerifySoftwareToken with an MFA_SETUP Session: the Session that answers MFA_SETUP.
    A wrong code leaves the Session usable for another try."""
    client, payload = _open_setup_session(session)
    user = _session_user(client, payload)
    mfa.verify_software_token(user, code, friendly_name)
    _consume(payload["j"], _validity(client))
    return _challenge_session(client, Challenge.MFA_SETUP, user=user, extra={"v": 1})


def _authenticated(user: PoolUser) -> AuthStep:
    """The end of the state machine: ``user`` is signed in, now."""
    return AuthStep(user=user, auth_time=timezone.now())


# --- flows -----------------------------------------------------------------------------
def _initiate(
    *,
    client: AppClient,
    flow: str,
    parameters: dict[str, str],
    admin: bool,
    session: str | None = None,
) -> AuthStep:
    auth_flow = AuthFlow(flow)
    if auth_flow not in (_ADMIN_FLOWS if admin else _PUBLIC_FLOWS):
        raise InvalidParameterException("Initiate Auth method not supported")
    if _REQUIRED_GRANT[auth_flow] not in allowed_auth_flows(client):
        # Cognito's wording differs per flow; apps match the first two verbatim (reference
        # §2.1, and "USER_SRP_AUTH is not enabled for the client." as SRP clients report it).
        if auth_flow is AuthFlow.USER_PASSWORD_AUTH:
            raise InvalidParameterException("USER_PASSWORD_AUTH flow not enabled for this client")
        if auth_flow is AuthFlow.USER_SRP_AUTH:
            raise InvalidParameterException("USER_SRP_AUTH is not enabled for the client.")
        raise InvalidParameterException("Auth flow not enabled for this client")
    if auth_flow in (AuthFlow.REFRESH_TOKEN_AUTH, AuthFlow.REFRESH_TOKEN):
        return _refresh(client, parameters)
    if auth_flow is AuthFlow.CUSTOM_AUTH:
        # Custom challenges are driven by the pool's Define/Create/Verify Lambda triggers;
        # without them Cognito refuses the flow the same way.
        raise InvalidParameterException(
            "Custom auth lambda trigger is not configured for the user pool."
        )
    username = _required(parameters, "USERNAME")
    verify_secret_hash(client, username, parameters.get("SECRET_HASH"))
    if auth_flow is AuthFlow.USER_AUTH:
        if session:
            return _sign_in_after_sign_up(client, username, session)
        return _start_user_auth(client, username, parameters)
    if auth_flow is AuthFlow.USER_SRP_AUTH:
        return _start_srp(client, username, _required(parameters, "SRP_A"))
    return _password_sign_in(client, username, _required(parameters, "PASSWORD"))


def _start_user_auth(client: AppClient, username: str, parameters: dict[str, str]) -> AuthStep:
    """USER_AUTH (choice-based sign-in): straight into PREFERRED_CHALLENGE when it is
    available, else SELECT_CHALLENGE with the AvailableChallenges."""
    available = _first_factor_challenges(client.pool)
    preferred = parameters.get("PREFERRED_CHALLENGE")
    if preferred in available:
        return _first_factor(client, username, preferred, parameters)
    if not _hides_user_existence(client) and get_user_by_alias(client.pool, username) is None:
        raise UserNotFoundException()
    return AuthStep(
        challenge_name=Challenge.SELECT_CHALLENGE,
        session=_challenge_session(client, Challenge.SELECT_CHALLENGE, name=username),
        available_challenges=available,
    )


def _sign_in_after_sign_up(client: AppClient, username: str, session: str) -> AuthStep:
    """USER_AUTH with the Session ConfirmSignUp returned (``sign_up_session``): the first
    factor was the confirmation code, so what follows a verified password follows now."""
    payload = _open_challenge_session(client, session, _SIGN_UP_SESSION)
    user = _session_user(client, payload)
    if not _names_user(user.pool, user, username) or user.status != UserStatus.CONFIRMED:
        raise NotAuthorizedException(_SESSION_INVALID)
    lockout.ensure_not_locked(lockout.subject_for_user(user.pool_id, user.pk))
    _consume(payload["j"], _validity(client))
    return next_step_after_password(client, user)


def _first_factor_challenges(pool: UserPool) -> tuple[str, ...]:
    factors = (pool.policies.get("SignInPolicy") or {}).get("AllowedFirstAuthFactors") or [
        "PASSWORD"
    ]
    return tuple(
        challenge for factor in factors for challenge in _FIRST_FACTOR_CHALLENGES.get(factor, ())
    )


def _first_factor(
    client: AppClient, username: str, challenge: str, parameters: Mapping[str, str]
) -> AuthStep:
    if challenge == "PASSWORD_SRP":
        return _start_srp(client, username, _required(parameters, "SRP_A"))
    return _password_sign_in(client, username, _required(parameters, "PASSWORD"))


def _password_sign_in(client: AppClient, username: str, password: str) -> AuthStep:
    """USER_PASSWORD_AUTH and ADMIN_USER_PASSWORD_AUTH."""
    pool = client.pool
    user = get_user_by_alias(pool, username)
    subject = _lockout_subject(pool, user, username)
    lockout.ensure_not_locked(subject)
    password_ok = passwords.check_user_password(user, password)
    return _after_password_check(client, user, subject, password_ok)


def _after_password_check(
    client: AppClient, user: PoolUser | None, subject: str, password_ok: bool
) -> AuthStep:
    """Cognito's answers once a password was checked, in Cognito's order (reference §5)."""
    if user is None:
        lockout.record_failure(subject)
        if _hides_user_existence(client):
            raise NotAuthorizedException()
        raise UserNotFoundException()
    if not user.enabled:
        raise NotAuthorizedException("User is disabled.")
    # Returned even for a wrong password (amazon-cognito-identity-js#288).
    if user.status == UserStatus.UNCONFIRMED:
        raise UserNotConfirmedException()
    if not password_ok:
        if user.status == UserStatus.RESET_REQUIRED and not _hides_user_existence(client):
            raise PasswordResetRequiredException()
        lockout.record_failure(subject)
        raise NotAuthorizedException()
    lockout.record_success(subject)
    if user.status == UserStatus.RESET_REQUIRED:
        raise PasswordResetRequiredException()
    if user.status == UserStatus.FORCE_CHANGE_PASSWORD:
        expires = user.temporary_password_expires
        if expires is not None and expires <= timezone.now():
            raise NotAuthorizedException(_TEMPORARY_PASSWORD_EXPIRED)
        return _new_password_required(client, user)
    if user.status != UserStatus.CONFIRMED:
        raise NotAuthorizedException()
    return next_step_after_password(client, user)


def _refresh(client: AppClient, parameters: dict[str, str]) -> AuthStep:
    """REFRESH_TOKEN_AUTH. The SECRET_HASH may be keyed with the internal username (what
    Cognito documents) or any sign-in alias (what the seed's snippet uses)."""
    refresh_token = _required(parameters, "REFRESH_TOKEN")
    secret_hash = parameters.get("SECRET_HASH")
    if client.has_secret and not secret_hash:
        verify_secret_hash(client, "", None)  # "…configured for secret but secret was not received"
    # The owner is known only once the token is checked: a wrong hash rolls the refresh back.
    with transaction.atomic():
        token_set = tokens.refresh_tokens(client=client, refresh_token=refresh_token)
        if client.has_secret:
            # Tokens refreshed from an /oauth2/token grant carry OAuth scopes, not the admin one.
            owner = tokens.authenticate_access_token(token_set.access_token, required_scope=None)
            _verify_secret_hash_any(client, _sign_in_names(owner.user), secret_hash)
    return AuthStep(tokens=token_set)


# --- USER_SRP_AUTH → PASSWORD_VERIFIER -------------------------------------------------
@dataclass(frozen=True)
class _SrpState:
    """What SECRET_BLOCK carries from SRP step 1 to step 2."""

    pool_id: str
    client_id: str
    user_pk: int | None
    name: str  # the normalized sign-in name: the lockout subject of an unknown user
    user_id_for_srp: str
    b: int
    a_value: int
    issued_at: int
    nonce: str


def _start_srp(client: AppClient, username: str, srp_a: str) -> AuthStep:
    a_value = srp.parse_public_value(srp_a)
    if a_value is None:
        raise InvalidParameterException("Invalid SRP_A value.")
    pool = client.pool
    user = get_user_by_alias(pool, username)
    if user is None and not _hides_user_existence(client):
        raise UserNotFoundException()
    name = pool.normalize_username(username)
    user_id_for_srp = user.username if user is not None else _simulated_user_id(pool, name)
    salt, verifier = _salt_and_verifier(pool, user, name)
    b = srp.new_server_secret()
    b_value = srp.server_public_value(verifier, b)
    state = _SrpState(
        pool_id=pool.id,
        client_id=client.client_id,
        user_pk=user.pk if user is not None else None,
        name=name,
        user_id_for_srp=user_id_for_srp,
        b=b,
        a_value=a_value,
        issued_at=int(timezone.now().timestamp()),
        nonce=secrets.token_hex(12),
    )
    return AuthStep(
        challenge_name=Challenge.PASSWORD_VERIFIER,
        challenge_parameters={
            "SALT": salt,
            "SRP_B": format(b_value, "x"),
            "SECRET_BLOCK": base64.b64encode(_seal_secret_block(state)).decode(),
            "USER_ID_FOR_SRP": user_id_for_srp,
            "USERNAME": user_id_for_srp,
        },
    )


def _respond_password_verifier(client: AppClient, responses: dict[str, str]) -> AuthStep:
    username = _required(responses, "USERNAME")
    block_b64 = _required(responses, "PASSWORD_CLAIM_SECRET_BLOCK")
    signature_b64 = _required(responses, "PASSWORD_CLAIM_SIGNATURE")
    timestamp = _required(responses, "TIMESTAMP")
    try:
        block = base64.b64decode(block_b64, validate=True)
    except (binascii.Error, ValueError):
        raise NotAuthorizedException(_SESSION_INVALID) from None
    state = _open_secret_block(client, block)
    verify_secret_hash(client, username, responses.get("SECRET_HASH"))
    moment = srp.parse_timestamp(timestamp)
    if moment is None:
        raise InvalidParameterException(_TIMESTAMP_FORMAT_MESSAGE)
    if abs(timezone.now() - moment) > TIMESTAMP_SKEW:
        raise NotAuthorizedException()
    pool = client.pool
    user = (
        PoolUser.objects.select_related("pool").filter(pk=state.user_pk, pool=pool).first()
        if state.user_pk is not None
        else None
    )
    if username != state.user_id_for_srp and not (
        user is not None and _names_user(pool, user, username)
    ):
        raise NotAuthorizedException()
    _consume(state.nonce, _validity(client))
    subject = _lockout_subject(pool, user, state.name)
    lockout.ensure_not_locked(subject)
    _salt, verifier = _salt_and_verifier(pool, user, state.name)
    b_value = srp.server_public_value(verifier, state.b)
    key = srp.server_session_key(
        a_value=state.a_value, b_value=b_value, b=state.b, verifier=verifier
    )
    expected = srp.password_claim_signature(
        key or b"\0" * 16,
        pool_suffix=pool.pool_suffix,
        user_id_for_srp=state.user_id_for_srp,
        secret_block=block,
        timestamp=timestamp,
    )
    try:
        claimed = base64.b64decode(signature_b64, validate=True)
    except (binascii.Error, ValueError):
        claimed = b""
    password_ok = key is not None and user is not None and hmac.compare_digest(expected, claimed)
    return _after_password_check(client, user, subject, password_ok)


def _salt_and_verifier(pool: UserPool, user: PoolUser | None, name: str) -> tuple[str, int]:
    """The user's stored SRP salt + verifier; a simulated pair when there is none, so an
    unknown user's step 1 looks like a real one and fails only at step 2."""
    if user is not None and user.srp_salt and user.srp_verifier:
        return user.srp_salt, int(user.srp_verifier, 16)
    seed = _keyed(f"srp-simulated:{pool.id}:{name}")
    return srp.simulated_salt_and_verifier(seed)


def _simulated_user_id(pool: UserPool, name: str) -> str:
    """USER_ID_FOR_SRP for an unknown name, shaped like a real one: a stable UUID where the
    internal username is the ``sub`` (email/phone usernames), else the name itself."""
    if not pool.username_attributes:
        return name
    digest = bytearray(_keyed(f"srp-user-id:{pool.id}:{name}")[:16])
    digest[6] = (digest[6] & 0x0F) | 0x40  # RFC 9562 version 4 and variant bits
    digest[8] = (digest[8] & 0x3F) | 0x80
    hex_id = digest.hex()
    return f"{hex_id[:8]}-{hex_id[8:12]}-{hex_id[12:16]}-{hex_id[16:20]}-{hex_id[20:]}"


def _seal_secret_block(state: _SrpState) -> bytes:
    payload = {
        "p": state.pool_id,
        "c": state.client_id,
        "u": state.user_pk,
        "n": state.name,
        "i": state.user_id_for_srp,
        "b": format(state.b, "x"),
        "A": base64.b64encode(bytes.fromhex(srp.pad_hex(state.a_value))).decode(),
        "t": state.issued_at,
        "j": state.nonce,
    }
    return _seal("secret-block", payload)


def _open_secret_block(client: AppClient, block: bytes) -> _SrpState:
    payload = _open("secret-block", block)
    if (
        payload is None
        or payload.get("c") != client.client_id
        or payload.get("p") != client.pool_id
    ):
        raise NotAuthorizedException(_SESSION_INVALID)
    _check_not_expired(client, payload)
    return _SrpState(
        pool_id=payload["p"],
        client_id=payload["c"],
        user_pk=payload["u"],
        name=payload["n"],
        user_id_for_srp=payload["i"],
        b=int(payload["b"], 16),
        a_value=int.from_bytes(base64.b64decode(payload["A"]), "big"),
        issued_at=payload["t"],
        nonce=payload["j"],
    )


# --- challenges answered with a Session ------------------------------------------------
def _challenge_session(
    client: AppClient,
    challenge: str,
    *,
    user: PoolUser | None = None,
    name: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> str:
    """A Session for ``challenge`` naming the user it is for (or, before the user is
    resolved, the name typed), plus the ``extra`` state the challenge's answer needs."""
    payload = {
        **(extra or {}),
        "p": client.pool_id,
        "c": client.client_id,
        "u": user.pk if user is not None else None,
        "n": name,
        "ch": str(challenge),
        "t": int(timezone.now().timestamp()),
        "j": secrets.token_hex(12),
    }
    return ids.not_option_like(
        lambda: base64.urlsafe_b64encode(_seal("session", payload)).decode().rstrip("=")
    )


def _open_challenge_session(
    client: AppClient, session: str | None, challenge_name: str
) -> dict[str, Any]:
    if not session:
        raise InvalidParameterException("Missing required parameter Session")
    try:
        raw = base64.urlsafe_b64decode(session + "=" * (-len(session) % 4))
    except (binascii.Error, ValueError):
        raise NotAuthorizedException(_SESSION_INVALID) from None
    payload = _open("session", raw)
    if (
        payload is None
        or payload.get("c") != client.client_id
        or payload.get("p") != client.pool_id
        or payload.get("ch") != challenge_name
    ):
        raise NotAuthorizedException(_SESSION_INVALID)
    _check_not_expired(client, payload)
    return payload


def _session_user(client: AppClient, payload: Mapping[str, Any]) -> PoolUser:
    user_pk = payload.get("u")
    user = (
        PoolUser.objects.select_related("pool").filter(pk=user_pk, pool_id=client.pool_id).first()
        if isinstance(user_pk, int)
        else None
    )
    if user is None:
        raise NotAuthorizedException(_SESSION_INVALID)
    if not user.enabled:
        raise NotAuthorizedException("User is disabled.")
    return user


def _new_password_required(client: AppClient, user: PoolUser) -> AuthStep:
    attributes = dict(user.attributes)
    missing = [name for name in _required_attribute_names(user.pool) if not attributes.get(name)]
    return AuthStep(
        challenge_name=Challenge.NEW_PASSWORD_REQUIRED,
        challenge_parameters={
            "USER_ID_FOR_SRP": user.username,
            "requiredAttributes": json.dumps([f"userAttributes.{name}" for name in missing]),
            "userAttributes": json.dumps(attributes),
        },
        session=_challenge_session(client, Challenge.NEW_PASSWORD_REQUIRED, user=user),
        user=user,
    )


def _respond_new_password(
    client: AppClient, responses: dict[str, str], payload: dict[str, Any]
) -> AuthStep:
    """NEW_PASSWORD_REQUIRED: set the password (pool policy, Cognito's messages) and the
    ``userAttributes.*`` given, then continue as after any verified password."""
    user = _session_user(client, payload)
    username = _required(responses, "USERNAME")
    if not _names_user(user.pool, user, username):
        raise NotAuthorizedException(_SESSION_INVALID)
    verify_secret_hash(client, username, responses.get("SECRET_HASH"))
    new_password = _required(responses, "NEW_PASSWORD")
    prefix = "userAttributes."
    given = {
        key[len(prefix) :]: value for key, value in responses.items() if key.startswith(prefix)
    }
    merged = {**user.attributes, **given}
    for name in _required_attribute_names(user.pool):
        if not merged.get(name):
            raise InvalidParameterException(f"Invalid attributes given, {name} is missing")
    if given:
        # The user writes these, as with UpdateUserAttributes: only what the client may
        # write, never a *_verified flag without WriteAttributes naming it.
        self_service.check_writable(client, given.keys())
        attribute_rules.validate_attributes(user.pool, given, for_create=False)
        attribute_rules.check_alias_uniqueness(user.pool, given, exclude_user=user)
        given = _unverify_changed_addresses(user, given)
    passwords.validate_password_policy(user.pool, new_password, sign_up=False)
    _consume(payload["j"], _validity(client))
    _complete_new_password(user, new_password, given)
    return next_step_after_password(client, user)


def _unverify_changed_addresses(user: PoolUser, given: dict[str, str]) -> dict[str, str]:
    """A new email or phone number given with the new password is unproven: its verified
    flag goes to false (unless the client may write the flag and sets it), as
    UpdateUserAttributes does. Keeping the old flag would make an address the user never
    received a code at a verified sign-in alias and recovery channel."""
    changed = dict(given)
    for name, flag in attribute_rules.VERIFIED_FLAGS.items():
        if name in changed and changed[name] != user.attributes.get(name):
            changed.setdefault(flag, "false")
    return changed


@transaction.atomic
def _complete_new_password(user: PoolUser, new_password: str, given: dict[str, str]) -> None:
    if given:
        # Again under the claim, in this transaction: another user may have taken the
        # name since _respond_new_password's check.
        users.check_sign_in_names_free(user.pool, {**user.attributes, **given}, user=user)
        user.set_attributes(given)
    passwords.set_password(user, new_password)
    user.status = UserStatus.CONFIRMED
    user.modified = timezone.now()
    # By name, not the whole row read when the session was opened: an AdminDisableUser or
    # GlobalSignOut committed since must stay (users.ATTRIBUTE_FIELDS).
    user.save(
        update_fields=[*users.ATTRIBUTE_FIELDS, *passwords.PASSWORD_FIELDS, "status", "modified"]
    )
    AuditEvent.objects.create(
        pool=user.pool,
        user=user,
        event="password_changed",
        actor=user.username,
        details={"via": "NEW_PASSWORD_REQUIRED", "attributes": sorted(given)},
    )


def _respond_select_challenge(
    client: AppClient, responses: dict[str, str], payload: dict[str, Any]
) -> AuthStep:
    """SELECT_CHALLENGE (USER_AUTH): ANSWER names the first factor, with what it needs
    (PASSWORD, or SRP_A for PASSWORD_SRP)."""
    name = str(payload.get("n") or "")
    username = _required(responses, "USERNAME")
    pool = client.pool
    if pool.normalize_username(username) != pool.normalize_username(name):
        user = get_user_by_alias(pool, name)
        if user is None or not _names_user(pool, user, username):
            raise NotAuthorizedException(_SESSION_INVALID)
    verify_secret_hash(client, username, responses.get("SECRET_HASH"))
    answer = _required(responses, "ANSWER")
    if answer not in _first_factor_challenges(pool):
        raise InvalidParameterException(f"Challenge {answer} is not available for this user.")
    _consume(payload["j"], _validity(client))
    return _first_factor(client, name, answer, responses)


# --- second factors (accounts.services.mfa) ---------------------------------------------
# The ChallengeResponses member carrying each factor's code (reference §2.2).
_CODE_RESPONSES = {
    Challenge.SMS_MFA: "SMS_MFA_CODE",
    Challenge.SOFTWARE_TOKEN_MFA: "SOFTWARE_TOKEN_MFA_CODE",
    Challenge.EMAIL_OTP: "EMAIL_OTP_CODE",
}


def _mfa_challenge(
    client: AppClient, user: PoolUser, factor: str, *, setting_up: bool = False
) -> AuthStep:
    """A factor's challenge: the code is sent now for SMS and email, with the masked
    destination; TOTP names the device (as the AWS CLI examples show). ``setting_up``: the
    factor is enabled when this code comes back (email set up in MFA_SETUP)."""
    parameters = {"USER_ID_FOR_SRP": user.username}
    if factor == mfa.SOFTWARE_TOKEN_MFA:
        if name := mfa.friendly_device_name(user):
            parameters["FRIENDLY_DEVICE_NAME"] = name
    else:
        delivery = mfa.send_sign_in_code(user, factor)
        parameters["CODE_DELIVERY_DELIVERY_MEDIUM"] = delivery.medium
        parameters["CODE_DELIVERY_DESTINATION"] = delivery.destination
    challenge = Challenge(factor)
    return AuthStep(
        challenge_name=challenge,
        challenge_parameters=parameters,
        session=_challenge_session(
            client, challenge, user=user, extra={"s": 1} if setting_up else None
        ),
        user=user,
    )


def _mfa_session_user(
    client: AppClient, responses: dict[str, str], payload: dict[str, Any]
) -> PoolUser:
    """The user a second-factor Session is for, named by USERNAME (the internal name or any
    alias), with the client's SECRET_HASH checked."""
    user = _session_user(client, payload)
    username = _required(responses, "USERNAME")
    if not _names_user(user.pool, user, username):
        raise NotAuthorizedException(_SESSION_INVALID)
    verify_secret_hash(client, username, responses.get("SECRET_HASH"))
    return user


def _respond_mfa_code(
    client: AppClient, responses: dict[str, str], payload: dict[str, Any]
) -> AuthStep:
    """SMS_MFA, SOFTWARE_TOKEN_MFA and EMAIL_OTP: the code (or a recovery code). A wrong
    code counts toward the lockout and leaves the Session for another try."""
    challenge = payload["ch"]
    user = _mfa_session_user(client, responses, payload)
    code = _required(responses, _CODE_RESPONSES[challenge])
    subject = lockout.subject_for_user(user.pool_id, user.pk)
    lockout.ensure_not_locked(subject)
    setting_up = bool(payload.get("s"))
    try:
        delivered = mfa.check_sign_in_code(
            user, challenge, code, recovery_code_allowed=not setting_up
        )
    except CodeMismatchException:
        lockout.record_failure(subject)
        raise
    _consume(payload["j"], _validity(client))
    lockout.record_success(subject)
    if delivered:
        # A recovery code signs in but proves no number or address.
        mfa.mark_delivery_verified(user, challenge)
    if setting_up:
        mfa.enable_factor(user, challenge)
    return _authenticated(user)


def _respond_select_mfa_type(
    client: AppClient, responses: dict[str, str], payload: dict[str, Any]
) -> AuthStep:
    """SELECT_MFA_TYPE: ANSWER names one of MFAS_CAN_CHOOSE; its challenge follows."""
    user = _mfa_session_user(client, responses, payload)
    answer = _required(responses, "ANSWER")
    factor = mfa.ANSWER_ALIASES.get(answer, answer)
    if factor not in (payload.get("f") or []):
        raise InvalidParameterException(f"Invalid ANSWER value {answer} for SELECT_MFA_TYPE.")
    _consume(payload["j"], _validity(client))
    return _mfa_challenge(client, user, factor)


def _respond_mfa_setup(
    client: AppClient, responses: dict[str, str], payload: dict[str, Any]
) -> AuthStep:
    """MFA_SETUP, answered with the Session VerifySoftwareToken returned (TOTP becomes the
    user's enabled, preferred factor and the sign-in completes), or with ``EMAIL`` (the
    address gets an EMAIL_OTP challenge; email MFA is enabled when its code comes back)."""
    user = _mfa_session_user(client, responses, payload)
    email = responses.get("EMAIL")
    if email and not payload.get("v"):
        user = mfa.set_up_email(user, email)
        _consume(payload["j"], _validity(client))
        return _mfa_challenge(client, user, mfa.EMAIL_OTP, setting_up=True)
    if not payload.get("v"):
        raise InvalidParameterException(mfa.TOTP_NOT_VERIFIED)
    _consume(payload["j"], _validity(client))
    mfa.enable_factor(user, mfa.SOFTWARE_TOKEN_MFA)
    return _authenticated(user)


def _open_setup_session(session: str) -> tuple[AppClient, dict[str, Any]]:
    """An MFA_SETUP Session given without a ClientId (AssociateSoftwareToken and
    VerifySoftwareToken take none): the client is the one it was issued to."""
    try:
        raw = base64.urlsafe_b64decode(session + "=" * (-len(session) % 4))
    except (binascii.Error, ValueError):
        raise NotAuthorizedException(_SESSION_INVALID) from None
    payload = _open("session", raw)
    if payload is None or not isinstance(payload.get("c"), str):
        raise NotAuthorizedException(_SESSION_INVALID)
    try:
        client = get_app_client(payload["c"])
    except ResourceNotFoundException:
        raise NotAuthorizedException(_SESSION_INVALID) from None
    return client, _open_challenge_session(client, session, Challenge.MFA_SETUP)


_SessionResponder = Callable[[Any, dict[str, str], dict[str, Any]], AuthStep]
_SESSION_RESPONDERS: dict[str, _SessionResponder] = {
    Challenge.NEW_PASSWORD_REQUIRED: _respond_new_password,
    Challenge.SELECT_CHALLENGE: _respond_select_challenge,
    Challenge.SMS_MFA: _respond_mfa_code,
    Challenge.SOFTWARE_TOKEN_MFA: _respond_mfa_code,
    Challenge.EMAIL_OTP: _respond_mfa_code,
    Challenge.SELECT_MFA_TYPE: _respond_select_mfa_type,
    Challenge.MFA_SETUP: _respond_mfa_setup,
}


def _respond(
    client: AppClient, challenge_name: str, responses: dict[str, str], session: str | None
) -> AuthStep:
    if challenge_name == Challenge.PASSWORD_VERIFIER:
        return _respond_password_verifier(client, responses)
    payload = _open_challenge_session(client, session, challenge_name)
    return _SESSION_RESPONDERS[payload["ch"]](client, responses, payload)


# --- helpers ---------------------------------------------------------------------------
def _check_client_in_pool(user_pool_id: str, client: AppClient) -> None:
    pool = pools.get_user_pool(user_pool_id)
    if client.pool_id != pool.id:
        raise ResourceNotFoundException(f"User pool client {client.client_id} does not exist.")


def _clean(parameters: Mapping[str, Any] | None) -> dict[str, str]:
    # amazon-cognito-identity-js sends "DEVICE_KEY": null (reference §2.1).
    return {key: value for key, value in (parameters or {}).items() if value is not None}


def _required(parameters: Mapping[str, str], name: str) -> str:
    value = parameters.get(name)
    if not value:
        raise InvalidParameterException(f"Missing required parameter {name}")
    return value


def _hides_user_existence(client: AppClient) -> bool:
    return client.prevent_user_existence_errors == "ENABLED"


def _lockout_subject(pool: UserPool, user: PoolUser | None, name: str) -> str:
    if user is not None:
        return lockout.subject_for_user(pool.id, user.pk)
    return lockout.subject_for_unknown(pool.id, pool.normalize_username(name))


def _sign_in_names(user: PoolUser) -> list[str]:
    names = [user.username]
    names += [value for value in (user.email, user.phone_number, user.preferred_username) if value]
    return names


def _names_user(pool: UserPool, user: PoolUser, name: str) -> bool:
    if pool.normalize_username(name) == user.username_key:
        return True
    found = get_user_by_alias(pool, name)
    return found is not None and found.pk == user.pk


def _verify_secret_hash_any(client: AppClient, names: list[str], secret_hash: str | None) -> None:
    last_error: NotAuthorizedException | None = None
    for name in names:
        try:
            verify_secret_hash(client, name, secret_hash)
            return
        except NotAuthorizedException as exc:
            last_error = exc
    if last_error is not None:
        raise last_error


def _required_attribute_names(pool: UserPool) -> list[str]:
    return [
        str(definition["Name"])
        for definition in pools.pool_schema(pool)
        if definition.get("Required") and definition["Name"] != "sub"
    ]


def _validity(client: AppClient) -> int:
    """The client's AuthSessionValidity in seconds (3 to 15 minutes, reference §2.2)."""
    return int(client.auth_session_validity or 3) * 60


def _check_not_expired(client: AppClient, payload: Mapping[str, Any]) -> None:
    issued = payload.get("t")
    if not isinstance(issued, int) or timezone.now().timestamp() - issued > _validity(client):
        raise NotAuthorizedException(_SESSION_EXPIRED)


def _consume(nonce: str, lifetime: int) -> None:
    """Mark a Session / SECRET_BLOCK used; a second use is refused until it has expired
    (per process while the shared cache is down, see the module docstring)."""
    key = f"tessera:auth-session-used:{nonce}"
    if not add_once(cache, key, timeout=lifetime + 60, purpose="auth-session single use"):
        raise NotAuthorizedException(_SESSION_REUSED)


@lru_cache(maxsize=8)
def _key(secret_key: str, purpose: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"tessera-auth", info=purpose.encode()
    ).derive(secret_key.encode())


def _keyed(value: str) -> bytes:
    return hmac.new(
        _key(settings.SECRET_KEY, "simulated-users"), value.encode(), hashlib.sha256
    ).digest()


def _seal(purpose: str, payload: dict[str, Any]) -> bytes:
    nonce = secrets.token_bytes(12)
    plaintext = json.dumps(payload, separators=(",", ":")).encode()
    return nonce + AESGCM(_key(settings.SECRET_KEY, purpose)).encrypt(
        nonce, plaintext, purpose.encode()
    )


def _open(purpose: str, sealed: bytes) -> dict[str, Any] | None:
    if len(sealed) < 12 + 16:
        return None
    try:
        plaintext = AESGCM(_key(settings.SECRET_KEY, purpose)).decrypt(
            sealed[:12], sealed[12:], purpose.encode()
        )
    except InvalidTag:
        return None
    payload = json.loads(plaintext)
    return payload if isinstance(payload, dict) else None
