from pathlib import Path

from django.template import Context, Engine
from django.test import override_settings
from django.urls import include, path, set_script_prefix
from django.utils import translation

from resilia.templates import FixedTranslateNode, FixedURLNode

# Each form {% translate %} takes, in every kind of block; the fixed ones remembered.
SOURCE = """{% load i18n %}<p title="{% translate "Forwarded to the operator" %}">
{% translate "Subscription" %}|{% translate "Subscription"|upper %}|{% translate 'Summary' %}
{% translate "Subscription" noop %}|{% translate "Summary" context "page title" %}
{% translate "Subscription" as label %}[{{ label }}]|{% translate word %}|{% translate "50% off" %}
{% if flag %}{% translate "Summary" %}{% else %}{% translate "Subscription" %}{% endif %}
{% for n in numbers %}{% translate "Forwarded to the operator" %}{% endfor %}
{% with x=1 %}{% translate "Summary" %}{% endwith %}
{% autoescape off %}{% translate "Forwarded to the operator" %}{% endautoescape %}</p>"""


def _engines(tmp_path: Path) -> tuple[Engine, Engine]:
    (tmp_path / "page.html").write_text(SOURCE)
    files = ["django.template.loaders.filesystem.Loader"]
    i18n = {"i18n": "django.templatetags.i18n"}

    def engine(loader: str) -> Engine:
        return Engine(dirs=[str(tmp_path)], loaders=[(loader, files)], libraries=i18n)

    return engine("resilia.templates.Loader"), engine("django.template.loaders.cached.Loader")


def test_fixed_translations_render_as_django_renders_them_in_each_language(
    tmp_path: Path,
) -> None:
    ours, django_s = _engines(tmp_path)
    template = ours.get_template("page.html")
    fixed = template.nodelist.get_nodes_by_type(FixedTranslateNode)
    # The nine plain literals, not the filtered, `noop`, contextual, `as` or variable ones.
    assert len(fixed) == 9
    for language in ("fr", "en", "fr"):  # back to French: nothing kept from English
        for flag in (True, False):
            context = {"flag": flag, "numbers": [1, 2], "word": "Summary"}
            with translation.override(language):
                expected = django_s.get_template("page.html").render(Context(context))
                assert template.render(Context(context)) == expected
                assert template.render(Context(context)) == expected  # remembered
    with translation.override("fr"):
        page = template.render(Context({"flag": True, "numbers": [1]}))
    assert page.count("Transmis à l'opérateur") == 3  # a template's literal is safe text
    assert "ABONNEMENT" in page and "Récapitulatif" in page and "50% off" in page


def test_the_product_s_templates_come_through_the_loader() -> None:
    loader = Engine.get_default().template_loaders[0]
    assert type(loader).__module__ == "resilia.templates"
    assert [type(inner).__module__ for inner in loader.loaders] == [  # type: ignore[attr-defined]
        "django.template.loaders.filesystem",
        "django.template.loaders.app_directories",
    ]


# The product's URLs under another path, as another configuration would put them.
urlpatterns = [path("autre/", include("resilia.urls"))]

LINKS = """<a href="{% url 'portal:home' %}">|{% url "cancellations:request_detail" reference %}
|{% url name %}|{% url 'portal:home' as home %}[{{ home }}]
{% for n in numbers %}{% url 'cancellations:cancel' %}?abonnement={{ n }}{% endfor %}"""


def test_fixed_links_follow_the_script_prefix_and_the_url_configuration(
    tmp_path: Path,
) -> None:
    (tmp_path / "links.html").write_text(LINKS)
    ours, django_s = _engines(tmp_path)
    template = ours.get_template("links.html")
    assert len(template.nodelist.get_nodes_by_type(FixedURLNode)) == 2  # the plain names
    context = {"reference": "R-2026-000001", "name": "portal:plans", "numbers": [1, 2]}
    try:
        for prefix in ("/", "/client/", "/"):
            set_script_prefix(prefix)
            expected = django_s.get_template("links.html").render(Context(context))
            assert template.render(Context(context)) == expected
            assert template.render(Context(context)) == expected  # remembered
            assert f'href="{prefix}"' in expected
        with override_settings(ROOT_URLCONF=__name__):  # the same names, under /autre/
            expected = django_s.get_template("links.html").render(Context(context))
            assert template.render(Context(context)) == expected
            assert 'href="/autre/"' in expected
    finally:
        set_script_prefix("/")
