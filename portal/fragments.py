"""The pages' fixed parts (the assets, the masthead, the menu, the footer, the log-in form)
are rendered once per process by `{% cache %}` into the "template_fragments" cache, then
reused. Each key holds everything its fragment depends on beyond the settings and the
templates: the language, the script prefix its links start with, and where it applies
the current page, whether support is open and the demo mailbox. A setting changed while
the process runs (a test) empties the cache."""

from typing import Any

from django.core.cache import caches
from django.core.signals import setting_changed


def forget_fragments(**kwargs: Any) -> None:
    caches["template_fragments"].clear()


# A test that overrides a setting (the brand, the languages) gets freshly rendered parts.
setting_changed.connect(forget_fragments, dispatch_uid="template-fragments")
