"""The product's settings plus the two ceiling views (benchmarks only, never deployed)."""

from resilia.settings import *  # noqa: F403
from resilia.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"
