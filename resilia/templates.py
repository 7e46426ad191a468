"""The template loader: Django's cached loader, whose templates, once compiled, have
their fixed translations rendered once per language instead of on every page.

A `{% translate "Subscription" %}` gives the same text on every render in a language,
yet Django renders it afresh each time: a lazy translation made, looked up, escaped and
marked safe, about 70 Python calls, a sixth of a live summary's twelve labels
(docs/BENCHMARKS.md). The loader finds those nodes in each template it compiles (the
`{% translate %}` of a plain literal: no filter, no context, no `as`, not `noop`) and
makes them remember their text per language and escaping. Everything else is
Django's, and so is the text: the first render of each node in each language is
Django's own.
"""

from typing import Any

from django.template import Context, Template
from django.template.loaders import cached
from django.templatetags.i18n import TranslateNode
from django.utils.safestring import SafeString
from django.utils.translation import get_language


class FixedTranslateNode(TranslateNode):
    """A `{% translate %}` of a plain literal: rendered by Django once per language and
    escaping, then remembered."""

    rendered: dict[tuple[str | None, bool], SafeString | str]

    def render(self, context: Context) -> SafeString | str:
        key = (get_language(), context.autoescape)
        try:
            return self.rendered[key]
        except KeyError:
            text = self.rendered[key] = super().render(context)
            return text


def _fixed(node: TranslateNode) -> bool:
    expression = node.filter_expression
    return (
        not node.noop
        and node.asvar is None
        and node.message_context is None
        and not expression.filters
        and expression.var.lookups is None  # a literal, not a variable
    )


class Loader(cached.Loader):
    """Django's cached loader (configured the same way: the loaders it caches)."""

    def get_template(self, template_name: str, skip: Any = None) -> Template:
        template: Template = super().get_template(template_name, skip)
        if not getattr(template, "fixed_translations_found", False):
            for node in template.nodelist.get_nodes_by_type(TranslateNode):
                if type(node) is TranslateNode and _fixed(node):
                    node.__class__ = FixedTranslateNode
                    node.rendered = {}  # type: ignore[attr-defined]
            template.fixed_translations_found = True  # type: ignore[attr-defined]
        return template
