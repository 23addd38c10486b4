"""Cognito's SRP-6a variant (reference §2.3): constants, padding, the password verifier and
the server side of the handshake (B, u, S, the HKDF key, PASSWORD_CLAIM_SIGNATURE, TIMESTAMP).

Checked against pycognito's ``aws_srp.py`` and amazon-cognito-identity-js's
``AuthenticationHelper.js``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets

N_HEX = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
)
N = int(N_HEX, 16)
G = 2


def pad_hex(value: int | str) -> str:
    """Java ``BigInteger.toByteArray`` hex: even length, ``00`` prefix when the top bit is set."""
    hex_value = value if isinstance(value, str) else format(value, "x")
    if len(hex_value) % 2:
        hex_value = "0" + hex_value
    elif hex_value[0] in "89abcdefABCDEF":
        hex_value = "00" + hex_value
    return hex_value


def hex_hash(hex_value: str) -> str:
    return hashlib.sha256(bytes.fromhex(hex_value)).hexdigest()


K = int(hex_hash(pad_hex(N) + pad_hex(G)), 16)


def compute_x(pool_suffix: str, user_id_for_srp: str, password: str, salt_hex: str) -> int:
    inner = hashlib.sha256(f"{pool_suffix}{user_id_for_srp}:{password}".encode()).hexdigest()
    return int(hex_hash(pad_hex(salt_hex) + inner), 16)


def new_salt() -> str:
    """A 128-bit salt as canonical hex (no leading zeros), as SALT must be sent."""
    return format(int.from_bytes(secrets.token_bytes(16), "big") | 1 << 120, "x")


def compute_verifier(pool_suffix: str, user_id_for_srp: str, password: str) -> tuple[str, str]:
    """(salt hex, verifier hex) for a password: stored at every password set."""
    salt = new_salt()
    verifier = pow(G, compute_x(pool_suffix, user_id_for_srp, password, salt), N)
    return salt, format(verifier, "x")


# --- the server side of the handshake (USER_SRP_AUTH → PASSWORD_VERIFIER) ----------------

# RFC 3526 §8 estimates a 320-bit exponent for this group's strength; b never leaves the
# server except inside the AEAD-sealed SECRET_BLOCK, so a short exponent keeps g^b cheap.
_SERVER_EXPONENT_BYTES = 48
_HKDF_INFO = b"Caldera Derived Key\x01"
_HEX = re.compile(r"[0-9a-fA-F]{1,1024}")
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# "%a %b %-d %H:%M:%S UTC %Y" in English; the day is never zero-padded (reference §2.3).
_TIMESTAMP = re.compile(
    r"(?P<weekday>Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?P<month>[A-Z][a-z]{2}) "
    r"(?P<day>[1-9]|[12]\d|3[01]) (?P<hour>[01]\d|2[0-3]):(?P<minute>[0-5]\d):"
    r"(?P<second>[0-5]\d) UTC (?P<year>\d{4})"
)


def parse_public_value(hex_value: str) -> int | None:
    """The client's ``SRP_A`` as an integer, or None unless it is plain hex of a group
    element: ``A mod N == 0`` would let anyone compute S without the password (the SRP-6a
    safety check), and clients only ever send ``A = g^a mod N < N``."""
    if not _HEX.fullmatch(hex_value):
        return None
    value = int(hex_value, 16)
    if value >= N or value % N == 0:
        return None
    return value


def new_server_secret() -> int:
    """The server's ephemeral ``b`` for one handshake."""
    return int.from_bytes(secrets.token_bytes(_SERVER_EXPONENT_BYTES), "big") % N or 1


def server_public_value(verifier: int, b: int) -> int:
    """``B = (k·v + g^b) mod N``. Both clients refuse ``B mod N == 0`` (odds ~2^-3072)."""
    value = (K * verifier + pow(G, b, N)) % N
    if value == 0:
        raise ValueError("B mod N == 0")
    return value


def compute_u(a_value: int, b_value: int) -> int:
    return int(hex_hash(pad_hex(a_value) + pad_hex(b_value)), 16)


def server_session_key(*, a_value: int, b_value: int, b: int, verifier: int) -> bytes | None:
    """The 16-byte key both sides derive: ``S = (A·v^u)^b mod N`` then one HKDF block
    keyed by ``u`` (reference §2.3). None when ``u == 0``, which the clients refuse."""
    u = compute_u(a_value, b_value)
    if u == 0:
        return None
    premaster = pow(a_value * pow(verifier, u, N) % N, b, N)
    prk = hmac.new(
        bytes.fromhex(pad_hex(format(u, "x"))), bytes.fromhex(pad_hex(premaster)), hashlib.sha256
    ).digest()
    return hmac.new(prk, _HKDF_INFO, hashlib.sha256).digest()[:16]


def password_claim_signature(
    key: bytes, *, pool_suffix: str, user_id_for_srp: str, secret_block: bytes, timestamp: str
) -> bytes:
    """``HMAC_SHA256(K, poolSuffix ‖ userIdForSrp ‖ SECRET_BLOCK bytes ‖ TIMESTAMP)``."""
    message = pool_suffix.encode() + user_id_for_srp.encode() + secret_block + timestamp.encode()
    return hmac.new(key, message, hashlib.sha256).digest()


def format_timestamp(moment: dt.datetime) -> str:
    """Cognito's TIMESTAMP for ``moment`` (UTC), as pycognito and the JS SDK write it."""
    moment = moment.astimezone(dt.UTC)
    return (
        f"{_WEEKDAYS[moment.weekday()]} {_MONTHS[moment.month - 1]} {moment.day} "
        f"{moment:%H:%M:%S} UTC {moment.year}"
    )


def parse_timestamp(value: str) -> dt.datetime | None:
    """The moment a TIMESTAMP names, or None unless it is exactly in Cognito's format."""
    match = _TIMESTAMP.fullmatch(value)
    if match is None or match["month"] not in _MONTHS:
        return None
    try:
        return dt.datetime(
            int(match["year"]),
            _MONTHS.index(match["month"]) + 1,
            int(match["day"]),
            int(match["hour"]),
            int(match["minute"]),
            int(match["second"]),
            tzinfo=dt.UTC,
        )
    except ValueError:  # e.g. "Feb 30"
        return None


def simulated_salt_and_verifier(seed: bytes) -> tuple[str, int]:
    """A deterministic (salt hex, verifier) for a user that does not exist, so SRP step 1
    answers the same way for the same name (reference §5, PreventUserExistenceErrors).

    ``seed`` must already be keyed with a server secret; the verifier only has to be a
    plausible group element, since B = k·v + g^b hides it.
    """
    salt_bytes = hashlib.sha256(b"salt" + seed).digest()[:16]
    salt = format(int.from_bytes(salt_bytes, "big") | 1 << 120, "x")
    verifier_bytes = b"".join(
        hashlib.sha256(bytes([counter]) + b"verifier" + seed).digest() for counter in range(12)
    )
    return salt, int.from_bytes(verifier_bytes, "big") % N
