"""The settings the contract promises."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
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


def test_email_url_forms_of_the_contract() -> None:
    from config.env import email_config

    plain = email_config("smtp://mail.example:2525")
    assert plain["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (plain["EMAIL_HOST"], plain["EMAIL_PORT"]) == ("mail.example", 2525)
    assert not plain.get("EMAIL_USE_TLS")

    # Reserved characters in the credentials are percent-encoded and arrive decoded.
    tls = email_config("smtp+tls://mailer%40example.com:p%40ss%3Aw%2Frd%23%2B1@mail.example:587")
    assert (tls["EMAIL_HOST"], tls["EMAIL_PORT"], tls["EMAIL_USE_TLS"]) == (
        "mail.example",
        587,
        True,
    )
    assert tls["EMAIL_HOST_USER"] == "mailer@example.com"
    assert tls["EMAIL_HOST_PASSWORD"] == "p@ss:w/rd#+1"

    assert email_config("")["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"


def test_an_unparsable_url_setting_is_named_without_echoing_its_secret() -> None:
    """A password with an unencoded '/' made urllib read part of it as the port, and the
    startup traceback printed that part ("Port could not be cast to integer value as
    's3cr'"). The error now names the variable and the fix, and hides the URL."""
    from django.core.exceptions import ImproperlyConfigured

    from config.env import db_config, email_config

    cases = [
        ("EMAIL_URL", email_config, "smtp+tls://mailer:s3cr/et@mail.example:587"),
        ("DATABASE_URL", db_config, "postgres://tessera:s3cr/et@db.example:5432/tessera"),
    ]
    for variable, parse, url in cases:
        with pytest.raises(ImproperlyConfigured) as raised:
            parse(url)
        message = str(raised.value)
        assert variable in message
        assert "percent-encode" in message
        assert "s3cr" not in message
        # Not chained either: the traceback would print the original message.
        assert raised.value.__cause__ is None
        assert raised.value.__suppress_context__ is True


def test_database_url_forms_of_the_contract() -> None:
    from config.env import db_config

    postgres = db_config("postgres://tessera:p%40ss%2Fw@db.example:5432/tessera")
    assert postgres["ENGINE"] == "django.db.backends.postgresql"
    assert (postgres["HOST"], postgres["PORT"], postgres["NAME"]) == ("db.example", 5432, "tessera")
    assert postgres["PASSWORD"] == "p@ss/w"

    sqlite = db_config("sqlite:///var/db.sqlite3")
    assert sqlite["ENGINE"] == "django.db.backends.sqlite3"
    assert sqlite["NAME"] == str(ROOT / "var" / "db.sqlite3")
    assert db_config("")["NAME"] == sqlite["NAME"]
