"""Settings of the bare "hello": Django's request handling with no middleware at all,
served by a gunicorn of its own beside the product's (bench/run.sh):

    DJANGO_SETTINGS_MODULE=bench.bare gunicorn 'django.core.wsgi:get_wsgi_application()'
"""

from bench.settings import *  # noqa: F403

MIDDLEWARE = []
ROOT_URLCONF = "bench.bare_urls"
