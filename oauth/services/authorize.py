"""The authorization request of ``/oauth2/authorize`` and the hosted UI's ``/login``
(reference §4, RFC 6749 §4.1.1, OIDC Core §3.1.2.1).

``validate_authorize_request`` checks a request in RFC 6749 §4.1.2.1's order. The client
and its redirect URI come first: when either is wrong the caller shows an error page and
never redirects (RFC 9700 §4.11.2, no open redirector). Every later error goes back to
the registered redirect URI with ``error=`` (in the fragment for ``response_type=token``).
Redirect URIs match a registered CallbackURL exactly, except that a loopback URI may
use any port (RFC 8252 §7.3, RFC 9700 §2.1).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

from accounts.models import UserPool
from oauth import claims
from oauth.models import AppClient
from oauth.services import rows

COGNITO_PROVIDER = "COGNITO"
# Cognito's response types: the code flow and, where the client allows it, implicit.
RESPONSE_TYPE_FLOWS = {"code": "code", "token": "implicit"}
# "The phone, email, and profile scopes can only be requested if openid scope is also
# requested" (awsdocs authorization-endpoint.md).
OPENID_SCOPE = "openid"
SCOPES_NEEDING_OPENID = frozenset({"email", "phone", "profile"})
# RFC 7636 §4.2: a challenge is 43-128 unreserved characters; only S256 is accepted
# (RFC 9700 §2.1.1: plain exposes the verifier).
PKCE_METHOD = "S256"
PKCE_CHALLENGE = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
KNOWN_PROMPTS = frozenset({"none", "login", "consent", "select_account"})
HTTP_PREFIX = "http://"
# A loopback authority as RFC 8252 §7.3 redirect URIs spell it: the host, an optional port.
LOOPBACK_AUTHORITY = re.compile(r"(?P<host>127\.0\.0\.1|\[::1\]|localhost)(?::[0-9]{1,5})?")


class AuthorizeError(Exception):
    """An authorization request that cannot proceed.

    With ``redirect_uri`` set the error goes back to the client (RFC 6749 §4.1.2.1);
    without it the client or its redirect URI is in doubt and only an error page may
    answer.
    """

    def __init__(
        self,
        error: str,
        description: str,
        *,
        redirect_uri: str | None = None,
        state: str | None = None,
        fragment: bool = False,
        issuer: str | None = None,
    ) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.redirect_uri = redirect_uri
        self.state = state
        self.fragment = fragment
        self.issuer = issuer

    @property
    def redirectable(self) -> bool:
        return self.redirect_uri is not None

    def redirect_url(self) -> str:
        if self.redirect_uri is None:
            raise ValueError("this error must be shown on a page, not redirected")
        values = {"error": self.error, "error_description": self.description}
        if self.state is not None:
            values["state"] = self.state
        if self.issuer is not None:
            values["iss"] = self.issuer
        return with_response_parameters(self.redirect_uri, values, fragment=self.fragment)


@dataclass(frozen=True)
class AuthorizeRequest:
    client: AppClient
    redirect_uri: str
    response_type: str
    scopes: tuple[str, ...]
    state: str | None
    nonce: str | None
    code_challenge: str
    code_challenge_method: str
    prompt: frozenset[str]
    max_age: int | None
    login_hint: str | None
    ui_locales: str | None
    identity_provider: str | None
    # The request's parameters as received, for ``/login?<same query>``.
    params: dict[str, str] = field(repr=False)

    @property
    def pool(self) -> UserPool:
        return self.client.pool

    @property
    def fragment(self) -> bool:
        return self.response_type == "token"

    @property
    def issuer(self) -> str:
        return claims.issuer(self.client.pool_id)

    def query_string(self, *, without: tuple[str, ...] = ()) -> str:
        """The request's parameters re-encoded, e.g. for ``/login?…`` or, after sign-in,
        ``/oauth2/authorize?…`` without ``prompt``."""
        return urlencode([(k, v) for k, v in self.params.items() if k not in without])

    def response_url(self, values: Mapping[str, str]) -> str:
        """The redirect URI carrying a successful response, ``state`` and ``iss``
        (RFC 9207) added."""
        answer = dict(values)
        if self.state is not None:
            answer["state"] = self.state
        answer["iss"] = self.issuer
        return with_response_parameters(self.redirect_uri, answer, fragment=self.fragment)

    def error(self, error: str, description: str) -> AuthorizeError:
        """An error to send back to the client's redirect URI."""
        return AuthorizeError(
            error,
            description,
            redirect_uri=self.redirect_uri,
            state=self.state,
            fragment=self.fragment,
            issuer=self.issuer,
        )


