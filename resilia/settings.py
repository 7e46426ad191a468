"""Résilia settings: every value comes from the environment (docs/configuration.md lists them)."""

from datetime import time, timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from toolbox.env import env_bool, env_int, env_int_list, env_list, env_str, is_placeholder

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("RESILIA_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is off: set it to a long random string."
        )
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"
elif not DEBUG and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or is_placeholder(SECRET_KEY)):
    # It signs sessions and password links: a guessable key lets anyone forge them.
    raise ImproperlyConfigured(
        "SECRET_KEY is too weak for production: use at least 50 random characters, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(64))'."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "resilia.admin.ResiliaAdminConfig",  # django.contrib.admin, superusers only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",  # the back office's filters (its form widgets and translations)
    "ninja",  # its own Swagger UI files, served by us (else the docs page loads a CDN)
    "axes",
    "accounts",
    "customers",
    "notifications",
    "audit",
    "cancellations",
    "access_forms",
    "backoffice",
    "portal",
    "api",
    "webhooks",
    "switching",
    "resilia",  # the project's own commands (load_demo)
    "toolbox",  # the attempt counters of toolbox.throttle
    "operations",  # the "Santé" figures and /metrics
]

MIDDLEWARE = [
    # Outermost: every answer is counted by its status (/metrics), a 400 or a 500 included.
    "operations.metrics.CountAnswersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Response headers first, so that every answer below carries them (a 400 included).
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "toolbox.caching.PrivateByDefaultMiddleware",
    # Before the session is read: a NUL byte never reaches the database.
    "toolbox.input_guard.RejectNulBytesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.language.CustomerLanguageMiddleware",
    # Axes must come last: it turns a lockout into a friendly page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "resilia.urls"
WSGI_APPLICATION = "resilia.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        # Django's cached loader over these (its default, reloaded on change under DEBUG).
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "portal.context_processors.brand",
                "portal.context_processors.statuses",
                "backoffice.context_processors.backoffice",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------
# SQLite by default (a file under var/), PostgreSQL when DATABASE_URL says so.
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'resilia.sqlite3'}"),
        # Kept open between requests: a new PostgreSQL connection per page cost more than
        # the page's own queries (bench/; docs/BENCHMARKS.md). Checked before reuse.
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Fail fast when the server is unreachable: /healthz answers 503 within seconds and
    # pages show the 503 page instead of hanging until the proxy gives up.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int(
        "DATABASE_CONNECT_TIMEOUT", 5
    )
    if env_bool("PGBOUNCER_TRANSACTION_MODE", False):
        # Behind PgBouncer in transaction mode a server connection changes between
        # transactions: no server-side cursor (the CSV exports' iterator) may outlive one.
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
        DATABASES["default"]["CONN_MAX_AGE"] = 0
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so the web process and the
    # worker wait for each other instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # The test database is a file too, not shared memory: a browser test's page and its
    # htmx requests reach the live server at once, each thread on its own connection.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-database.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# One cache shared by every web process and worker, in the database (a migration creates
# its table): the dashboard's figures (refreshed by the worker), the API's count of
# failed key attempts. No extra service to run.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "resilia_cache",
        # Throttle counters live here too: culling them early would reopen the door.
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    },
    # The pages' fixed parts (portal/fragments.py), per process: never shared, never
    # stale; not kept under DEBUG, where a template edited on disk shows at once.
    "template_fragments": {
        "BACKEND": "django.core.cache.backends."
        + ("dummy.DummyCache" if DEBUG else "locmem.LocMemCache"),
        "LOCATION": "resilia-template-fragments",
        "TIMEOUT": None,
    },
}
AUTH_USER_MODEL = "accounts.User"
# The back office's filters: an empty choice reads "All", not "---------".
FILTERS_EMPTY_CHOICE_LABEL = pgettext_lazy("a filter left empty", "All")

# --- Authentication -----------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.UserBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:login"
# Password-reset and activation links: single use (the token covers the password hash)
# and valid for this many seconds.
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 60 * 60 * 24)

AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
# Lock a client code from one address, so a stranger cannot lock a customer out from
# everywhere by mistyping their code on purpose.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "portal/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# The same client address everywhere (resilia/client_address.py): behind a proxy, the
# proxy's own address would otherwise lock every customer out at once.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "toolbox.client_address.client_ip"
AXES_VERBOSE = False

# --- Internationalisation -----------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Pacific/Noumea"
USE_I18N = True
USE_TZ = True
# A bare "www.mls.nc" in a text (the e-mails shown in the demo inbox) links to https.
URLIZE_ASSUME_HTTPS = True
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365

