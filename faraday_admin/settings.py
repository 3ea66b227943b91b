"""Settings. The only module that reads the environment (django-environ, optional `.env`)."""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

# Required: start-up fails without it (the run script writes a random one into .env).
SECRET_KEY = env("SECRET_KEY")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The port gunicorn listens on (gunicorn.conf.py reads the same variable); used by the HEALTHCHECK.
PORT = env.int("PORT", default=8000)

FARADAY_API_URL = env("FARADAY_API_URL", default="https://api.faraday.ai/v1")
FARADAY_API_KEY = env("FARADAY_API_KEY", default="")
FARADAY_TIMEOUT = env.float("FARADAY_TIMEOUT", default=10.0)
FARADAY_CONNECT_TIMEOUT = env.float("FARADAY_CONNECT_TIMEOUT", default=5.0)
# Demo mode (the built-in simulator) runs whenever no key is configured, unless turned off.
FARADAY_DEMO = env.bool("FARADAY_DEMO", default=True)
# Faraday reads (the list, a connection, its dependents) are shared through Django's cache:
# local memory by default, Redis when CACHE_URL says so (e.g. redis://127.0.0.1:6379/0), which
# is what several app processes or hosts must share. An entry lives FARADAY_CACHE_SECONDS
# (default: the list's poll interval, 5 s; 0 turns the cache off). The sign-in and
# refused-write counters live there too.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
FARADAY_CACHE_SECONDS = env.int("FARADAY_CACHE_SECONDS", default=5)
# How long the last answer is kept to show (marked "as of") while Faraday asks us to wait.
FARADAY_CACHE_STALE_SECONDS = env.int("FARADAY_CACHE_STALE_SECONDS", default=600)
# Longest wait for another request already asking Faraday for the same thing.
FARADAY_CACHE_LOCK_SECONDS = env.float("FARADAY_CACHE_LOCK_SECONDS", default=5.0)
# Faraday's own values that the setup guides show to IT (README, "Setup guides"). Defaults are
# the values Faraday publishes on its S3 and GCS how-to pages; an empty one reads "ask Faraday
# support" in the guide instead of a made-up value.
FARADAY_IP_ADDRESSES = env.list("FARADAY_IP_ADDRESSES", default=[])
FARADAY_SSH_PUBLIC_KEY = env("FARADAY_SSH_PUBLIC_KEY", default="")
FARADAY_AWS_DATASETS_PRINCIPAL = env(
    "FARADAY_AWS_DATASETS_PRINCIPAL",
    default="arn:aws:iam::113233973114:user/stagecraft-download_s3",
)
FARADAY_AWS_TARGETS_PRINCIPAL = env(
    "FARADAY_AWS_TARGETS_PRINCIPAL", default="arn:aws:iam::113233973114:user/deliver_s3"
)
FARADAY_GCP_SERVICE_ACCOUNT = env(
    "FARADAY_GCP_SERVICE_ACCOUNT",
    default="faraday-incoming@production-237317.iam.gserviceaccount.com",
)
FARADAY_BIGQUERY_SERVICE_ACCOUNT = env("FARADAY_BIGQUERY_SERVICE_ACCOUNT", default="")
# Hand-offs (README, "Hand-offs"): how long a one-time link stays valid, how many requests per
# minute one address may make to link pages, and whether the app may email a link (through
# Django's email backend, configured by EMAIL_URL, e.g. smtp+tls://user:pass@smtp.example.com:587).
HANDOFF_EXPIRY_HOURS = env.int("HANDOFF_EXPIRY_HOURS", default=72)
HANDOFF_RATE_LIMIT_PER_MINUTE = env.int("HANDOFF_RATE_LIMIT_PER_MINUTE", default=60)
HANDOFF_EMAIL = env.bool("HANDOFF_EMAIL", default=False)
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="webmaster@localhost")
# Alerts (README, "Alerts"): where they go besides email (EMAIL_URL above), all optional.
# APP_PUBLIC_URL is the address people open the app at (links in alerts, and the address
# Faraday's webhooks are registered for). ALERTS_WEBHOOK_SECRET is a Standard Webhooks
# `whsec_` key that signs the generic webhook. At most one alert per connection per
# ALERTS_COLLAPSE_MINUTES; a delivery is given up after ALERTS_MAX_ATTEMPTS tries.
APP_PUBLIC_URL = env("APP_PUBLIC_URL", default="")
ALERTS_SLACK_WEBHOOK_URL = env("ALERTS_SLACK_WEBHOOK_URL", default="")
ALERTS_TEAMS_WEBHOOK_URL = env("ALERTS_TEAMS_WEBHOOK_URL", default="")
ALERTS_WEBHOOK_URL = env("ALERTS_WEBHOOK_URL", default="")
ALERTS_WEBHOOK_SECRET = env("ALERTS_WEBHOOK_SECRET", default="")
ALERTS_COLLAPSE_MINUTES = env.int("ALERTS_COLLAPSE_MINUTES", default=15)
ALERTS_MAX_ATTEMPTS = env.int("ALERTS_MAX_ATTEMPTS", default=6)
# Fernet key for the stored Faraday key; derived from SECRET_KEY when not set.
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY", default="")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "csp",
    "axes",
    "faraday_admin.core",
    "faraday_admin.catalog",
    "faraday_admin.simulator",
    "faraday_admin.connections",
    "faraday_admin.audit",
    "faraday_admin.history",
    "faraday_admin.alerts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "faraday_admin.core.middleware.PrivateNoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "faraday_admin.core.middleware.SessionIdleRefreshMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "faraday_admin.core.middleware.HtmxLoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "faraday_admin.core.middleware.HtmxErrorPageMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "faraday_admin.urls"
