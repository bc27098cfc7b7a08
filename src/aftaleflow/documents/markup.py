"""Light formatting for text that users type: Markdown in, inert HTML out.

Case handlers paste text from their case systems (paragraphs, bullet lists, bold, links). The
text goes into a PDF rendered by an engine that can fetch URLs, so nothing typed may become
markup: raw HTML is printed as text, links are printed as their label and address (never an
<a href>), and images as their description (never an <img>).
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from functools import cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup, escape


def _label_between(tokens: Sequence[Token], close_idx: int) -> tuple[str, str]:
    """The href and the plain label of the link that closes at `close_idx`."""
    start = close_idx - 1
    while start >= 0 and tokens[start].type != "link_open":
        start -= 1
    href = str(tokens[start].attrs.get("href", "")) if start >= 0 else ""
    label = "".join(t.content for t in tokens[start + 1:close_idx])
    return href, label


def _link_open(self: Any, tokens: Sequence[Token], idx: int, options: Any,
               env: MutableMapping[str, Any]) -> str:
    return ""


def _make_link_close(md: MarkdownIt) -> Any:
    def _link_close(self: Any, tokens: Sequence[Token], idx: int, options: Any,
                    env: MutableMapping[str, Any]) -> str:
        href, label = _label_between(tokens, idx)
        shown = md.normalizeLinkText(href)
        if not shown or shown in (label, f"mailto:{label}"):
            return ""
        return str(escape(f" ({shown})"))
    return _link_close


def _image(self: Any, tokens: Sequence[Token], idx: int, options: Any,
           env: MutableMapping[str, Any]) -> str:
    alt = "".join(child.content for child in tokens[idx].children or [])
    return str(escape(f"[Billede: {alt}]" if alt else "[Billede]"))


def _heading_open(self: Any, tokens: Sequence[Token], idx: int, options: Any,
                  env: MutableMapping[str, Any]) -> str:
    return '<h4 class="md-heading">'


def _heading_close(self: Any, tokens: Sequence[Token], idx: int, options: Any,
                   env: MutableMapping[str, Any]) -> str:
    return "</h4>\n"


@cache
def _parser() -> MarkdownIt:
    """CommonMark without raw HTML; newlines in a paragraph stay line breaks, as typed."""
    md = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False})
    md.add_render_rule("link_open", _link_open)
    md.add_render_rule("link_close", _make_link_close(md))
    md.add_render_rule("image", _image)
    # A user's "# Heading" must not outrank the document's own section headings.
    md.add_render_rule("heading_open", _heading_open)
    md.add_render_rule("heading_close", _heading_close)
    return md


def markdown_to_html(text: str | None) -> Markup:
    """Render user text as safe HTML for a template (empty text gives empty markup)."""
    if not text or not text.strip():
        return Markup("")
    return Markup(_parser().render(text))
