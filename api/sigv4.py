"""AWS Signature Version 4 verification (header form), as boto3 and the AWS CLI sign.

Reference: AWS General Reference, "Create a signed AWS API request" (canonical request,
string to sign, signing key). The secret is looked up by access key id through a callback,
so the same code verifies project access keys and issued temporary credentials.

What a valid signature does and does not prove, deliberately as in AWS:

- The payload hash is always SHA-256 of the body received; ``x-amz-content-sha256:
  UNSIGNED-PAYLOAD`` (S3's opt-out, which botocore then signs instead of the hash) never
  matches, so an unsigned body is refused rather than trusted.
- ``X-Amz-Date`` is part of the string to sign whether or not it is a signed header, so
  the 15-minute window cannot be moved. Within it a captured request can be replayed, as
  against AWS: TLS is what keeps requests from being captured.
- Callers pass ``service`` to pin the credential scope to the service being called.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, unquote_to_bytes, urlsplit

from botocore.utils import normalize_url_path
from django.core.handlers.wsgi import WSGIRequest, get_bytes_from_wsgi
from django.http import HttpRequest

from core.errors import (
    IncompleteSignatureException,
    InvalidSignatureException,
    MissingAuthenticationTokenException,
    RequestExpired,
    UnrecognizedClientException,
)

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW = dt.timedelta(minutes=15)
_AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+)\s*,\s*"
    r"SignedHeaders=(?P<signed>[^,\s]+)\s*,\s*Signature=(?P<signature>[0-9a-f]{64})\s*$"
)


@dataclass(frozen=True)
class SignedIdentity:
    access_key_id: str
    date: str
    region: str
    service: str
    session_token: str


def is_signed(request: HttpRequest) -> bool:
    return request.META.get("HTTP_AUTHORIZATION", "").startswith(ALGORITHM)


def _header(request: HttpRequest, name: str) -> str:
    if name == "content-type":
        return request.META.get("CONTENT_TYPE", "")
    if name == "content-length":
        return request.META.get("CONTENT_LENGTH", "")
    return str(request.META.get("HTTP_" + name.upper().replace("-", "_"), ""))


# AWS's unreserved characters, the only ones a canonical query leaves unencoded.
_UNRESERVED = "-_.~"


def _sorted_pairs(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{key}={value}" for key, value in sorted(pairs))


def _query_bytes(request: HttpRequest) -> bytes:
    """The query string as the client sent it: WSGI hands it over decoded as Latin-1 (PEP
    3333), ASGI's Django handler as UTF-8."""
    if isinstance(request, WSGIRequest):
        return get_bytes_from_wsgi(request.environ, "QUERY_STRING", "")
    return str(request.META.get("QUERY_STRING", "")).encode()


def _canonical_queries(sent: bytes) -> list[str]:
    """The canonical query strings the client may have signed for the query it sent.

    AWS's rule (General Reference, "Create a canonical request"): URI-encode each name and
    value (upper-case hex, only ``A-Z a-z 0-9 - _ . ~`` left as is), a name without ``=``
    gets an empty value, sort by encoded name then value. SDKs apply it to parameters in
    two ways, and both are tried:

    - to the decoded parameters, which is how an SDK holding a parameter dict signs
      (botocore ``SigV4Auth._canonical_query_string_params``; its URL then spells a space
      ``+``). Decoding reads ``+`` as a space, as Django's ``request.GET`` does, so what
      was signed is what the view reads. Never ``+`` as a literal ``%2B``: that would let
      a signed ``b%2Bc`` be replayed as ``b+c``, which the view reads as ``b c``.
    - to the query exactly as sent, pairs sorted but not re-encoded, which is how an SDK
      given a URL signs (botocore ``_canonical_query_string_url``): a literal ``+`` or a
      lower-case escape is signed as is. Re-encoding it would fail such a signature.

    Either reading signs the same parameters Django parses, so accepting both lets no
    request change its meaning under a signature.
    """
    decoded: list[tuple[str, str]] = []
    as_sent: list[tuple[bytes, bytes]] = []
    for pair in sent.split(b"&") if sent else []:
        key, _, value = pair.partition(b"=")
        as_sent.append((key, value))
        if pair:
            decoded.append(
                (
                    quote(unquote_to_bytes(key.replace(b"+", b" ")), safe=_UNRESERVED),
                    quote(unquote_to_bytes(value.replace(b"+", b" ")), safe=_UNRESERVED),
                )
            )
    candidates = [_sorted_pairs(decoded)]
    try:
        # The canonical request is hashed as UTF-8, so raw bytes that are not cannot match.
        as_sent_text = [(key.decode(), value.decode()) for key, value in as_sent]
    except UnicodeDecodeError:
        return candidates
    if (canonical_as_sent := _sorted_pairs(as_sent_text)) not in candidates:
        candidates.append(canonical_as_sent)
    return candidates


