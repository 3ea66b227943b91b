"""Settings. The only module that reads the environment (django-environ, optional `.env`)."""

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
    "faraday_admin.core",
    "faraday_admin.catalog",
    "faraday_admin.simulator",
    "faraday_admin.connections",
    "faraday_admin.audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "faraday_admin.core.middleware.HtmxLoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "faraday_admin.core.middleware.HtmxErrorPageMiddleware",
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
LOGIN_URL = "login"
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
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Security headers. Cookies are secure and HSTS is on unless DEBUG (local http).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
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
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
}

# The simulator's new → ready cycle length (demo mode and `manage.py faraday_simulator`).
FARADAY_SIMULATOR_CYCLE_SECONDS = env.float("FARADAY_SIMULATOR_CYCLE_SECONDS", default=10.0)
