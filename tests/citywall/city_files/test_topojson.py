"""TopoJSON's arcs, transform and quantization decoded to GeoJSON."""

from __future__ import annotations

from shapely.geometry import shape

from citywall.city_files.topojson import to_feature_collection

# Two unit squares side by side sharing the arc x=1 (arc 1), quantized with
# scale 0.5 and translate (10, 20): arcs hold deltas in steps of half a unit.
TWO_SQUARES = {
    "type": "Topology",
    "transform": {"scale": [0.5, 0.5], "translate": [10, 20]},
    "objects": {
        "districts": {
            "type": "GeometryCollection",
            "geometries": [
                {"type": "Polygon", "arcs": [[0, 1]], "properties": {"code": "a"}},
                {"type": "Polygon", "arcs": [[2, ~1]], "properties": {"code": "b"}},
                {"type": None, "properties": {"code": "unsettled"}},
            ],
        },
        "outline": {"type": "GeometryCollection", "geometries": []},
    },
    "arcs": [
        [[2, 0], [-2, 0], [0, 2], [2, 0]],  # (1,0)→(0,0)→(0,1)→(1,1)
        [[2, 2], [0, -2]],  # (1,1)→(1,0): the shared edge
        [[2, 0], [2, 0], [0, 2], [-2, 0]],  # (1,0)→(2,0)→(2,1)→(1,1)
    ],
}


def test_decodes_shared_quantized_arcs_into_polygons():
    notes: list[str] = []
    collection = to_feature_collection(TWO_SQUARES, notes)
    a, b, unsettled = collection["features"]
    assert a["properties"] == {"code": "a"}
    assert shape(a["geometry"]).bounds == (10.0, 20.0, 11.0, 21.0)
    assert shape(a["geometry"]).area == 1.0
    # b walks the shared arc backwards (~1) and still closes
    assert shape(b["geometry"]).bounds == (11.0, 20.0, 12.0, 21.0)
    assert shape(b["geometry"]).is_valid and shape(b["geometry"]).area == 1.0
    assert unsettled["geometry"] is None
    assert notes == ["TopoJSON: read object 'districts'; left out ['outline']"]


def test_reads_arcs_that_are_not_quantized():
    topology = {
        "type": "Topology",
        "objects": {"one": {"type": "Polygon", "arcs": [[0]], "properties": {}}},
        "arcs": [[[0, 0], [3, 0], [3, 3], [0, 0]]],
    }
    (feature,) = to_feature_collection(topology, [])["features"]
    assert feature["geometry"]["coordinates"] == [[[0, 0], [3, 0], [3, 3], [0, 0]]]