# RFC 3986 sub-delims plus ":" and "@": what a client may leave unencoded in a path segment.
_PCHAR_DELIMITERS = "/-_.~!$&'()*+,;=:@"


def _canonical_paths(request: HttpRequest) -> list[str]:
    """The canonical URI the client may have signed: the path it sent with dot segments and
    empty segments removed, then URI-encoded once more (SigV4 double-encodes every service
    but S3; botocore ``SigV4Auth._normalize_url_path``).

    The path as sent comes from the server (gunicorn's ``RAW_URI``, uWSGI's
    ``REQUEST_URI``). WSGI's ``PATH_INFO`` is already decoded, so without them the client
    may have sent ``/users/a%40b`` or ``/users/a@b``: both readings are tried.
    """
    raw = request.META.get("RAW_URI") or request.META.get("REQUEST_URI") or ""
    if raw:
        sent = [(raw if raw.startswith("/") else urlsplit(raw).path).split("?", 1)[0]]
    else:
        encoded = quote(request.path, safe="/-_.~")
        with_pchars = quote(request.path, safe=_PCHAR_DELIMITERS)
        sent = [encoded] if with_pchars == encoded else [encoded, with_pchars]
    return [quote(normalize_url_path(path), safe="/~") for path in sent]


def _signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = hmac.new(("AWS4" + secret).encode(), date.encode(), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def verify(
    request: HttpRequest,
    body: bytes,
    lookup_secret: Callable[[str], str | None],
    now: dt.datetime | None = None,
    *,
    service: str | None = None,
) -> SignedIdentity:
    """Check the request's SigV4 signature; return who signed it or raise a CognitoError.

    With ``service``, the credential scope must name it: a signature made for one service
    (``cognito-identity``, ``sts``) does not authorize a call to another, as in AWS.
    """
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header:
        raise MissingAuthenticationTokenException()
    match = _AUTH_RE.match(header)
    if match is None:
        raise IncompleteSignatureException()
    parts = match["credential"].split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        raise IncompleteSignatureException("Credential should be scoped to a valid region.")
    access_key_id, date, region, scoped_service, _ = parts
    if service is not None and scoped_service != service:
        # AWS's wording, trailing space included.
        raise InvalidSignatureException(
            f"Credential should be scoped to correct service: '{service}'. "
        )
    signed_headers = match["signed"].split(";")
    if "host" not in signed_headers:
        raise IncompleteSignatureException("Signed headers must include 'host'.")

    amz_date = _header(request, "x-amz-date") or _header(request, "date")
    try:
        when = dt.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    except ValueError as exc:
        raise IncompleteSignatureException("X-Amz-Date is missing or malformed.") from exc
    now = now or dt.datetime.now(dt.UTC)
    if abs(now - when) > MAX_SKEW or when.strftime("%Y%m%d") != date:
        raise RequestExpired(
            f"Signature expired: {amz_date} is now earlier or later than {MAX_SKEW} from "
            f"{now:%Y%m%dT%H%M%SZ}."
        )

    secret = lookup_secret(access_key_id)
    if secret is None:
        raise UnrecognizedClientException()

    canonical_headers = "".join(
        f"{name}:{' '.join(_header(request, name).strip().split())}\n" for name in signed_headers
    )
    payload_hash = hashlib.sha256(body).hexdigest()
    queries = _canonical_queries(_query_bytes(request))
    scope = f"{date}/{region}/{scoped_service}/aws4_request"
    signing_key = _signing_key(secret, date, region, scoped_service)
    matched = False
    for path, query in itertools.product(_canonical_paths(request), queries):
        canonical_request = "\n".join(
            [
                request.method or "POST",
                path,
                query,
                canonical_headers,
                match["signed"],
                payload_hash,
            ]
        )
        string_to_sign = "\n".join(
            [ALGORITHM, amz_date, scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
        )
        expected = hmac.new(signing_key, string_to_sign.encode(), hashlib.sha256).hexdigest()
        # Every candidate is compared, so the time taken says nothing about which matched.
        matched |= hmac.compare_digest(expected, match["signature"])
    if not matched:
        raise InvalidSignatureException()
    return SignedIdentity(
        access_key_id=access_key_id,
        date=date,
        region=region,
        service=scoped_service,
        session_token=_header(request, "x-amz-security-token"),
    )
