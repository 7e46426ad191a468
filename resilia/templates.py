"""The template loader: Django's cached loader, whose templates, once compiled, have
their fixed translations and links rendered once instead of on every page.

A `{% translate "Subscription" %}` gives the same text on every render in a language,
yet Django renders it afresh each time: a lazy translation made, looked up, escaped and
marked safe, about 70 Python calls (the live summary's twelve labels were a sixth of
its calls). A
`{% url "portal:logout" %}` gives the same link on every page of a site, yet Django
reverses it each time: about 120 calls, three on the home page (docs/BENCHMARKS.md).
The loader finds those nodes in each template it compiles (a plain literal: no filter,
no argument, no context, no `as`, not `noop`) and makes them remember their text for
what it depends on: the language and escaping; for a link also the URL configuration,
the script prefix and the current application. Everything else is Django's, and so is
the text: the first render of each node for each of those is Django's own.
"""

from typing import Any

from django.conf import settings
from django.template import Context, Template
from django.template.defaulttags import URLNode
from django.template.loaders import cached
from django.templatetags.i18n import TranslateNode
from django.urls import get_script_prefix, get_urlconf
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


class FixedURLNode(URLNode):
    """A `{% url %}` of a plain name, without arguments: reversed by Django once per
    URL configuration, script prefix, current application, language and escaping, then
    remembered (a name that does not reverse raises, as before, every time)."""

    rendered: dict[tuple[object, ...], SafeString | str]

    def render(self, context: Context) -> SafeString | str:
        try:  # the current application, found as Django's node finds it
            current_app = context.request.current_app  # type: ignore[attr-defined]
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace  # type: ignore[attr-defined]
            except AttributeError:
                current_app = None
        key = (
            get_urlconf() or settings.ROOT_URLCONF,
            get_script_prefix(),
            current_app,
            get_language(),
            context.autoescape,
        )
        try:
            return self.rendered[key]
        except KeyError:
            text = self.rendered[key] = super().render(context)
            return text


def _fixed_url(node: URLNode) -> bool:
    return (
        not node.args
        and not node.kwargs
        and node.asvar is None
        and not node.view_name.filters
        and isinstance(node.view_name.var, str)  # a literal, not a variable
    )


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
        if not getattr(template, "fixed_nodes_found", False):
            for node in template.nodelist.get_nodes_by_type(TranslateNode):
                if type(node) is TranslateNode and _fixed(node):
                    node.__class__ = FixedTranslateNode
                    node.rendered = {}  # type: ignore[attr-defined]
            for link in template.nodelist.get_nodes_by_type(URLNode):
                if type(link) is URLNode and _fixed_url(link):
                    link.__class__ = FixedURLNode
                    link.rendered = {}  # type: ignore[attr-defined]
            template.fixed_nodes_found = True  # type: ignore[attr-defined]
        return template
