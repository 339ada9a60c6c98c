"""render._Context: the shortcut for plain callables calls everything as Jinja's own context does."""

from __future__ import annotations

import jinja2
import pytest

from biteye_site import render


class Greeter:
    def hello(self, name, punct="!"):
        return f"olá, {name}{punct}"


class Counter:
    @jinja2.pass_context
    def __call__(self, context, n):  # a callable object that wants the context
        return f"{context['who']}:{n}"


@jinja2.pass_context
def who(context):
    return context["who"]


@jinja2.pass_environment
def env_name(environment):
    return type(environment).__name__


def stops():
    raise StopIteration


SOURCE = ("{{ hello('Ana') }}|{{ hello('Bia', punct='?') }}|{{ whoami() }}|{{ env_name() }}|{{ counter(3) }}|"
          "{{ len('abc') }}|{% macro m(x) %}[{{ x }}]{% endmacro %}{{ m(1) }}|"
          "{% for i in [1] %}{% set v = i %}{{ whoami() }}{% endfor %}|{{ stops() is undefined }}")


@pytest.mark.parametrize("context_class", [render._Context, jinja2.runtime.Context])
def test_calls_render_as_with_jinjas_own_context(context_class, monkeypatch):
    monkeypatch.setattr(render._Environment, "context_class", context_class)
    env = render._Environment(undefined=jinja2.Undefined)
    env.globals.update(hello=Greeter().hello, whoami=who, env_name=env_name, counter=Counter(), len=len, stops=stops)
    out = env.from_string(SOURCE).render(who="Caio")
    assert out == "olá, Ana!|olá, Bia?|Caio|_Environment|Caio:3|3|[1]|Caio|True"


def test_the_site_environment_uses_the_shortcut():
    assert render._Environment.context_class is render._Context
    assert render._Environment().from_string("{{ 1 }}").new_context().__class__ is render._Context


@pytest.mark.parametrize("expression", ["url()", "image_url(1, 2, 3, 4, 5)", '"abc".index("z")'])
def test_a_bad_call_is_reported_at_the_templates_line(make_site, capsys, expression):
    """A plain function called wrongly from a template is the template's mistake: its file
    and line, not an internal error (the shortcut's frame is hidden as Jinja's own is)."""
    site = make_site()
    site.add("2026/a.md", title="Um artigo")
    article = site.root / "templates" / "article.html"
    lines = article.read_text(encoding="utf-8").split("\n")
    at = next(i for i, text in enumerate(lines) if "{% block content %}" in text) + 1
    lines.insert(at, "<p>{{ " + expression + " }}</p>")
    article.write_text("\n".join(lines), encoding="utf-8")
    assert site.build() == 1
    err = capsys.readouterr().err
    assert f"templates/article.html:{at + 1}: erro ao executar o template" in err, err
    assert "erro interno" not in err
