"""Reads the environment once; every input of the contract is parsed here."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()


def _unparsable(variable: str) -> ImproperlyConfigured:
    """The error for a URL setting urllib cannot read, most often a password with a raw
    ``/``, ``#``, ``?`` or ``@`` (part of it read as the port). Raise it ``from None``:
    the URL, with its password, stays out of the message and the traceback."""
    return ImproperlyConfigured(
        f"{variable} is not a valid URL: percent-encode reserved characters in the user "
        "name and password (@ as %40, : as %3A, / as %2F, # as %23, ? as %3F, % as %25)."
    )


def db_config(url: str) -> dict[str, Any]:
    """The database from DATABASE_URL; SQLite under var/ when unset.

    django-environ keeps a relative SQLite path relative to the working directory,
    so it is resolved against BASE_DIR here.
    """
    if not url:
        url = "sqlite:///var/db.sqlite3"
    try:
        config: dict[str, Any] = environ.Env.db_url_config(url)
    except ValueError:
        raise _unparsable("DATABASE_URL") from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        name = Path(config["NAME"])
        if not name.is_absolute() and str(name) != ":memory:":
            name = BASE_DIR / name
            name.parent.mkdir(parents=True, exist_ok=True)
        config["NAME"] = str(name)
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    else:
        config["CONN_MAX_AGE"] = 60
        config["CONN_HEALTH_CHECKS"] = True
    return config


def email_config(url: str) -> dict[str, Any]:
    """Django's EMAIL_* settings from EMAIL_URL; console mail when unset."""
    if not url:
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    try:
        config: dict[str, Any] = environ.Env.email_url_config(url)
    except ValueError:
        raise _unparsable("EMAIL_URL") from None
    return config


def embedded_secret_key() -> str:
    """A key generated once into var/, so the embedded default survives restarts."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
