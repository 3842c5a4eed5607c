"""A connector's declared options, read from a profile's: unknown, misspelt,
mistyped, missing and secret options are refused, each named, all at once."""

from __future__ import annotations

import pytest

import connectors
from connectors.feed import FEED_OPTIONS
from connectors.open311 import Open311Connector
from connectors.options import Option, SourceOptionsError, declare, read_options
from connectors.simulator import SimulatorConnector

DECLARED = (
    Option("url", str, required=True, help="where"),
    Option("window_hours", float, 24.0, "hours at a time"),
    Option("page_size", int, 100, "rows a page"),
    Option("paging", bool, True, "the server pages"),
    Option("format", str, "json", "answers in", choices=("json", "xml")),
    Option("statuses", list, ("Actual",), "shown", items=str),
    Option("api_key", str, None, "the key", secret=True),
    Option("headers", dict, None, "extra headers", items=str, secret=True),
)


def read(**given):
    return read_options(DECLARED, given, "demo")


def refusal(**given) -> str:
    with pytest.raises(SourceOptionsError) as refused:
        read(**given)
    return str(refused.value)


def test_defaults_are_filled_in_and_the_values_are_typed():
    settings = read(url="https://x.test", window_hours=6, page_size="50")
    assert settings.url == "https://x.test" and settings["url"] == "https://x.test"
    assert settings.window_hours == 6.0 and isinstance(settings.window_hours, float)
    assert settings.page_size == 50  # digits, as a profile may quote them
    assert settings.paging is True and settings.format == "json"
    assert settings.statuses == ("Actual",) and settings.api_key is None
    assert set(settings) == {o.name for o in DECLARED}


def test_settings_are_read_only():
    settings = read(url="https://x.test")
    with pytest.raises(AttributeError):
        settings.url = "elsewhere"
    with pytest.raises(TypeError):
        settings["url"] = "elsewhere"  # type: ignore[index]


def test_a_misspelt_option_is_named_with_its_close_matches():
    message = refusal(url="https://x.test", windw_hours=6)
    assert message == (
        "the demo connector: option `windw_hours` is unknown "
        "(did you mean `window_hours`?)"
    )


def test_an_unknown_option_with_no_close_match_says_where_the_list_is():
    message = refusal(url="https://x.test", colour="red")
    assert "option `colour` is unknown (`citywall connectors show demo`" in message


@pytest.mark.parametrize(
    ("given", "said"),
    [
        (
            {"window_hours": "fast"},
            'option `window_hours` must be a number, not "fast"',
        ),
        ({"page_size": 2.5}, "option `page_size` must be an integer, not 2.5"),
        ({"page_size": True}, "option `page_size` must be an integer, not true"),
        ({"statuses": "Actual"}, 'option `statuses` must be an array, not "Actual"'),
        ({"statuses": [{}]}, "option `statuses` must be an array of strings"),
        (
            {"format": "yaml"},
            'option `format` must be one of "json", "xml", not "yaml"',
        ),
        ({"headers": ["x"]}, "option `headers` must be a table"),
    ],
)
def test_a_wrong_type_is_named_with_the_type_expected(given, said):
    assert said in refusal(url="https://x.test", **given)


@pytest.mark.parametrize("text", ["false", "no", "0", ""])
def test_a_boolean_given_as_a_string_is_refused_not_read_as_true(text):
    assert f'option `paging` must be true or false, not "{text}"' in refusal(
        url="https://x.test", paging=text
    )


@pytest.mark.parametrize("given", [{}, {"url": ""}])
def test_a_missing_required_option_is_named(given):
    assert refusal(**given) == "the demo connector: needs option `url`"


def test_every_problem_is_said_at_once():
    message = refusal(windw_hours=1, page_size="many", paging="yes")
    for part in ("`windw_hours`", "needs option `url`", "`page_size`", "`paging`"):
        assert part in message


def test_a_secret_value_is_never_repeated():
    message = refusal(
        url="https://x.test", api_key=["s3cret-key"], headers={"x-key": ["tok-123"]}
    )
    assert "option `api_key` must be a string" in message
    assert "option `headers` must be a table of strings" in message
    assert "s3cret" not in message and "tok-123" not in message


def test_an_unknown_option_never_repeats_its_value():
    assert "s3cret" not in refusal(url="https://x.test", api_kye="s3cret-key")


def test_a_long_value_is_cut_in_the_message():
    message = refusal(url="https://x.test", window_hours="x" * 500)
    assert len(message) < 200 and message.endswith("…")


def test_an_option_declared_twice_is_the_connectors_mistake():
    with pytest.raises(TypeError, match="declared twice: \\['timezone'\\]"):
        declare((Option("timezone", str, None, "again"),), FEED_OPTIONS)


def test_a_connector_refuses_what_it_does_not_declare(seoul):
    with pytest.raises(SourceOptionsError, match="did you mean `page_size`"):
        Open311Connector(seoul, {"url": "https://x.test", "pagesize": 50})
    with pytest.raises(SourceOptionsError, match="the simulator connector: option"):
        SimulatorConnector(seoul, {"seed": "one"})


def test_a_connector_reads_the_shared_http_options(seoul):
    connector = Open311Connector(
        seoul, {"url": "https://x.test", "timeout_seconds": 5, "max_payload_mb": 1}
    )
    assert connector.http.settings.timeout_seconds == 5.0
    assert connector.http.settings.max_bytes == 2**20
    assert Open311Connector.secret_options == ("api_key", "headers")


@pytest.mark.parametrize("name", sorted(connectors.built_in()))
def test_every_connector_refuses_a_misspelt_option_when_built(name, seoul):
    """Each of ours reads its options through its declaration when it is built:
    ``city check`` and the ingest refuse a misspelt one by name."""
    cls = connectors.built_in()[name]
    option = cls.OPTIONS[0].name
    misspelt = option[:-1] + option[-1] * 2  # window_hours → window_hourss
    with pytest.raises(SourceOptionsError) as refused:
        cls(seoul, {**cls.EXAMPLE, misspelt: 1})
    assert f"option `{misspelt}` is unknown (did you mean `{option}`" in str(
        refused.value
    )
