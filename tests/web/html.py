"""Reading the app's HTML in the web tests: one small tree (no dependency), its text and
controls, and what a browser would submit from a form."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)


@dataclass
class Node:
    tag: str
    attrs: dict[str, str | None]
    children: list[Node] = field(default_factory=list)
    parent: Node | None = field(default=None, repr=False)
    # Children and text in document order.
    items: list[Any] = field(default_factory=list, repr=False)

    @property
    def text(self) -> str:
        """The text as a reader sees it: whitespace (and no-break spaces) collapsed."""
        return " ".join(self.raw_text.replace("\xa0", " ").split())

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        """Descendants with the tag and attributes (`class_` matches one class; None = present)."""
        found = []
        for child in self.children:
            if child._matches(tag, attrs):
                found.append(child)
            found.extend(child.find_all(tag, **attrs))
        return found

    def find(self, tag: str | None = None, **attrs: str) -> Node | None:
        matches = self.find_all(tag, **attrs)
        return matches[0] if matches else None

    def iter(self) -> Iterator[Node]:
        """Every descendant element, in document order."""
        for child in self.children:
            yield child
            yield from child.iter()

    def by_id(self, element_id: str) -> Node:
        node = self.find(id=element_id)
        assert node is not None, f"no element with id={element_id!r}"
        return node

    @property
    def raw_text(self) -> str:
        """The text as written, whitespace kept (a textarea's value, say)."""
        return "".join(item if isinstance(item, str) else item.raw_text for item in self.items)

    def controls(self) -> list[Node]:
        """Form controls (input, select, textarea) that carry a name and belong to the form
        they sit in (not given to another one with `form=`, like the type search's)."""
        return [
            n
            for n in self.iter()
            if n.tag in ("input", "select", "textarea")
            and n.attrs.get("name")
            and not n.attrs.get("form")
        ]

    def control(self, name: str) -> Node:
        found = [n for n in self.controls() if n.attrs["name"] == name]
        assert len(found) == 1, f"expected one control named {name!r}, found {len(found)}"
        return found[0]

    def _matches(self, tag: str | None, attrs: dict[str, str]) -> bool:
        if tag is not None and self.tag != tag:
            return False
        for key, wanted in attrs.items():
            name = key.rstrip("_").replace("_", "-")
            if name not in self.attrs:
                return False
            value = self.attrs[name] or ""
            if name == "class":
                if not set(wanted.split()) <= set(value.split()):
                    return False
            elif wanted is not None and value != wanted:
                return False
        return True


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), parent=self.current)
        self.current.children.append(node)
        self.current.items.append(node)
        if tag not in _VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        node = Node(tag, dict(attrs), parent=self.current)
        self.current.children.append(node)
        self.current.items.append(node)

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.items.append(data)


def parse(response_or_html) -> Node:
    """The tree of a response, or of HTML given as text or bytes."""
    html = response_or_html
    if isinstance(html, bytes):
        html = html.decode()
    elif not isinstance(html, str):
        html = response_or_html.content.decode()
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def text_of(response) -> str:
    return parse(response).text


def pollers(response) -> list[Node]:
    """Elements that would make htmx poll (an `hx-trigger` with `every`)."""
    return [
        node
        for node in parse(response).find_all(hx_trigger=None)
        if "every" in (node.attrs.get("hx-trigger") or "")
    ]


def submitted_values(form: Node) -> dict[str, str]:
    """What a browser sends for `form` as it stands: named inputs (ticked boxes only), each
    select's selected option (else its first) and textareas."""
    values: dict[str, str] = {}
    for node in form.find_all():
        name = node.attrs.get("name")
        if not name or "disabled" in node.attrs:
            continue
        if node.tag == "input":
            kind = node.attrs.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in node.attrs:
                continue
            if kind not in ("submit", "button"):
                values[name] = node.attrs.get("value") or ("on" if kind == "checkbox" else "")
        elif node.tag == "select":
            options = node.find_all("option")
            chosen = next((o for o in options if "selected" in o.attrs), options[0])
            values[name] = chosen.attrs.get("value") or ""
        elif node.tag == "textarea":
            values[name] = node.text
    return values


def field_errors(doc: Node, name: str) -> list[str]:
    """The texts of a field's error list (empty when it has none)."""
    errors = doc.find("ul", id=f"id_{name}_error")
    return [li.text.lstrip("✕ ") for li in errors.find_all("li")] if errors else []


def form_errors(doc: Node) -> list[str]:
    """The form-level errors in the error summary (not its links to field errors)."""
    box = doc.find("div", id="error-summary")
    return [li.text for li in box.find_all("li", class_="form-error")] if box else []


def is_partial(content: bytes) -> bool:
    return b"<html" not in content and b"<body" not in content


_URL = re.compile(r"https?://[^\s<>\"']+")


def urls_in(text: str) -> list[str]:
    return [url.rstrip(".,;:)") for url in _URL.findall(text)]
