"""XML from untrusted servers, parsed through defusedxml.

DTDs, entity declarations and external references are refused outright (billion
laughs, XXE); XInclude and stylesheet instructions are never processed. Element
names are matched by local name, so feeds that declare namespaces their own way
still read the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from xml.etree.ElementTree import Element, ParseError

import defusedxml
from defusedxml.ElementTree import fromstring

from connectors.base import PayloadRejected


class XmlRefused(PayloadRejected):
    """The document is not XML we accept; the message says why."""


# the encoding named in an XML declaration
_DECLARED = re.compile(rb"^(\s*<\?xml[^>]*?encoding\s*=\s*[\"'])([^\"']*)([\"'])")


def parse(body: bytes) -> Element:
    try:
        return _parse(body)
    except XmlRefused:
        raise
    except (ValueError, LookupError):
        # expat reads no multi-byte legacy encoding, yet Korean feeds still send
        # EUC-KR: decode here and hand expat UTF-8
        return _parse(_as_utf8(body))


def _parse(body: bytes) -> Element:
    try:
        return fromstring(
            body, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except defusedxml.DefusedXmlException as exc:
        raise XmlRefused(f"unsafe XML refused ({type(exc).__name__})") from exc
    except ParseError as exc:
        raise XmlRefused(f"malformed XML: {exc}") from exc


def _as_utf8(body: bytes) -> bytes:
    declared = _DECLARED.match(body)
    name = declared.group(2).decode("ascii", "replace") if declared else "?"
    try:
        text = body.decode(name)
    except (LookupError, UnicodeDecodeError, ValueError) as exc:  # rot13, bogus
        raise XmlRefused(f"XML in an encoding we cannot read ({name}): {exc}") from None
    return _DECLARED.sub(rb"\1utf-8\3", text.encode("utf-8"), count=1)


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
