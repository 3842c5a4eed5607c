"""XML from untrusted servers, parsed through defusedxml.

DTDs, entity declarations and external references are refused outright (billion
laughs, XXE); XInclude and stylesheet instructions are never processed. Element
names are matched by local name, so feeds that declare namespaces their own way
still read the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from xml.etree.ElementTree import Element, ParseError

import defusedxml
from defusedxml.ElementTree import fromstring


class XmlRefused(ValueError):
    """The document is not XML we accept; the message says why."""


def parse(body: bytes) -> Element:
    try:
        return fromstring(
            body, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except defusedxml.DefusedXmlException as exc:
        raise XmlRefused(f"unsafe XML refused ({type(exc).__name__})") from exc
    except ParseError as exc:
        raise XmlRefused(f"malformed XML: {exc}") from exc


def local(tag: str) -> str:
    """``{urn:…}alert`` → ``alert``."""
    return tag.rsplit("}", 1)[-1]


def children(element: Element, name: str) -> Iterator[Element]:
    return (c for c in element if local(c.tag) == name)


def child(element: Element, name: str) -> Element | None:
    return next(children(element, name), None)


def text(element: Element, name: str) -> str | None:
    """The stripped text of the first child ``name``; None when absent or empty."""
    found = child(element, name)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def as_dict(element: Element) -> dict[str, str | None]:
    """The simple children of a record element, by local name (``<x>1</x>``)."""
    return {
        local(c.tag): (c.text.strip() or None) if c.text else None
        for c in element
        if len(c) == 0
    }
