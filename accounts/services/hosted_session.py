"""The hosted UI's sign-in session: one cookie per user pool, valid 1 hour (reference §4,
``GET /login`` "sets a session cookie valid for 1 h, so a later authorize needs no
credentials").

The cookie is signed (``django.core.signing``) and names the user, the moment of sign-in
and a random session id. A cookie per pool keeps pools apart: signing in to one pool
never signs you in to another. Signing out (``end_sign_in``) deletes the cookie and
remembers its session id in the cache until the cookie would have expired, so a copied
cookie is dead server-side too (OWASP ASVS 7.4.1); with the shared cache unreachable,
this process's memory remembers it instead (core.cache), so only the worker that signed the
browser out refuses the copy until the cookie expires. GlobalSignOut, disabling and deleting
the user end every sign-in through ``PoolUser.tokens_valid_after`` and ``enabled``.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from accounts.models import PoolUser, UserPool
from core.cache import is_remembered, remember

SIGN_IN_SECONDS = 3600
_SALT = "tessera.hosted_session"
_ENDED_KEY = "hosted-session-ended:{}"
_ENDED_PURPOSE = "hosted sign-out deny-list"


@dataclass(frozen=True)
class SignIn:
    user: PoolUser
    auth_time: dt.datetime


def _secure() -> bool:
    return settings.PUBLIC_URL.startswith("https://")


def cookie_name(pool: UserPool) -> str:
    """``tessera_<pool id>``; under https the ``__Host-`` prefix pins it to this origin,
    path ``/`` and Secure (RFC 6265bis §4.1.3.2, OWASP ASVS 3.3.1)."""
    name = f"tessera_{pool.id}"
    return f"__Host-{name}" if _secure() else name


def current_sign_in(request: HttpRequest, pool: UserPool) -> SignIn | None:
    """The sign-in this browser holds for ``pool``, or None when it has none, it is older
    than 1 hour, it was ended, or the user was disabled, deleted or globally signed out
    since."""
    raw = request.COOKIES.get(cookie_name(pool))
    if not raw:
        return None
    try:
        payload = signing.loads(raw, salt=_SALT, max_age=SIGN_IN_SECONDS)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("p") != pool.id:
        return None
    session_id = str(payload.get("s") or "")
    if not session_id or is_remembered(
        cache, _ENDED_KEY.format(session_id), purpose=_ENDED_PURPOSE
    ):
        return None
    user_id = payload.get("u")
    if not isinstance(user_id, int):
        return None
    user = PoolUser.objects.select_related("pool").filter(pk=user_id, pool=pool).first()
    if user is None or not user.enabled or str(user.sub) != payload.get("sub"):
        return None
    auth_time = dt.datetime.fromtimestamp(float(payload.get("t", 0)), tz=dt.UTC)
    if user.tokens_valid_after is not None and user.tokens_valid_after > auth_time:
        return None
    return SignIn(user=user, auth_time=auth_time)


def start_sign_in(
    request: HttpRequest,
    response: HttpResponse,
    pool: UserPool,
    user: PoolUser,
    auth_time: dt.datetime,
) -> SignIn:
    """Set the pool's sign-in cookie and rotate the Django session key, so a session id
    planted before sign-in is worthless after it (session fixation, OWASP ASVS 7.2.4)."""
    payload = {
        "p": pool.id,
        "u": user.pk,
        "sub": str(user.sub),
        "t": auth_time.timestamp(),
        "s": secrets.token_urlsafe(16),
    }
    response.set_cookie(
        cookie_name(pool),
        signing.dumps(payload, salt=_SALT, compress=True),
        max_age=SIGN_IN_SECONDS,
        path="/",
        secure=_secure(),
        httponly=True,
        samesite="Lax",
    )
    if hasattr(request, "session"):
        request.session.cycle_key()
    return SignIn(user=user, auth_time=auth_time)


def end_sign_in(request: HttpRequest, response: HttpResponse, pool: UserPool) -> None:
    """Sign this browser out of ``pool``: the cookie is deleted and its session id refused
    from now on."""
    raw = request.COOKIES.get(cookie_name(pool))
    if raw:
        try:
            payload = signing.loads(raw, salt=_SALT, max_age=SIGN_IN_SECONDS)
        except signing.BadSignature:
            payload = None
        if isinstance(payload, dict) and payload.get("s"):
            remember(
                cache,
                _ENDED_KEY.format(payload["s"]),
                timeout=SIGN_IN_SECONDS,
                purpose=_ENDED_PURPOSE,
            )
    response.delete_cookie(cookie_name(pool), path="/", samesite="Lax")
