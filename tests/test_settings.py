"""The settings the contract promises."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from core.hashers import OwaspArgon2PasswordHasher

ROOT = Path(__file__).resolve().parent.parent


def test_production_hasher_is_argon2id_at_owasp_parameters() -> None:
    from config import settings as configured

    assert configured.PASSWORD_HASHERS == ["core.hashers.OwaspArgon2PasswordHasher"]
    hasher = OwaspArgon2PasswordHasher()
    assert (hasher.time_cost, hasher.memory_cost, hasher.parallelism) == (2, 19456, 1)
    encoded = hasher.encode("correct horse battery staple", hasher.salt())
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")


def test_embedded_default_uses_sqlite_under_var() -> None:
    if os.environ.get("DATABASE_URL"):
        assert settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3"
    else:
        assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
        assert settings.CELERY_TASK_ALWAYS_EAGER is True


def test_production_without_secret_key_refuses_to_start() -> None:
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["TESSERA_ENV"] = "production"
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


def test_https_public_url_gives_host_prefixed_secure_cookies() -> None:
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env["PUBLIC_URL"] = "https://id.example.com"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == ["__Host-sessionid", "__Host-csrftoken", "True", "True"]
