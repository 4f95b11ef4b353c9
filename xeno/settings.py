"""Xeno's one settings module: everything that differs between machines comes from the environment.

Variables are documented in .env.example; a `.env` file beside manage.py is read when present.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

INSECURE_DEV_SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default=INSECURE_DEV_SECRET_KEY)
if not DEBUG and (SECRET_KEY == INSECURE_DEV_SECRET_KEY or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random string of at least 32 characters when DEBUG=0 "
        "(production mode). Generate one with: "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )

# Tenants live at <slug>.BASE_DOMAIN; BASE_DOMAIN itself is the main host (sign-in, admin, API).
BASE_DOMAIN = env.str("BASE_DOMAIN", default="localhost").lower()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[BASE_DOMAIN, f".{BASE_DOMAIN}"])
# Extra host names served as the main host (for example an internal health-check address).
MAIN_HOST_ALIASES = env.list("MAIN_HOST_ALIASES", default=[])
# Port appended to links between the main host and tenant hosts (empty behind a proxy on 80/443).
PUBLIC_PORT = env.str("PUBLIC_PORT", default="8000" if DEBUG else "")
PUBLIC_SCHEME = env.str("PUBLIC_SCHEME", default="http" if DEBUG else "https")

SHARED_APPS = [
    "django_tenants",
    "tenants",
    "accounts",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.admin",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_celery_beat",
    "rest_framework",
    "drf_spectacular",
    "django_htmx",
    "template_partials",
    "corsheaders",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "shopify_sync",
    "analytics",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Tenant"
TENANT_DOMAIN_MODEL = "tenants.Domain"
# Each cursor would otherwise send its own SET search_path; once per request/task is enough.
TENANT_LIMIT_SET_CALLS = True
# New tenants are cloned from this fully migrated template schema (see docs/operations.md).
TENANT_BASE_SCHEMA = "_tenant_template"
TENANT_CREATION_FAKES_MIGRATIONS = env.bool("TENANT_CREATION_FAKES_MIGRATIONS", default=True)
PUBLIC_SCHEMA_URLCONF = "xeno.urls_public"
ROOT_URLCONF = "xeno.urls_tenant"
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)

MIDDLEWARE = [
    "xeno.request_context.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "xeno.health.HealthCheckMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "tenants.middleware.TenantHostMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.TenantMembershipMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tenants.context_processors.tenant_context",
            ],
        },
    },
]

WSGI_APPLICATION = "xeno.wsgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/xeno")}
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
# A Unix socket directory arrives percent-encoded in the URL's host part (embedded PostgreSQL).
DATABASES["default"]["HOST"] = unquote(DATABASES["default"]["HOST"])
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="xeno"),
    }
}

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:sign_in"
# Counts failed sign-ins on the cache and refuses further tries for a while (accounts/lockout.py);
# as an authentication backend it covers every sign-in path: form, JWT login and the admin.
AUTHENTICATION_BACKENDS = ["accounts.backends.LockoutModelBackend"]
SIGN_IN_FAILURE_LIMIT = env.int("SIGN_IN_FAILURE_LIMIT", default=5)
SIGN_IN_LOCKOUT_SECONDS = env.int("SIGN_IN_LOCKOUT_SECONDS", default=15 * 60)
INVITATION_MAX_AGE_DAYS = 7
PASSWORD_RESET_TIMEOUT = 3 * 3600

# Email: the console in development; tests use Django's in-memory outbox.
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Xeno <no-reply@localhost>")

# Browser clients on other origins may call the API only from these origins.
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"

# Shopify
SHOPIFY_API_VERSION = env.str("SHOPIFY_API_VERSION", default="2026-10")
SHOPIFY_API_KEY = env.str("SHOPIFY_API_KEY", default="")
SHOPIFY_API_SECRET = env.str("SHOPIFY_API_SECRET", default="")
# Points the client at another Admin API host (the local simulator); empty means real Shopify.
SHOPIFY_API_BASE_URL = env.str("SHOPIFY_API_BASE_URL", default="")
# Where Shopify delivers webhooks (default: the main host's /webhooks/shopify/).
SHOPIFY_WEBHOOK_URL = env.str("SHOPIFY_WEBHOOK_URL", default="")
FIELD_ENCRYPTION_KEY = env.str("FIELD_ENCRYPTION_KEY", default="")
if not DEBUG and not FIELD_ENCRYPTION_KEY:
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_KEY must be set when DEBUG=0: it encrypts Shopify credentials at rest. "
        "Generate one with: python -c 'from cryptography.fernet import Fernet; "
        "print(Fernet.generate_key().decode())'"
    )

# Celery
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_RESULT_EXPIRES = 24 * 3600
# Longest task (a full sync of a large store) is bounded by its time limit; a task not acked
# within the visibility timeout is redelivered, so the timeout must exceed that limit.
CELERY_TASK_TIME_LIMIT = 3 * 3600
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 4 * 3600}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": 4 * 3600}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"
# Closing the DB connection after every task halves throughput (docs/performance.md).
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=200)
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")

# Security: production defaults; DEBUG relaxes only what plain-http development needs.
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = 0 if DEBUG else env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = False
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # probes talk plain http inside the network
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env.list(
    "CSRF_TRUSTED_ORIGINS",
    default=[f"{PUBLIC_SCHEME}://{BASE_DOMAIN}", f"{PUBLIC_SCHEME}://*.{BASE_DOMAIN}"]
    + (
        [
            f"{PUBLIC_SCHEME}://{BASE_DOMAIN}:{PUBLIC_PORT}",
            f"{PUBLIC_SCHEME}://*.{BASE_DOMAIN}:{PUBLIC_PORT}",
        ]
        if PUBLIC_PORT
        else []
    ),
)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Counted on the Redis cache, so the limits hold across web processes.
    "DEFAULT_THROTTLE_CLASSES": [
        "accounts.api.throttles.UserThrottle",
        "accounts.api.throttles.TenantThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON_RATE", default="60/min"),
        "user": env.str("THROTTLE_USER_RATE", default="600/min"),
        "tenant": env.str("THROTTLE_TENANT_RATE", default="3000/min"),
        "auth": env.str("THROTTLE_AUTH_RATE", default="30/min"),
    },
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Xeno API",
    "DESCRIPTION": "Shopify data ingestion and insights. Money is a decimal string in the "
    "store's currency; dates are in the store's timezone.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # /api/schema/ is served on the main host: document its URLconf, not ROOT_URLCONF (tenant).
    "SERVE_URLCONF": "xeno.urls_public",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "AUTH_HEADER_TYPES": ("Bearer",),
    "UPDATE_LAST_LOGIN": True,
}

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_context": {"()": "xeno.logging.RequestContextFilter"},
        "redact_secrets": {"()": "xeno.logging.RedactSecretsFilter"},
    },
    "formatters": {
        "json": {"()": "xeno.logging.JsonFormatter"},
        "text": {
            "format": "%(asctime)s %(levelname)-7s [%(request_id)s] %(name)s: %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_context", "redact_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own DEBUG console handler would print records before redaction: the root
        # handler (redacting) is the only one.
        "django": {"handlers": [], "level": "INFO"},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "INFO"},
        "celery": {"level": LOG_LEVEL},
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}
