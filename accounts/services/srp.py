"""Cognito's SRP-6a variant (reference §2.3): constants, padding and the password verifier.

Checked against pycognito's ``aws_srp.py`` and amazon-cognito-identity-js's
``AuthenticationHelper.js``; the server handshake builds on these helpers.
"""

from __future__ import annotations

import hashlib
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
