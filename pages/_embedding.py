"""Links inside an embed: an intranet iframe stays an embed.

A page drawn inside ``/embed/<target>`` links and filters to addresses under
``/embed/`` with the embed's token, or shows no link at all where its token would
not open the page (a page token opens its own page with other filters, a tile token
its tile only). Its CSV links carry a download credential of their own (see
``access.embed_tokens``): a plain link is downloaded without the token the frame's
requests carry.

``drawing`` says which embed a layout is being drawn for; a page keeps it in its
view (``as_view``) so that its refreshes and filters link the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from access.embed_tokens import DOWNLOAD_ARG, EmbedScope
from components.links import href
from pages._services import services


@dataclass(frozen=True)
class Embedding:
    target: str  # what follows /embed/: "complaints", "overview", "tile/<kpi>"
    token: str | None  # the address's token; None for a signed-in viewer
    scope: EmbedScope | None  # what the token opens, when it is genuine

    @classmethod
    def of(cls, target: str, token: str | None) -> Embedding:
        target = target.strip("/") or "overview"
        scope = services().embed_scope(token) if token else None
        if scope is not None and scope.target != target:
            scope = None  # another embed's token: it opens nothing here
        return cls(target, token, scope)

    @classmethod
    def from_view(cls, view: dict | None) -> Embedding | None:
        """The embed a page's view was drawn for; None for the full page."""
        kept = (view or {}).get("embed")
        if not isinstance(kept, dict) or not isinstance(kept.get("target"), str):
            return None
        token = kept.get("token")
        return cls.of(kept["target"], token if isinstance(token, str) else None)

    def as_view(self) -> dict:
        return {"target": self.target, "token": self.token}

    @property
    def district(self) -> str | None:
        """The one district the token shows; None when it shows any."""
        return self.scope.district if self.scope else None

    def address(self, path: str, lang: str | None, **params: str | None) -> str | None:
        """The page at ``path`` ("/complaints") inside this embed, with its token;
        None when the token would not open it there."""
        target = path.strip("/") or "overview"
        if self.token is None:  # a signed-in viewer: their role decides
            return href(f"/embed/{target}", lang, **params)
        if self.scope is None or target != self.scope.target:
            return None
        if self.district is not None:
            if params.get("district") not in (None, self.district):
                return None
            params["district"] = self.district
        return href(f"/embed/{target}", lang, **params, token=self.token)

    def tile_csv(self, kpi: str, district: str | None, lang: str) -> str | None:
        """The CSV link of a tile this embed shows; None where its token would not
        show that tile."""
        if self.token is None:  # a signed-in viewer's own session downloads it
            return href(f"/csv/tile/{kpi}", lang, district=district)
        if self.scope is None or self.district not in (None, district):
            return None
        credential = services().download_credential(self.scope, kpi, district)
        return href(
            f"/csv/tile/{kpi}", lang, district=district, **{DOWNLOAD_ARG: credential}
        )


_DRAWING: ContextVar[Embedding | None] = ContextVar("citywall_embedding", default=None)


@contextmanager
def drawing(embedding: Embedding) -> Iterator[None]:
    """Layouts drawn inside this block are drawn for ``embedding``."""
    reset = _DRAWING.set(embedding)
    try:
        yield
    finally:
        _DRAWING.reset(reset)


def drawn_for() -> Embedding | None:
    """The embed the layout being drawn is for; None for a full page."""
    return _DRAWING.get()
