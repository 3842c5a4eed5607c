"""Three cities a city's IT person brings up from their own boundary files, as the
README's "Bring your city" does: `citywall city init` → `citywall city check` →
`citywall serve`, each with its own store, then the wall seen in chromium at
1920×1080: framed on the city, no label over another, a map click opening the
district's page, the clock in the city's zone, nothing in the console.

The files (tests/fixtures/cities/, see make_fixtures.py) are shaped like the real
national ones: Quito's parishes keyed by accented, long names; Japan's N03 file
filtered to Tokyo's 23 wards, islands as separate features; Bogotá in EPSG:3116
with a ``crs`` member, MultiPolygons and mis-encoded names.

All three cities are set up in one working folder, as in a checkout: profiles in
cities/, each city's store in data/<city id>/. About two minutes in all (a city's
init, check and serve take some 20 s, its three browser visits some 25 s).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

import pytest
import requests
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from city.district_codes import is_wall_code
from tests.browser.servers import free_port, screen
from tests.browser.test_wall_fit import _overlap
from tests.citywall.test_cli import serving
from tests.signin import browser_sign_in, demo_admin

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cities"
WIDTH, HEIGHT = 1920, 1080
# a short history: the wall needs the newest day at once, the rest comes behind
BACKFILL_DAYS = 1
# the map may show more than the framed districts' box, not much (a frame fitted
# to them shows about 1.04 times their width and height)
FRAME_AT_MOST = 2.0
# share of the framed districts with their label shown: a map framed on a small
# blob names few (Quito's 32 parishes in a narrow map: 11 named in a trial merge)
LABELLED_AT_LEAST = 0.25


@dataclass(frozen=True)
class NewCity:
    id: str
    name: str
    timezone: str
    language: str
    file: str
    flags: tuple[str, ...]  # what the city's IT person gives init besides these
    districts: int
    clicked: str  # the district the test clicks, named as the wall must name it
    # what the IT person then leaves out of the map's frame, as init suggests
    leaves_out: tuple[str, ...] = ()


QUITO = NewCity(
    id="quito",
    name="Quito",
    timezone="America/Guayaquil",
    language="es",
    file="quito_parroquias.geojson",
    # the name is the only key: init derives URL-safe codes, keeps the name
    flags=(
        "--code-property=PARROQUIA",
        "--name-property=PARROQUIA",
        "--population-property=poblacion",
    ),
    districts=32,
    clicked="Comité del Pueblo",
)
TOKYO = NewCity(
    id="tokyo",
    name="東京",
    timezone="Asia/Tokyo",
    language="ja",
    file="japan_n03_kanto.geojson",
    # the 23 special wards out of a national file; a ward's islands are one district
    flags=(
        "--code-property=N03_007",
        "--name-property=N03_004",
        "--where=N03_007=131*",
    ),
    districts=23,
    clicked="千代田区",
)
BOGOTA = NewCity(
    id="bogota",
    name="Bogotá",
    timezone="America/Bogota",
    language="es",
    file="bogota_localidades_3116.geojson",
    # EPSG:3116 from the file's crs member; names read as Latin-1 repaired
    flags=(
        "--code-property=LocCodigo",
        "--name-property=LocNombre",
        "--population-property=POBLACION",
        "--fix-encoding",
    ),
    districts=20,
    clicked="Usaquén",  # written USAQUÉN in the file (mis-encoded)
    leaves_out=("20",),  # Sumapaz, rural, larger than the 19 others together
)
CITIES = (QUITO, TOKYO, BOGOTA)


@dataclass(frozen=True)
class ServedCity:
    city: NewCity
    folder: Path  # the working folder: cities/ and data/
    profile: dict  # the profile init wrote (and the test shortened the backfill of)
    url: str
    admin: tuple[str, str]

    @property
    def districts(self) -> list[dict]:
        return self.profile.get("districts", [])

    def code_of(self, name: str) -> str:
        """The wall's code of the district named ``name`` (in any language)."""
        return _district(self, name)["code"]


