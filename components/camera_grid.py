"""Camera pictures on the wall: a card per camera with its latest frame, name,
provider and, near an incident, its distance. The frames come from the wall's own
server (``/_citywall/camera/<id>.jpg``) and assets/30-cameras.js renews them."""

from __future__ import annotations

from dash import html

from city import i18n
from city.i18n import t
from city.profile import CityProfile
from components.format import place
from components.links import href
from kpis.cameras import CameraRow

FRAME_SECONDS = 5  # how often a shown frame is renewed


def camera_card(camera: CameraRow, profile: CityProfile, lang: str) -> html.Figure:
    facts = [camera.provider]
    if camera.district_code:  # a camera outside the districts has no place to name
        facts.append(place(profile, camera.district_code, lang))
    if camera.distance_m is not None:
        facts.insert(
            0, t(lang, "cameras.distance", metres=i18n.number(camera.distance_m, lang))
        )
    return html.Figure(
        [
            html.Img(
                src=href(f"/_citywall/camera/{camera.id}.jpg"),
                alt=camera.name,
                className="camera-frame",
                width=640,
                height=360,
                **{"data-camera": str(camera.id)},
            ),
            html.Figcaption(
                [
                    html.Span(camera.name, className="camera-name"),
                    html.Span(" · ".join(facts), className="camera-facts"),
                ]
            ),
        ],
        className="camera-card",
    )


def camera_grid(
    cameras: list[CameraRow], profile: CityProfile, lang: str, empty_key: str
) -> html.Div:
    if not cameras:
        return html.Div(t(lang, empty_key), className="camera-none")
    return html.Div(
        [camera_card(c, profile, lang) for c in cameras],
        className="camera-grid",
        **{"data-frame-seconds": str(FRAME_SECONDS)},
    )


def nearest_cameras_block(
    cameras: list[CameraRow], profile: CityProfile, lang: str
) -> list:
    """The record panel's "nearest cameras": a heading and the grid."""
    return [
        html.H4(t(lang, "cameras.nearest")),
        camera_grid(cameras, profile, lang, "cameras.none_near"),
    ]