def with_response_parameters(url: str, values: Mapping[str, str], *, fragment: bool) -> str:
    """``url`` with ``values`` added to its query (keeping the registered query, RFC 6749
    §3.1.2) or, for implicit responses, as its fragment."""
    parts = urlsplit(url)
    if fragment:
        return urlunsplit(parts._replace(fragment=urlencode(list(values.items()))))
    query = parse_qsl(parts.query, keep_blank_values=True) + list(values.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def _split(url: str) -> SplitResult | None:
    """``url`` split, or None when it is malformed (a bad port raises only on access)."""
    try:
        parts = urlsplit(url)
        _ = parts.port
    except ValueError:
        return None
    return parts


def _loopback_authority(url: str) -> tuple[str, str] | None:
    """(host, authority) of an ``http://`` loopback URL whose authority is the host and
    an optional port, nothing else: no userinfo, no backslash (browsers read
    ``http://evil\\@127.0.0.1/`` as host ``evil``, urlsplit as ``127.0.0.1``)."""
    parts = _split(url)
    # The raw text, not only urlsplit's reading of it (which drops tabs and newlines).
    if parts is None or not url.startswith(HTTP_PREFIX + parts.netloc):
        return None
    match = LOOPBACK_AUTHORITY.fullmatch(parts.netloc)
    return (match["host"], parts.netloc) if match else None


def redirect_uri_registered(client: AppClient, redirect_uri: str) -> bool:
    """Exact string match against CallbackURLs; a loopback URI may differ in port only
    (RFC 8252 §7.3): it must equal a registered loopback URI character for character
    once that one's authority is replaced by the given host and port, so userinfo,
    backslashes, a fragment or another spelling of the host never pass."""
    registered = list(client.callback_urls or [])
    if redirect_uri in registered:
        return True
    given = _loopback_authority(redirect_uri)
    if given is None:
        return False
    host, authority = given
    for url in registered:
        candidate = _loopback_authority(url)
        if candidate is None or candidate[0] != host:
            continue
        rest = url[len(HTTP_PREFIX) + len(candidate[1]) :]
        if redirect_uri == f"{HTTP_PREFIX}{authority}{rest}":
            return True
    return False


def _single(params: Mapping[str, str], name: str) -> str | None:
    value = params.get(name)
    return value if value not in (None, "") else None


def _load_client(client_id: str | None, host_pool: UserPool | None) -> AppClient:
    if client_id is None:
        raise AuthorizeError("invalid_request", "The client_id parameter is required.")
    client = rows.find_app_client(client_id)
    # On a pool's custom domain only that pool's clients exist.
    if client is None or (host_pool is not None and client.pool_id != host_pool.id):
        raise AuthorizeError("invalid_client", "The client does not exist.")
    return client


def _granted_scopes(request: AuthorizeRequest, requested: str | None) -> tuple[str, ...]:
    """Requested scopes the client may use, in the client's order; none requested means
    all of them (awsdocs: "If the client doesn't request any scopes, the authentication
    server uses all scopes that are associated with the client"). Unknown scopes are
    ignored, and so are email/phone/profile without openid."""
    allowed = list(request.client.allowed_oauth_scopes or [])
    if requested is None:
        wanted = set(allowed)
    else:
        wanted = set(requested.split())
        wanted &= set(allowed)
    if OPENID_SCOPE not in wanted:
        wanted -= SCOPES_NEEDING_OPENID
    granted = tuple(scope for scope in allowed if scope in wanted)
    if not granted:
        raise request.error("invalid_scope", "None of the requested scopes is allowed.")
    return granted


def _check_pkce(request: AuthorizeRequest) -> None:
    challenge, method = request.code_challenge, request.code_challenge_method
    if request.response_type != "code":
        return
    if not challenge:
        if method:
            raise request.error("invalid_request", "code_challenge_method without code_challenge.")
        if not request.client.has_secret:
            # Public clients must use PKCE (RFC 9700 §2.1.1).
            raise request.error("invalid_request", "A code_challenge (S256) is required.")
        return
    if method != PKCE_METHOD:
        raise request.error("invalid_request", "code_challenge_method must be S256.")
    if PKCE_CHALLENGE.fullmatch(challenge) is None:
        raise request.error("invalid_request", "The code_challenge is malformed.")


def _check_identity_provider(request: AuthorizeRequest, idp_identifier: str | None) -> None:
    providers = list(request.client.supported_identity_providers or [])
    provider = request.identity_provider
    if idp_identifier is not None or (provider is not None and provider != COGNITO_PROVIDER):
        # Federated providers plug in here; until a pool can have one, none matches.
        raise request.error(
            "invalid_request", "The requested identity provider is not enabled for this client."
        )
    if providers and COGNITO_PROVIDER not in providers:
        raise request.error(
            "unauthorized_client", "The client does not support signing in with a user pool."
        )


def _max_age(request: AuthorizeRequest, raw: str | None) -> int | None:
    if raw is None:
        return None
    if not raw.isdigit():
        raise request.error("invalid_request", "max_age must be a non-negative integer.")
    return int(raw)


def validate_authorize_request(
    params: Mapping[str, str], *, host_pool: UserPool | None = None
) -> AuthorizeRequest:
    """Check an authorization request; raises ``AuthorizeError``.

    ``params`` are the query (or, for POST, form) parameters; ``host_pool`` is the pool
    whose custom domain the request came to, if any. Unknown parameters are ignored
    (RFC 6749 §3.1).
    """
    values = {str(k): str(v) for k, v in params.items()}
    client = _load_client(_single(values, "client_id"), host_pool)
    redirect_uri = _single(values, "redirect_uri")
    if redirect_uri is None:
        raise AuthorizeError("invalid_request", "The redirect_uri parameter is required.")
    if not redirect_uri_registered(client, redirect_uri):
        raise AuthorizeError(
            "redirect_mismatch", "The redirect_uri is not registered for this client."
        )
    response_type = _single(values, "response_type") or ""
    prompt = frozenset((_single(values, "prompt") or "").split())
    request = AuthorizeRequest(
        client=client,
        redirect_uri=redirect_uri,
        response_type=response_type,
        scopes=(),
        state=_single(values, "state"),
        nonce=_single(values, "nonce"),
        code_challenge=_single(values, "code_challenge") or "",
        code_challenge_method=_single(values, "code_challenge_method") or "",
        prompt=prompt,
        max_age=None,
        login_hint=_single(values, "login_hint"),
        ui_locales=_single(values, "ui_locales") or _single(values, "lang"),
        identity_provider=_single(values, "identity_provider"),
        params=values,
    )
    if not response_type:
        raise request.error("invalid_request", "The response_type parameter is required.")
    if response_type not in RESPONSE_TYPE_FLOWS:
        raise request.error("unsupported_response_type", "response_type must be code or token.")
    flow = RESPONSE_TYPE_FLOWS[response_type]
    if not client.allowed_oauth_flows_user_pool_client or flow not in (
        client.allowed_oauth_flows or []
    ):
        raise request.error("unauthorized_client", f"The client is not allowed the {flow} flow.")
    # Request objects (OIDC Core §6) are not supported; discovery says so.
    if "request" in values:
        raise request.error("request_not_supported", "Request objects are not supported.")
    if "request_uri" in values:
        raise request.error("request_uri_not_supported", "request_uri is not supported.")
    if not prompt <= KNOWN_PROMPTS or ("none" in prompt and len(prompt) > 1):
        raise request.error("invalid_request", "Unsupported prompt value.")
    _check_identity_provider(request, _single(values, "idp_identifier"))
    _check_pkce(request)
    scopes = _granted_scopes(request, _single(values, "scope"))
    max_age = _max_age(request, _single(values, "max_age"))
    return replace(request, scopes=scopes, max_age=max_age)