# --- Static and uploaded files ------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- E-mail -------------------------------------------------------------------------
# With EMAIL_HOST set, mail goes out by SMTP. Without it (the demo), every message is
# written as a file under var/mail/ and listed on the demo mailbox page.
# Read from Django's traditional variable names, configured as Django 6.1's MAILERS.
email_host = env_str("EMAIL_HOST", "")
# The ISP sends the e-mails, not the software: "MLS <no-reply@mls.nc>" by default.
_isp_domain = env_str("RESILIA_WEBSITE", "www.mls.nc").removeprefix("www.")
DEFAULT_FROM_EMAIL = env_str(
    "DEFAULT_FROM_EMAIL", f"{env_str('RESILIA_ISP_NAME', 'MLS')} <no-reply@{_isp_domain}>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if email_host:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": email_host,
                "port": env_int("EMAIL_PORT", 587),
                "username": env_str("EMAIL_HOST_USER", ""),
                "password": env_str("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", True),
                "timeout": env_int("EMAIL_TIMEOUT", 20),
            },
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(VAR_DIR / "mail")},
        }
    }

# A worker holds an e-mail this long while sending it; if it dies, another worker sends
# the message once the lease has run out. Longer than any SMTP exchange can take.
RESILIA_EMAIL_LEASE_SECONDS = env_int("RESILIA_EMAIL_LEASE_SECONDS", 300)
if 3 * env_int("EMAIL_TIMEOUT", 20) >= RESILIA_EMAIL_LEASE_SECONDS:
    raise ImproperlyConfigured(
        "RESILIA_EMAIL_LEASE_SECONDS must be more than three times EMAIL_TIMEOUT, "
        "or a slow send could be taken over and the e-mail sent twice."
    )

# --- Security -----------------------------------------------------------------------
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 8)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# No inline script or style anywhere: every script is a static file of ours.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],  # the signature pad's drawing comes back as a data URL
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]  # probes inside the network, over HTTP

# --- Brand (the ISP running Résilia) ------------------------------------------------
RESILIA_BRAND = {
    "isp_name": env_str("RESILIA_ISP_NAME", "MLS"),
    "client_area_name": env_str("RESILIA_CLIENT_AREA_NAME", "myMLS"),
    "website": env_str("RESILIA_WEBSITE", "www.mls.nc"),
    "operator_name": env_str("RESILIA_OPERATOR_NAME", "OPT/Helia"),
    "access_service_name": env_str("RESILIA_ACCESS_SERVICE_NAME", "OPTimo"),
    "support_email": env_str("RESILIA_SUPPORT_EMAIL", "support@mls.nc"),
    "office_phone": env_str("RESILIA_OFFICE_PHONE", "24.99.24"),
    "tech_phone": env_str("RESILIA_TECH_PHONE", "36.67.76"),
    "tech_phone_note": env_str("RESILIA_TECH_PHONE_NOTE", "12F/11s"),
}
# Support hours, Nouméa time: ISO weekdays (1 = Monday) and opening hours.
RESILIA_SUPPORT_DAYS = env_str("RESILIA_SUPPORT_DAYS", "1-5")
RESILIA_SUPPORT_HOURS = env_str("RESILIA_SUPPORT_HOURS", "08:00-16:00")

# Cancellation policy (SPEC R11, §5).
RESILIA_MAILBOX_RETENTION_MONTHS = env_int_list("RESILIA_MAILBOX_RETENTION_MONTHS", [1, 3, 6, 12])
RESILIA_MAILBOX_RETENTION_PRICE_XPF = env_int("RESILIA_MAILBOX_RETENTION_PRICE_XPF", 0)
RESILIA_AUTO_CONFIRM = env_bool("RESILIA_AUTO_CONFIRM", True)
RESILIA_OPERATOR_PHONE = env_str("RESILIA_OPERATOR_PHONE", "1000")
RESILIA_OPERATOR_FORM_URL = env_str("RESILIA_OPERATOR_FORM_URL", "https://www.opt.nc")
# Empty: "the <operator> agencies", in the customer's language.
RESILIA_OPERATOR_COUNTERS = env_str("RESILIA_OPERATOR_COUNTERS", "")