WSGI_APPLICATION = "faraday_admin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "builtins": ["template_partials.templatetags.partials"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "faraday_admin.core.context_processors.faraday_mode",
            ],
        },
    }
]

# Django's form renderer, with each empty widget rendered once per process (core/form_renderer).
FORM_RENDERER = "faraday_admin.core.form_renderer.FormRenderer"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Single sign-on with the company's identity provider (OpenID Connect, mozilla-django-oidc):
# on when the issuer, client id and secret are all set. Endpoints come from the issuer's
# discovery document. People are created on first sign-in with no role; with OIDC_ROLE_MAP
# ("idp-group=Role,…") their roles follow the OIDC_GROUPS_CLAIM claim at every sign-in.
OIDC_ISSUER = env("OIDC_ISSUER", default="")
OIDC_RP_CLIENT_ID = env("OIDC_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env("OIDC_CLIENT_SECRET", default="")
OIDC_ENABLED = bool(OIDC_ISSUER and OIDC_RP_CLIENT_ID and OIDC_RP_CLIENT_SECRET)
OIDC_PROVIDER_NAME = env("OIDC_PROVIDER_NAME", default="your company account")
OIDC_RP_SCOPES = env("OIDC_SCOPES", default="openid email profile")
OIDC_GROUPS_CLAIM = env("OIDC_GROUPS_CLAIM", default="groups")
OIDC_ROLE_MAP = env.dict("OIDC_ROLE_MAP", default={})
OIDC_RP_SIGN_ALGO = env("OIDC_SIGN_ALGO", default="RS256")
OIDC_USE_PKCE = True
OIDC_TIMEOUT = FARADAY_TIMEOUT
LOGIN_REDIRECT_URL_FAILURE = "/login/?sso=failed"
# Sign-in with a user name and password (here and at /admin/login/); off: single sign-on only.
PASSWORD_SIGN_IN = env.bool("PASSWORD_SIGN_IN", default=True)

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    *(["faraday_admin.core.oidc.CompanySignOnBackend"] if OIDC_ENABLED else []),
    *(["django.contrib.auth.backends.ModelBackend"] if PASSWORD_SIGN_IN else []),
]
# Sign-in throttling (django-axes): after SIGN_IN_FAILURE_LIMIT failures for one user name, or
# from one address, that name or address is locked out for SIGN_IN_COOLOFF_MINUTES (a further
# failure meanwhile starts the wait again). Applies to /login/ and /admin/login/ alike; an Admin
# unlocks early by deleting the entry under "Access attempts" in /admin/.
AXES_FAILURE_LIMIT = env.int("SIGN_IN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("SIGN_IN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own, not the pair
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "faraday_admin.core.views.sign_in_locked_out_view"
AXES_CLIENT_IP_CALLABLE = "faraday_admin.core.auth.client_ip_address"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False  # the audit log and our one-line log record each failure instead
# Proxies whose X-Forwarded-For is believed for the per-address lockout (gunicorn reads the same).
FORWARDED_ALLOW_IPS = env.list("FORWARDED_ALLOW_IPS", default=["127.0.0.1"])

LOGIN_URL = "login"
# Sessions live in the database. With a shared cache (Redis) they are also read through it,
# which spares every page its session query; signing out clears both, on every process.
# Local memory is each process's own: a process that kept a copy there would still honour a
# session signed out on another, so then the database alone is used.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.db"
    if CACHES["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    else "django.contrib.sessions.backends.cached_db"
)
# Signed out after this many seconds without a request (each request renews it).
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=8 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT
CSRF_FAILURE_VIEW = "faraday_admin.core.views.csrf_failure_view"

# Writes refused for want of a role: at most this many per user per minute are audited; past
# that the person is asked to wait (the audit log can't be flooded).
REFUSED_WRITES_PER_MINUTE = env.int("REFUSED_WRITES_PER_MINUTE", default=20)
LOGIN_REDIRECT_URL = "connections:list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "faraday_admin.core.storage.StaticFilesStorage"},
}

# Security headers. Cookies are secure and HSTS is on unless DEBUG (local http).
# LOOPBACK_HTTP (scripts/run): plain http, for this machine only. No redirect to https; cookies
# stay Secure (browsers accept those from http://127.0.0.1 and localhost); HSTS is only ever
# sent over https. Check core.E002 refuses it with any host name but the loopback ones, and
# gunicorn.conf.py refuses to listen beyond 127.0.0.1 / ::1 with it.
LOOPBACK_HTTP = env.bool("LOOPBACK_HTTP", default=False)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not (DEBUG or LOOPBACK_HTTP))
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # probes speak plain http inside the network
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# No inline script or style anywhere: htmx is configured through a <meta> tag to match.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"one_line_refusals": {"()": "faraday_admin.core.logging.OneLineRefusals"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["one_line_refusals"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # axes: our own one-line record of each failed sign-in replaces its INFO chatter.
    "loggers": {name: {"level": "WARNING"} for name in ("httpx", "httpcore", "axes")},
}

# The simulator's new → ready cycle length (demo mode and `manage.py faraday_simulator`).
FARADAY_SIMULATOR_CYCLE_SECONDS = env.float("FARADAY_SIMULATOR_CYCLE_SECONDS", default=10.0)
