"""The tools' schemas (sent to Claude as they are) and the input check every call goes through before it runs.

A call that fails the check gets one sentence back; it must name the tool and the field, so the model can fix its
call and try again.
"""

from __future__ import annotations

from typing import Any

import pytest

from catalyst_tui.agent.tools import ORDER_TOOLS, TOOL_NAMES, TOOLS, input_error

_ORDER = {
    "symbol": "0700.HK",
    "side": "BUY",
    "quantity": 100,
    "order_type": "LMT",
    "limit_price": 402.2,
    "stop_loss": 380,
    "take_profit": 440.0,
    "reason": "breaking out of a three-week range on twice the usual volume",
}
VALID: dict[str, dict[str, Any]] = {
    "get_portfolio": {},
    "scan_market": {"market": "HK", "limit": 10},
    "get_quote": {"symbol": "0700.HK"},
    "get_technicals": {"symbol": "AAPL"},
    "get_news": {"symbol": "BRK.B", "days": 3},
    "check_risk": _ORDER,
    "execute_trade": _ORDER,
    "close_position": {"symbol": "AAPL", "reason": "the stop is too far to hold over the weekend"},
    "close_all_positions": {"reason": "the daily loss limit is near"},
    "cancel_order": {"intent_id": "int_01HZX3"},
    "log_decision": {"decision": "no trade", "reasoning": "nothing in the universe is moving on volume"},
}
JSON_TYPES = {"string", "number", "integer", "boolean", "object", "array", "null"}


def test_every_tool_has_an_example_here() -> None:
    assert set(VALID) == set(TOOL_NAMES)
    assert len(TOOL_NAMES) == len(set(TOOL_NAMES)) == len(TOOLS)
    assert set(TOOL_NAMES) >= ORDER_TOOLS


@pytest.mark.parametrize("tool", TOOLS, ids=TOOL_NAMES)
def test_each_schema_is_a_closed_object_schema(tool: dict[str, Any]) -> None:
    assert set(tool) == {"name", "description", "input_schema"}
    assert tool["name"].isidentifier() and len(tool["name"]) <= 64
    assert isinstance(tool["description"], str) and tool["description"].strip()
    schema = tool["input_schema"]
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert isinstance(schema["properties"], dict)
    assert isinstance(schema["required"], list)
    assert len(schema["required"]) == len(set(schema["required"]))
    assert set(schema["required"]) <= set(schema["properties"])
    for field, spec in schema["properties"].items():
        assert field.isidentifier()
        assert spec["type"] in JSON_TYPES, field
        if "enum" in spec:
            assert spec["type"] == "string" and spec["enum"] and all(isinstance(v, str) for v in spec["enum"])
        if "maxLength" in spec:
            assert spec["type"] == "string" and isinstance(spec["maxLength"], int) and spec["maxLength"] > 0
        if "minimum" in spec or "maximum" in spec:
            assert spec["type"] in ("number", "integer") and spec["minimum"] <= spec["maximum"]


@pytest.mark.parametrize("name", TOOL_NAMES)
def test_a_good_call_of_every_tool_passes(name: str) -> None:
    assert input_error(name, VALID[name]) is None


def test_optional_fields_may_be_left_out() -> None:
    for tool in TOOLS:
        name, schema = tool["name"], tool["input_schema"]
        assert input_error(name, {k: VALID[name][k] for k in schema["required"]}) is None, name


def test_numbers_may_be_whole_or_fractional() -> None:
    assert input_error("execute_trade", _ORDER | {"quantity": 100.0, "stop_loss": 380.5}) is None


def test_an_unknown_tool_is_told_the_real_ones() -> None:
    problem = input_error("buy_stock", {"symbol": "AAPL"})
    assert problem is not None and "'buy_stock'" in problem
    assert all(name in problem for name in TOOL_NAMES)


def test_a_huge_unknown_tool_name_is_not_echoed_in_full() -> None:
    problem = input_error("x" * 10_000, {})
    assert problem is not None and "x" * 64 in problem and "x" * 65 not in problem


@pytest.mark.parametrize(
    ("name", "given", "field"),
    [
        ("get_quote", {}, "symbol"),
        ("execute_trade", {k: v for k, v in _ORDER.items() if k != "reason"}, "reason"),
        ("log_decision", {"decision": "no trade"}, "reasoning"),
        ("cancel_order", {}, "intent_id"),
    ],
)
def test_a_missing_required_field_is_named(name: str, given: dict[str, Any], field: str) -> None:
    problem = input_error(name, given)
    assert problem is not None and problem.startswith(name) and field in problem and "needs" in problem


def test_every_missing_field_is_named_at_once() -> None:
    problem = input_error("execute_trade", {"symbol": "AAPL", "side": "BUY"})
    assert problem is not None
    assert all(field in problem for field in ("quantity", "order_type", "reason"))
    assert "symbol" not in problem.removeprefix("execute_trade")


def test_an_unknown_argument_is_named_with_what_the_tool_takes() -> None:
    problem = input_error("get_quote", {"symbol": "AAPL", "ticker": "AAPL"})
    assert problem is not None and problem.startswith("get_quote") and "ticker" in problem and "symbol" in problem
    problem = input_error("get_portfolio", {"account": "U123"})
    assert problem is not None and problem.startswith("get_portfolio") and "account" in problem


def test_a_huge_unknown_argument_is_not_echoed_in_full() -> None:
    problem = input_error("get_quote", {"symbol": "AAPL", "k" * 10_000: 1})
    assert problem is not None and "k" * 40 in problem and len(problem) < 200


