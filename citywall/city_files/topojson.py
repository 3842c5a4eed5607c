"""TopoJSON (https://github.com/topojson/topojson-specification) to GeoJSON
features: shared arcs, delta-encoded and quantized when the topology has a
``transform``. Short enough to keep here: the maintained Python packages
encode TopoJSON; their decoders are internal helpers."""

from __future__ import annotations

from typing import Any

Position = list[float]


def is_topology(document: dict[str, Any]) -> bool:
    return document.get("type") == "Topology"


def to_feature_collection(topology: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    """The topology's object with the most geometries, as a FeatureCollection
    (a national file may also hold, say, its provinces: those are named)."""
    objects = topology.get("objects") or {}
    if not objects:
        return {"type": "FeatureCollection", "features": []}
    name = max(objects, key=lambda k: len(_members(objects[k])))
    if len(objects) > 1:
        others = sorted(set(objects) - {name})
        notes.append(f"TopoJSON: read object {name!r}; left out {others}")
    arcs = _Arcs(topology.get("arcs") or [], topology.get("transform"))
    features = [
        {
            "type": "Feature",
            **({"id": g["id"]} if "id" in g else {}),
            "properties": g.get("properties") or {},
            "geometry": arcs.geometry(g),
        }
        for g in _members(objects[name])
    ]
    return {"type": "FeatureCollection", "features": features}


def _members(obj: dict[str, Any]) -> list[dict[str, Any]]:
    if obj.get("type") == "GeometryCollection":
        return list(obj.get("geometries") or [])
    return [obj]


class _Arcs:
    def __init__(self, arcs: list[list[Position]], transform: dict | None) -> None:
        self.scale = (transform or {}).get("scale") or [1, 1]
        self.translate = (transform or {}).get("translate") or [0, 0]
        self.quantized = transform is not None
        self.arcs = [self._decode(arc) for arc in arcs]

    def _decode(self, arc: list[Position]) -> list[Position]:
        if not self.quantized:
            return [list(p[:2]) for p in arc]
        x = y = 0
        out = []
        for p in arc:  # quantized arcs store each position as a delta
            x, y = x + p[0], y + p[1]
            out.append(self._position([x, y]))
        return out

    def _position(self, p: Position) -> Position:
        if not self.quantized:
            return list(p[:2])
        (sx, sy), (tx, ty) = self.scale, self.translate
        return [p[0] * sx + tx, p[1] * sy + ty]

    def _line(self, indices: list[int]) -> list[Position]:
        coords: list[Position] = []
        for i in indices:
            # a negative index is the one's complement of a reversed arc
            arc = self.arcs[i] if i >= 0 else self.arcs[~i][::-1]
            # each arc starts where the previous one ended: drop the repeat
            coords.extend(arc[1:] if coords else arc)
        return coords

    def geometry(self, g: dict[str, Any]) -> dict[str, Any] | None:
        kind, arcs = g.get("type"), g.get("arcs")
        if kind is None:
            return None
        if kind == "Point":
            return {"type": kind, "coordinates": self._position(g["coordinates"])}
        if kind == "MultiPoint":
            points = [self._position(p) for p in g["coordinates"]]
            return {"type": kind, "coordinates": points}
        if kind == "LineString":
            return {"type": kind, "coordinates": self._line(arcs)}
        if kind == "MultiLineString":
            return {"type": kind, "coordinates": [self._line(a) for a in arcs]}
        if kind == "Polygon":
            return {"type": kind, "coordinates": [self._line(r) for r in arcs]}
        if kind == "MultiPolygon":
            polygons = [[self._line(r) for r in p] for p in arcs]
            return {"type": kind, "coordinates": polygons}
        if kind == "GeometryCollection":
            parts = [self.geometry(m) for m in g.get("geometries") or []]
            return {"type": kind, "geometries": [p for p in parts if p]}
        return None
