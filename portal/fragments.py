"""The pages' fixed parts (the assets, the masthead, the menu, the footer) are rendered once
per process by `{% cache %}` into the "template_fragments" cache, then reused: they depend
only on the settings, the templates and the variables each `{% cache %}` names (the
language, whether support is open, the current page)."""

from typing import Any

from django.core.cache import caches
from django.core.signals import setting_changed


def forget_fragments(**kwargs: Any) -> None:
    caches["template_fragments"].clear()


# A test that overrides a setting (the brand, the languages) gets freshly rendered parts.
setting_changed.connect(forget_fragments, dispatch_uid="template-fragments")