@pytest.mark.parametrize(
    ("name", "given", "field", "said"),
    [
        ("execute_trade", _ORDER | {"quantity": "100"}, "quantity", "must be a number, got '100'"),
        ("check_risk", _ORDER | {"limit_price": [402.2]}, "limit_price", "must be a number, got [402.2]"),
        ("execute_trade", _ORDER | {"quantity": True}, "quantity", "must be a number, got True"),
        ("execute_trade", _ORDER | {"stop_loss": False}, "stop_loss", "must be a number, got False"),
        ("scan_market", {"limit": True}, "limit", "must be an integer, got True"),
        ("scan_market", {"limit": 10.5}, "limit", "must be an integer, got 10.5"),
        ("get_news", {"symbol": "AAPL", "days": "3"}, "days", "must be an integer, got '3'"),
        ("get_quote", {"symbol": 700}, "symbol", "must be a string, got 700"),
        ("close_position", {"symbol": "AAPL", "reason": None}, "reason", "must be a string, got None"),
    ],
)
def test_a_wrong_type_is_named_with_the_value(name: str, given: dict[str, Any], field: str, said: str) -> None:
    assert input_error(name, given) == f"{name}: {field} {said}"


def test_a_huge_wrong_value_is_shown_cut_short() -> None:
    problem = input_error("execute_trade", _ORDER | {"quantity": "9" * 10_000})
    assert problem is not None and problem.startswith("execute_trade: quantity must be a number")
    assert problem.endswith("…") and len(problem) < 120


@pytest.mark.parametrize(
    ("name", "given", "field", "said"),
    [
        ("execute_trade", _ORDER | {"side": "HOLD"}, "side", "must be one of BUY, SELL, got 'HOLD'"),
        ("execute_trade", _ORDER | {"side": "buy"}, "side", "must be one of BUY, SELL, got 'buy'"),
        ("check_risk", _ORDER | {"order_type": "STP"}, "order_type", "must be one of MKT, LMT, got 'STP'"),
        ("scan_market", {"market": "EU"}, "market", "must be one of HK, US, all, got 'EU'"),
    ],
)
def test_a_value_outside_the_enum_is_told_the_choices(name: str, given: dict[str, Any], field: str, said: str) -> None:
    assert input_error(name, given) == f"{name}: {field} {said}"


def test_a_too_long_string_is_told_its_length_and_the_maximum() -> None:
    assert input_error("get_quote", {"symbol": "A" * 10_000}) == "get_quote: symbol is 10000 characters; at most 32"
    assert input_error("get_quote", {"symbol": "A" * 32}) is None
    problem = input_error("log_decision", {"decision": "d" * 201, "reasoning": "r"})
    assert problem == "log_decision: decision is 201 characters; at most 200"


@pytest.mark.parametrize(("limit", "ok"), [(0, False), (1, True), (30, True), (31, False), (-5, False)])
def test_an_integer_out_of_range_is_told_the_range(limit: int, ok: bool) -> None:
    problem = input_error("scan_market", {"limit": limit})
    assert problem == (None if ok else f"scan_market: limit must be from 1 to 30, got {limit}")


def test_days_of_news_are_bounded_too() -> None:
    assert input_error("get_news", {"symbol": "AAPL", "days": 15}) == "get_news: days must be from 1 to 14, got 15"


@pytest.mark.parametrize("field", ["quantity", "limit_price", "stop_loss", "take_profit"])
def test_nan_is_not_a_number(field: str) -> None:
    problem = input_error("execute_trade", _ORDER | {field: float("nan")})
    assert problem == f"execute_trade: {field} must be a number, got NaN"


@pytest.mark.parametrize(
    "given",
    [
        ["0700.HK"],
        '{"symbol": "0700.H',  # the JSON was cut off: what is left is a string
        None,
        42,
        ("symbol", "AAPL"),
    ],
)
def test_input_that_is_not_an_object_is_refused(given: object) -> None:
    problem = input_error("get_quote", given)
    assert problem == f"get_quote takes an object of arguments, got {type(given).__name__}"


def test_a_non_object_is_refused_even_by_a_tool_without_arguments() -> None:
    assert input_error("get_portfolio", []) == "get_portfolio takes an object of arguments, got list"


def test_the_tool_is_checked_before_its_input() -> None:
    problem = input_error("place_order", "not even an object")
    assert problem is not None and problem.startswith("there is no tool 'place_order'")


def test_every_message_names_the_tool_and_the_field() -> None:
    bad: list[tuple[str, dict[str, Any], str]] = [
        ("get_quote", {}, "symbol"),
        ("get_quote", {"symbol": "AAPL", "exchange": "SMART"}, "exchange"),
        ("execute_trade", _ORDER | {"quantity": "1"}, "quantity"),
        ("execute_trade", _ORDER | {"take_profit": True}, "take_profit"),
        ("execute_trade", _ORDER | {"side": "HOLD"}, "side"),
        ("get_quote", {"symbol": "x" * 10_000}, "symbol"),
        ("scan_market", {"limit": 31}, "limit"),
        ("check_risk", _ORDER | {"stop_loss": float("nan")}, "stop_loss"),
        ("cancel_order", {"intent_id": 17}, "intent_id"),
    ]
    for name, given, field in bad:
        problem = input_error(name, given)
        assert problem is not None and problem.startswith(name) and field in problem, (name, field, problem)


def test_a_null_optional_argument_counts_as_left_out() -> None:
    """Models often spell an unused optional argument as null; that costs no retry."""
    assert input_error("execute_trade", {**VALID["execute_trade"], "take_profit": None}) is None
    assert input_error("scan_market", {"market": None, "limit": None}) is None
