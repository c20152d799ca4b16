"""`{% paragraph %}`, the one tag of the notice templates (`templates/cases/notices/`).

A notice is stored as a list of paragraphs (`Notice.data["paragraphs"]`), which the PDF prints
one `<p>` each, keeping the line breaks inside a paragraph. So a template cannot be rendered to
text and cut at its line breaks: a staff member's reason may hold line breaks, even blank
lines, and must stay one paragraph. Each `{% paragraph %}…{% endparagraph %}` block is one
paragraph, whatever the values in it contain; `{% paragraph closing %}` is one printed after
the items table (`closing_paragraphs`).

Line breaks written in the template itself, with the spaces around them, are layout and are
removed: Chinese needs no space where a long sentence is wrapped, so don't wrap a line where a
space is meant. Values (`{{ reason }}`) are kept exactly as they are."""

from __future__ import annotations

import re

from django import template
from django.template.base import Node, NodeList, Parser, TextNode, Token
from django.template.context import Context

register = template.Library()

# Context key of the sections the paragraphs are collected into; `cases.notices` sets it.
SECTIONS_KEY = "_notice_sections"
# The section names a template may write, and the `Notice.data` key each fills.
SECTIONS = {"": "paragraphs", "closing": "closing_paragraphs"}
_LAYOUT_BREAK = re.compile(r"[ \t]*\r?\n\s*")


class ParagraphNode(Node):
    child_nodelists = ("nodelist",)

    def __init__(self, nodelist: NodeList, section: str) -> None:
        self.nodelist = nodelist
        self.section = section

    def render(self, context: Context) -> str:
        sections = context.get(SECTIONS_KEY)
        if not isinstance(sections, dict):
            raise template.TemplateSyntaxError("{% paragraph %} 只用于文书模板，由 cases.notices 渲染")
        text = self.nodelist.render(context)
        # A paragraph left empty by its {% if %} is no paragraph.
        if text.strip():
            sections.setdefault(self.section, []).append(text)
        return ""


@register.tag
def paragraph(parser: Parser, token: Token) -> ParagraphNode:
    bits = token.split_contents()
    name = bits[1] if len(bits) == 2 else ""
    if len(bits) > 2 or name not in SECTIONS:
        raise template.TemplateSyntaxError(
            f"{{% paragraph %}} takes no argument or one of {sorted(n for n in SECTIONS if n)}"
        )
    nodelist = parser.parse(("endparagraph",))
    parser.delete_first_token()
    for node in nodelist.get_nodes_by_type(TextNode):
        if isinstance(node, TextNode):  # always; says so to the type checker
            node.s = _LAYOUT_BREAK.sub("", node.s)
    return ParagraphNode(nodelist, SECTIONS[name])
