"""Tessera settings: one module, driven by the environment only (see CONTRACT.md).

Nothing set gives the embedded default (SQLite under var/, Celery eager, console mail,
local-memory cache). DATABASE_URL, REDIS_URL, EMAIL_URL, PUBLIC_URL, SECRET_KEY,
AWS_REGION and PORT move it onto real services. TESSERA_ENV=production is the one
production switch.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from config.env import BASE_DIR, VAR_DIR, db_config, email_config, embedded_secret_key, env

# --- Inputs: each environment variable is read once, here -------------------------------
PRODUCTION = env.str("TESSERA_ENV", default="development") == "production"
DATABASE_URL = env.str("DATABASE_URL", default="")
REDIS_URL = env.str("REDIS_URL", default="")
EMAIL_URL = env.str("EMAIL_URL", default="")
PORT = env.int("PORT", default=8000)
PUBLIC_URL = env.str("PUBLIC_URL", default="").rstrip("/") or f"http://127.0.0.1:{PORT}"
AWS_REGION = env.str("AWS_REGION", default="us-east-1")
AWS_ACCOUNT_ID = env.str("TESSERA_ACCOUNT_ID", default="123456789012")
_SECRET_KEY = env.str("SECRET_KEY", default="")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="no-reply@tessera.local")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["*"])

# --- Derived ------------------------------------------------------------------------------
if PRODUCTION and not _SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is required when TESSERA_ENV=production; refusing to start without it."
    )
SECRET_KEY = _SECRET_KEY or embedded_secret_key()
DEBUG = False

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "oauth2_provider",
    "core",
    "accounts",
    "oauth",
    "federation",
    "identity",
    "api",
]

MIDDLEWARE = [
    "api.middleware.CognitoApiMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "oauth.middleware.OAuthBackChannelMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "oauth.middleware.PoolDomainMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [VAR_DIR / "templates", BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {"default": db_config(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if REDIS_URL:
    # Bounded socket timeouts: a Redis that hangs (rather than refusing) must fail fast into
    # the callers' fallbacks instead of blocking requests indefinitely.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "tessera",
        }
    }

# Argon2id at OWASP's minimum (19 MiB, t=2, p=1), not Django's slower defaults.
PASSWORD_HASHERS = ["core.hashers.OwaspArgon2PasswordHasher"]

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]

# Mail
vars().update(email_config(EMAIL_URL))

# Celery: eager in-process without Redis, a real broker with it.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = "tessera"
# How often Celery beat runs the outbox sweeper (accounts.tasks.sweep_outbox_task).
OUTBOX_SWEEP_SECONDS = env.float("TESSERA_OUTBOX_SWEEP_SECONDS", default=30.0)

# Cookies and headers
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "no-referrer"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PUBLIC_URL.startswith("https://")
CSRF_COOKIE_SECURE = PUBLIC_URL.startswith("https://")
if PUBLIC_URL.startswith("https://"):
    # __Host- cookies are Secure, host-only and path=/ by the browser's rule (ASVS 3.3.1).
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
CSRF_TRUSTED_ORIGINS = [PUBLIC_URL]
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# The JSON API accepts bodies up to this size; larger ones are refused as 4xx JSON.
API_MAX_BODY_BYTES = 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES

# django-oauth-toolkit: models are swapped for pool-scoped ones (oauth/models.py).
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth.AppClient"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth.AccessToken"
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oauth.RefreshToken"
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth.IDToken"
OAUTH2_PROVIDER_GRANT_MODEL = "oauth.Grant"
# The /oauth2 endpoints (oauth/views_oauth.py) run on DOT's models with our own checks
# (oauth/services/authorize.py, grants.py); these keep DOT itself on the same policy.
OAUTH2_PROVIDER = {
    "PKCE_REQUIRED": True,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "ID_TOKEN_EXPIRE_SECONDS": 3600,
    # Cognito's codes last 5 minutes (reference §4).
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 300,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOW_URI_WILDCARDS": False,
    # DOT's own redirect-URI validator is not on our path: CreateUserPoolClient allows
    # http for loopback hosts only and app schemes (oauth/services/clients.py).
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    # Every RFC 9700 gate DOT 3.4 has, on (they become the default in DOT 4.0). Cognito's
    # implicit flow stays available, in our view, only to clients that list it.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"tessera": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}

# SMS (MFA codes): how the outbox sends text messages (docs/mfa.md). "console" logs
# them; "file" appends JSON lines to SMS_FILE_PATH; "webhook" POSTs HMAC-signed JSON to
# SMS_WEBHOOK_URL (a gateway bridge), retried through the outbox.
SMS_SENDER = env.str("SMS_SENDER", default="console")
SMS_FILE_PATH = env.str("SMS_FILE_PATH", default=str(VAR_DIR / "sms" / "messages.jsonl"))
SMS_WEBHOOK_URL = env.str("SMS_WEBHOOK_URL", default="")
SMS_WEBHOOK_SECRET = env.str("SMS_WEBHOOK_SECRET", default="")
SMS_WEBHOOK_TIMEOUT = env.float("SMS_WEBHOOK_TIMEOUT", default=10.0)