# The operator's line-access form (SPEC R10, §4 forwarding).
RESILIA_OPERATOR_EMAIL = env_str("RESILIA_OPERATOR_EMAIL", "resiliations@operateur.invalid")
# Where the operator's answers to a batch go (the batch asks for one): a mailbox staff read.
RESILIA_OPERATOR_REPLY_TO = env_str(
    "RESILIA_OPERATOR_REPLY_TO", env_str("RESILIA_SUPPORT_EMAIL", "support@mls.nc")
)
RESILIA_FORWARD_TIME = env_str("RESILIA_FORWARD_TIME", "14:00")
try:
    time.fromisoformat(RESILIA_FORWARD_TIME)
except ValueError:
    raise ImproperlyConfigured(
        f"RESILIA_FORWARD_TIME must look like 14:00, not {RESILIA_FORWARD_TIME!r}."
    ) from None
RESILIA_PDF_FONT_DIR = env_str("RESILIA_PDF_FONT_DIR", "/usr/share/fonts/truetype/dejavu")
RESILIA_UPLOAD_MAX_BYTES = env_int("RESILIA_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
RESILIA_SIGNING_LINK_DAYS = env_int("RESILIA_SIGNING_LINK_DAYS", 7)

# --- Retention: what the daily run prunes (resilia/daily.py), after how many days ---
# The audit log, the requests' history and the receipts are kept by design: they are the
# proof of each request's time of receipt and of what was done, for as long as the ISP
# keeps its contracts' records.
RESILIA_RETENTION_DAYS = {
    # An e-mail's text and attachments (the row stays: to whom, when, about what).
    "email_bodies": env_int("RESILIA_KEEP_EMAIL_BODIES_DAYS", 396),
    # Webhook events and their deliveries and attempts, once settled (a replay reaches
    # back this far).
    "webhooks": env_int("RESILIA_KEEP_WEBHOOKS_DAYS", 90),
    # The staff and customer log-in log (django-axes' access and failure logs).
    "access_log": env_int("RESILIA_KEEP_ACCESS_LOG_DAYS", 90),
}
# The back office flags forms unsigned for this many days, and the daily run reminds
# their customer once (SPEC §4).
RESILIA_FORM_REMINDER_DAYS = env_int("RESILIA_FORM_REMINDER_DAYS", 7)
# A switch placed by a gaining provider: "signature" (the operator wants the line
# holder's signature: they sign online from the e-mail's link, reminders included) or
# "order" (the operator accepts the gaining provider's order: the form goes with the
# switch's reference and no signature).
RESILIA_SWITCH_FORM = env_str("RESILIA_SWITCH_FORM", "signature")
if RESILIA_SWITCH_FORM not in ("signature", "order"):
    raise ImproperlyConfigured('RESILIA_SWITCH_FORM is "signature" or "order".')
# A match lets its gaining provider order the switch for this many days.
RESILIA_SWITCH_MATCH_DAYS = env_int("RESILIA_SWITCH_MATCH_DAYS", 30)
# Résilia's own address: every absolute link it writes (e-mails, the receipt PDF) starts
# with it (toolbox.links.site_url), whether written in a web request or by the worker.
RESILIA_SITE_URL = env_str("RESILIA_SITE_URL", "http://127.0.0.1:8000")
# /metrics (Prometheus' text format): read with `Authorization: Bearer <token>`, or
# connecting directly (no proxy) from these networks. docs/operations.md.
RESILIA_METRICS_TOKEN = env_str("RESILIA_METRICS_TOKEN", "")
RESILIA_METRICS_NETWORKS = env_list("RESILIA_METRICS_NETWORKS", [])
# Seconds a webhook receiver has to answer before the attempt counts as failed.
RESILIA_WEBHOOK_TIMEOUT = env_int("RESILIA_WEBHOOK_TIMEOUT", 5)
# Webhooks go to public addresses only; true lets them reach a private network (a
# receiver on the same LAN; the tests' receiver on 127.0.0.1).
RESILIA_WEBHOOK_ALLOW_PRIVATE = env_bool("RESILIA_WEBHOOK_ALLOW_PRIVATE", False)
DATA_UPLOAD_MAX_MEMORY_SIZE = 3 * 1024 * 1024  # a drawn signature as a data URL fits
FILE_UPLOAD_MAX_MEMORY_SIZE = 3 * 1024 * 1024

# Where a person running the demo reads the e-mails (only when EMAIL_HOST is unset).
RESILIA_DEMO_MAILBOX = env_bool("RESILIA_DEMO_MAILBOX", DEBUG and not email_host)
if RESILIA_DEMO_MAILBOX and not DEBUG:
    # The demo mailbox shows live password and signing links to anyone.
    raise ImproperlyConfigured("RESILIA_DEMO_MAILBOX can only be on with DEBUG (the demo).")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "fontTools": {"level": "ERROR"},
    },
}