def _district(served: ServedCity, name: str) -> dict:
    """The district init wrote for ``name`` (in any language, any case)."""
    for district in served.districts:
        if any(_same(n, name) for n in _names(district)):
            return district
    names = [_names(d) for d in served.districts]
    raise AssertionError(f"{served.city.id}: no district named {name!r} in {names}")


def _names(district: dict) -> list[str]:
    names = district.get("name", {})
    return list(names.values()) if isinstance(names, dict) else [str(names)]


def _same(a: str, b: str) -> bool:
    """Equal but for case: Bogotá's file writes its names in capitals."""
    return a.strip().casefold() == b.strip().casefold()


def _citywall(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """A `citywall` command as the city's IT person runs it, in ``folder``."""
    return subprocess.run(
        [sys.executable, "-m", "citywall.cli", *args],
        cwd=folder,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )


def _environment(**more: str) -> dict[str, str]:
    """This test run's environment without the store settings other tests set: the
    wall finds its store where a new user's would be (data/<city id>/)."""
    env = dict(os.environ)
    for name in ("CITYWALL_DATA_DIR", "CITYWALL_DATABASE_URL", "CITYWALL_PROFILE"):
        env.pop(name, None)
    return env | more


def _init_and_check(city: NewCity, folder: Path) -> Path:
    init = _citywall(
        folder,
        "city",
        "init",
        str(FIXTURES / city.file),
        f"--id={city.id}",
        f"--name={city.name}",
        f"--timezone={city.timezone}",
        f"--language={city.language}",
        *city.flags,
    )
    said = (init.stderr or init.stdout).strip().splitlines()[-2:]  # not the usage
    assert init.returncode == 0, f"`citywall city init` refused {city.file}: {said}"
    profile = folder / "cities" / f"{city.id}.toml"
    assert profile.is_file(), f"init said {init.stdout!r} but wrote no {profile}"
    _shorten_backfill(profile)
    if city.leaves_out:
        _leave_out_of_frame(profile, city.leaves_out)
    check = _citywall(folder, "city", "check", str(profile))
    assert check.returncode == 0, (
        f"`citywall city check` refused what init wrote for {city.id}:\n"
        f"{check.stdout}{check.stderr}"
    )
    return profile


def _shorten_backfill(profile: Path) -> None:
    """The simulator's history cut to a day: the wall shows the newest day first,
    the rest only keeps two cores busy during the test."""
    text = profile.read_text(encoding="utf-8")
    text = re.sub(
        r"\bbackfill_days\s*=\s*[0-9.]+", f"backfill_days = {BACKFILL_DAYS}", text
    )
    profile.write_text(text, encoding="utf-8")


def _leave_out_of_frame(profile: Path, codes: tuple[str, ...]) -> None:
    """``[map] frame_leaves_out = codes``, in the [map] table init may have written
    (its suggestion there is a comment)."""
    line = f"frame_leaves_out = {json.dumps(list(codes))}"
    text = profile.read_text(encoding="utf-8")
    text, set_already = re.subn(r"(?m)^frame_leaves_out\s*=.*$", line, text)
    if not set_already:
        text, in_table = re.subn(r"(?m)^\[map\][ \t]*$", f"[map]\n{line}", text)
        if not in_table:
            text += f"\n[map]\n{line}\n"
    profile.write_text(text, encoding="utf-8")


def _ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        answer = requests.get(f"{url}/readyz", timeout=10)
        if answer.status_code == 200:
            return
        assert time.monotonic() < deadline, f"/readyz never ready: {answer.text}"
        time.sleep(0.5)


def _admin(data: Path, city_id: str) -> tuple[str, str]:
    """The demo admin `citywall serve` made in the city's own folder."""
    for folder in (data / city_id, data):
        if (folder / "demo-admin.txt").is_file():
            return demo_admin(folder)
    raise AssertionError(f"serve made no demo admin in {data / city_id}")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """One working folder for the three cities, as a checkout of CityWall is."""
    return tmp_path_factory.mktemp("new-cities")


@pytest.fixture(scope="module", params=CITIES, ids=[c.id for c in CITIES])
def served(request, workdir: Path) -> Iterator[ServedCity]:
    """The city set up by init and check, and served on a port of its own with
    one worker; in the working folder, so its store is where a new user's is."""
    city: NewCity = request.param
    profile = _init_and_check(city, workdir)
    env = _environment(CITYWALL_PROFILE=str(profile))
    with ExitStack() as stack:
        where = stack.enter_context(pytest.MonkeyPatch.context())
        where.chdir(workdir)  # the server's working folder (it keeps it)
        url, _ = stack.enter_context(serving(env, free_port()))
        where.undo()  # the tests keep their own
        _ready(url)
        yield ServedCity(
            city=city,
            folder=workdir,
            profile=tomllib.loads(profile.read_text(encoding="utf-8")),
            url=url,
            admin=_admin(workdir / "data", city.id),
        )


# -- what init wrote -----------------------------------------------------------------


def test_init_writes_every_district_with_a_code_the_wall_can_use(served):
    city, districts = served.city, served.districts
    assert len(districts) == city.districts, (
        f"{city.id}: init wrote {len(districts)} districts, the file has "
        f"{city.districts}: {[d['code'] for d in districts]}"
    )
    unusable = [d["code"] for d in districts if not is_wall_code(str(d["code"]))]
    assert unusable == [], f"{city.id}: codes no URL or CSV takes as they are"
    assert served.profile["city"].get("default_language") == city.language
    named = served.code_of(city.clicked)  # the names as the wall must show them
    assert named
    broken = [n for d in districts for n in _names(d) if "Ã" in n or "\ufffd" in n]
    assert broken == [], f"{city.id}: names still mis-encoded"


def test_init_handled_what_the_citys_own_file_holds(served):
    """Each file's own difficulty: Quito's names as keys, Tokyo's national file,
    Bogotá's metres (one test, run for each city, so none is skipped)."""
    {
        QUITO.id: _official_code_kept_beside_the_derived_one,
        TOKYO.id: _one_city_kept_of_a_national_file_its_parts_merged,
        BOGOTA.id: _metres_reprojected_to_where_the_city_is,
    }[served.city.id](served)


def _official_code_kept_beside_the_derived_one(served) -> None:
    """Quito's key is its parishes' names: the wall's codes are derived, the names
    kept as official codes; the populations are read as Spanish writes them."""
    comite = _district(served, "Comité del Pueblo")
    assert comite.get("official_code") == "Comité del Pueblo", comite
    assert comite["code"] != "Comité del Pueblo", "a name with spaces kept as code"
    carcelen = _district(served, "Carcelén")
    assert carcelen.get("population") == 57_812, (
        'population "57.812" is 57,812 residents (Spanish thousands)',
        carcelen,
    )


def _one_city_kept_of_a_national_file_its_parts_merged(served) -> None:
    codes = sorted(d["code"] for d in served.districts)
    wards = [str(13101 + i) for i in range(23)]
    assert codes == wards, "--where N03_007=131* keeps the 23 wards, once each"


def _metres_reprojected_to_where_the_city_is(served) -> None:
    all_of = shapely.union_all(list(_boundaries(served).values()))
    west, south, east, north = all_of.bounds
    assert -74.5 < west < east < -73.9 and 3.6 < south < north < 4.9, (
        "Bogotá's boundaries (EPSG:3116, from the crs member) are not around "
        f"4.6°N 74.1°W: {(west, south, east, north)}"
    )


def test_each_city_has_a_store_of_its_own(served):
    data = served.folder / "data"
    store = data / served.city.id / "citywall.db"
    found = sorted(str(p.relative_to(data)) for p in data.rglob("citywall.db"))
    assert store.is_file(), f"{served.city.id}'s store is not in {store}: {found}"


# -- the wall in the browser ---------------------------------------------------------

# The overview's map as drawn: the frame plotly clips the map to (page px), the
# lon/lat range that frame shows, and each label: its district, its text, its box
# as drawn and where the figure puts it (its lon/lat turned into page px by the
# map's own projection).
MAP = r"""
const gd = document.querySelector('#city-map .js-plotly-plot');
const geo = gd && gd._fullLayout && gd._fullLayout.geo;
const sub = geo && geo._subplot;
if (!sub || !gd.__citywallDesign) return null;
const at = gd.getBoundingClientRect();
const x0 = sub.xaxis._offset, y0 = sub.yaxis._offset;
const x1 = x0 + sub.xaxis._length, y1 = y0 + sub.yaxis._length;
const corners = [sub.projection.invert([x0, y1]), sub.projection.invert([x1, y0])];
const trace = gd.data.filter(t => t.type === 'scattergeo' && t.mode === 'text').pop();
if (!trace) return null;
const box = (e) => { const b = e.getBoundingClientRect();
  return {left: b.left, top: b.top, right: b.right, bottom: b.bottom}; };
const labels = [...gd.querySelectorAll('g.trace.scattergeo text')]
  .filter(t => t.__data__ && t.__data__.i !== undefined)
  .map(t => { const i = t.__data__.i;
    const [x, y] = sub.projection([trace.lon[i], trace.lat[i]]);
    return {code: (trace.customdata || [])[i], text: t.textContent,
            shown: t.style.display !== 'none' && t.getClientRects().length > 0,
            box: box(t), at: [at.left + x, at.top + y]}; });
const note = gd.querySelector('.map-unlabelled');
return {
  frame: {left: at.left + x0, top: at.top + y0, right: at.left + x1,
          bottom: at.top + y1},
  visible: [corners[0][0], corners[0][1], corners[1][0], corners[1][1]],
  labels: labels, note: note ? note.textContent : '',
  noteBox: note ? box(note) : null, graph: box(gd),
};
"""


def _overview(dash_duo, served: ServedCity) -> dict:
    """The overview, signed in, once its map is drawn and its labels placed."""
    driver = dash_duo.driver
    screen(driver, WIDTH, HEIGHT)
    browser_sign_in(driver, served.url, *served.admin)
    driver.get(served.url + "/")
    deadline = time.monotonic() + 60
    last = None
    while time.monotonic() < deadline:
        now = driver.execute_script(MAP)
        if now and last and now["labels"] == last["labels"]:
            # kept beside the stores for whoever reads a failure
            driver.save_screenshot(str(_screenshot(served)))
            return now
        last = now
        time.sleep(1.0)
    raise AssertionError(f"{served.city.id}: the overview's map never settled: {last}")


def _screenshot(served: ServedCity) -> Path:
    return served.folder / f"overview-{served.city.id}.png"


def _framed(served: ServedCity) -> dict[str, BaseGeometry]:
    """The districts the profile wants framed, with their boundaries: all but
    those it leaves out of the frame, and inside the frame when it sets one."""
    settings = served.profile.get("map", {})
    left_out = {str(c) for c in settings.get("frame_leaves_out", [])}
    framed = {c: g for c, g in _boundaries(served).items() if c not in left_out}
    if "frame" in settings:
        frame = shapely.box(*settings["frame"])
        framed = {c: g for c, g in framed.items() if frame.contains(_centre(g))}
    return framed


def _centre(district: BaseGeometry) -> shapely.Point:
    """A point inside the district (its centroid may lie outside it)."""
    return district.representative_point()


def _boundaries(served: ServedCity) -> dict[str, BaseGeometry]:
    """Each district's boundary, from the file init wrote beside the profile."""
    path = served.folder / "cities" / served.profile["city"]["boundaries"]
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    return {str(f["properties"]["code"]): shape(f["geometry"]) for f in features}


def _inside(box: dict, frame: dict, slack: float = 1.0) -> bool:
    return (
        box["left"] >= frame["left"] - slack
        and box["top"] >= frame["top"] - slack
        and box["right"] <= frame["right"] + slack
        and box["bottom"] <= frame["bottom"] + slack
    )


def _figure_box(label: dict) -> dict:
    """The label's box where the figure puts it: its drawn size, centred on its
    point (plotly's "middle center")."""
    (x, y), box = label["at"], label["box"]
    half_w, half_h = (box["right"] - box["left"]) / 2, (box["bottom"] - box["top"]) / 2
    return {
        "left": x - half_w,
        "right": x + half_w,
        "top": y - half_h,
        "bottom": y + half_h,
    }


def _apart(labels: list[dict], box, city: str, where: str) -> None:
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            assert not _overlap(box(a), box(b)), (
                f"{city}: labels overlap {where}: {a['text']!r} {box(a)} and "
                f"{b['text']!r} {box(b)}"
            )


def test_the_map_is_framed_on_the_city_with_no_label_over_another(dash_duo, served):
    seen = _overview(dash_duo, served)
    city = f"{served.city.id} (see {_screenshot(served)})"
    framed = _framed(served)
    # every framed district's centre within what the map shows
    west, south, east, north = seen["visible"]
    outside = [
        code
        for code, district in framed.items()
        if not shapely.box(west, south, east, north).contains(_centre(district))
    ]
    assert outside == [], f"{city}: framed districts off the map {seen['visible']}"
    # and the map not much larger than those districts
    b_west, b_south, b_east, b_north = shapely.union_all(list(framed.values())).bounds
    ratios = ((east - west) / (b_east - b_west), (north - south) / (b_north - b_south))
    assert max(ratios) < FRAME_AT_MOST, (
        f"{city}: the map shows {seen['visible']}, its framed districts fill "
        f"{(b_west, b_south, b_east, b_north)} (×{ratios[0]:.2f}, ×{ratios[1]:.2f})"
    )
    # the labels: none over another (where the figure puts them, and as drawn),
    # none cut by the map's edge, enough of them shown
    shown = [label for label in seen["labels"] if label["shown"]]
    _apart(shown, _figure_box, city, "in the figure")
    _apart(shown, lambda label: label["box"], city, "as drawn")
    cut = [label["text"] for label in shown if not _inside(label["box"], seen["frame"])]
    assert cut == [], f"{city}: labels cut by the map's edge {seen['frame']}"
    labelled = {label["code"] for label in shown} & set(framed)
    assert len(labelled) >= LABELLED_AT_LEAST * len(framed), (
        f"{city}: {len(labelled)} of {len(framed)} framed districts labelled; "
        f"the others: {seen['note']!r}"
    )
    # a framed district with no room for its label is named under the map, and
    # that line is whole
    for code in sorted(set(framed) - labelled):
        name = _district_name(served, code)
        assert name in seen["note"], f"{city}: {name} neither labelled nor listed"
    if set(framed) - labelled:
        assert _inside(seen["noteBox"], seen["graph"]), (
            f"{city}: the line naming the unlabelled districts is cut: "
            f"{seen['noteBox']} in {seen['graph']}"
        )
    assert dash_duo.get_logs() == [], f"{city}: console"


def _district_name(served: ServedCity, code: str) -> str:
    district = next(d for d in served.districts if d["code"] == code)
    names = district.get("name", {})
    return names.get(served.city.language) or _names(district)[0]


def _click(driver, x: float, y: float) -> None:
    """A mouse click at (x, y) of the page, as a person's."""
    from selenium.webdriver.common.actions.action_builder import ActionBuilder

    action = ActionBuilder(driver)
    action.pointer_action.move_to_location(round(x), round(y))
    action.pointer_action.click()
    action.perform()


# A point of the map in page px, by the map's own projection, and whether it lies
# in the district's drawn shape and in the map's frame (what a click there hits:
# plotly finds the shape under the pointer, the labels let clicks through).
AT = r"""
const [lon, lat, code] = arguments;
const gd = document.querySelector('#city-map .js-plotly-plot');
const sub = gd._fullLayout.geo._subplot;
const at = gd.getBoundingClientRect();
const [x, y] = sub.projection([lon, lat]);
const page = {x: at.left + x, y: at.top + y};
const shape = [...gd.querySelectorAll('.choroplethlocation')]
  .find(p => p.__data__ && p.__data__.loc === code);
const local = shape &&
  new DOMPoint(page.x, page.y).matrixTransform(shape.getScreenCTM().inverse());
const x0 = sub.xaxis._offset, y0 = sub.yaxis._offset;
return {x: page.x, y: page.y, drawn: !!shape,
        inShape: !!shape && shape.isPointInFill(local),
        inFrame: x >= x0 && x <= x0 + sub.xaxis._length &&
                 y >= y0 && y <= y0 + sub.yaxis._length};
"""


def test_a_map_click_opens_the_district_page(dash_duo, served):
    city, name = served.city.id, served.city.clicked
    code = served.code_of(name)
    _overview(dash_duo, served)
    inner = _centre(_boundaries(served)[code])
    point = dash_duo.driver.execute_script(AT, inner.x, inner.y, code)
    assert point["drawn"] and point["inShape"] and point["inFrame"], (
        f"{city}: {name} ({code}) is not drawn, or not where it is, or off the "
        f"map: {point}"
    )
    driver = dash_duo.driver
    _click(driver, point["x"], point["y"])
    path = f"/district/{code}"
    deadline = time.monotonic() + 30
    while unquote(urlsplit(driver.current_url).path) != path:
        assert time.monotonic() < deadline, (
            f"{city}: a click on {name} went to {driver.current_url}, not {path}"
        )
        time.sleep(0.2)
    heading = _heading(driver)
    assert name.casefold() in heading.casefold(), (
        f"{city}: {path} is titled {heading!r}, not {name!r}: {_content(driver)}"
    )
    assert dash_duo.get_logs() == [], f"{city}: console"


def _heading(driver, timeout: float = 30) -> str:
    """The page's title once drawn (a district's, or the not-found page's)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = driver.find_elements("css selector", "#_pages_content h1")
        if found and found[0].text.strip():
            return found[0].text.strip()
        time.sleep(0.2)
    return ""


def _content(driver) -> str:
    """What the page says, for a failure's message (e.g. why it is not found)."""
    return " / ".join(
        driver.find_element("css selector", "#_pages_content").text.splitlines()[:4]
    )


def test_the_clock_shows_the_city_time(dash_duo, served):
    city = served.city
    driver = dash_duo.driver
    screen(driver, WIDTH, HEIGHT)
    browser_sign_in(driver, served.url, *served.admin)
    driver.get(served.url + "/")
    dash_duo.wait_for_element("#clock", timeout=30)
    deadline = time.monotonic() + 30
    while not re.search(r"\d{1,2}:\d{2}:\d{2}", shown := _text(driver, "#clock")):
        assert time.monotonic() < deadline, f"{city.id}: the clock shows {shown!r}"
        time.sleep(0.2)
    there = datetime.now(ZoneInfo(city.timezone))
    hours, minutes, seconds = map(
        int, re.search(r"(\d{1,2}):(\d{2}):(\d{2})", shown).groups()
    )
    apart = abs((hours * 3600 + minutes * 60 + seconds) - _seconds_of_day(there))
    apart = min(apart, 86_400 - apart)  # across midnight
    assert apart <= 60, (
        f"{city.id}: the clock shows {shown!r}, {city.timezone} is "
        f"{there:%H:%M:%S} ({apart} s apart)"
    )
    days = {(there + timedelta(seconds=s)).day for s in (-60, 0, 60)}
    assert any(re.search(rf"(?<!\d){d}(?!\d)", shown) for d in days), (
        f"{city.id}: the clock {shown!r} does not show the day {there:%d}"
    )
    assert _text(driver, ".clock-zone") == city.timezone
    assert _text(driver, ".brand-city") == city.name
    assert dash_duo.get_logs() == [], f"{city.id}: console"


def _text(driver, selector: str) -> str:
    return driver.find_element("css selector", selector).text.strip()


def _seconds_of_day(moment: datetime) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second
