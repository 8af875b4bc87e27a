from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalyst_tui.markets import SymbolError, normalize
from catalyst_tui.models import Market


@pytest.mark.parametrize("typed", ["0700", "700", "0700.HK", "700.HK", "HK:700", " 0700.hk ", "hk:0700", "SEHK:700"])
def test_every_form_of_tencent_is_one_instrument(typed: str) -> None:
    inst = normalize(typed)
    assert (inst.market, inst.symbol, inst.exchange, inst.currency, inst.display) == (
        Market.HK,
        "700",
        "SEHK",
        "HKD",
        "0700.HK",
    )


@pytest.mark.parametrize("typed", ["BRK.B", "BRK-B", "BRK B", "brk.b", "BRK/B"])
def test_class_shares_use_ibs_space_and_display_with_a_dot(typed: str) -> None:
    inst = normalize(typed)
    assert (inst.market, inst.symbol, inst.exchange, inst.currency, inst.display) == (
        Market.US,
        "BRK B",
        "SMART",
        "USD",
        "BRK.B",
    )


def test_lowercase_us_ticker() -> None:
    assert normalize("aapl").display == "AAPL"
    assert normalize("aapl").symbol == "AAPL"


def test_hk_codes_display_with_four_digits_at_least() -> None:
    assert normalize("5").display == "0005.HK"
    assert normalize("80737").display == "80737.HK"


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "   ",
        "0",
        "0000.HK",
        "700.HK.HK",
        "AAPL1",
        "$$$",
        "TOOLONG",
        "123456",
        "HK:",
        "HK:AAPL",
        "US:700",
        "BRK.BBB",
    ],
)
def test_garbage_is_refused_with_a_clear_error(garbage: str) -> None:
    with pytest.raises(SymbolError) as err:
        normalize(garbage)
    assert str(err.value)


def test_a_huge_string_is_refused_without_echoing_it() -> None:
    with pytest.raises(SymbolError) as err:
        normalize("A" * 10_000)
    assert len(str(err.value)) < 100


def test_non_text_is_refused() -> None:
    with pytest.raises(SymbolError):
        normalize(700)  # type: ignore[arg-type]


hk_codes = st.integers(min_value=1, max_value=99_999)
hk_forms = st.sampled_from(["{c}", "{c:04d}", "{c}.HK", "{c:04d}.HK", "HK:{c}", "{c:04d}.hk", " {c} "])
tickers = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=5)
share_classes = st.none() | st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
separators = st.sampled_from([".", "-", " ", "/"])


@given(code=hk_codes, form=hk_forms)
def test_hk_forms_round_trip_through_display(code: int, form: str) -> None:
    inst = normalize(form.format(c=code))
    assert inst.symbol == str(code)
    assert normalize(inst.display) == inst
    assert normalize(inst.symbol) == inst


@given(root=tickers, share_class=share_classes, sep=separators, lower=st.booleans())
def test_us_forms_round_trip_through_display(root: str, share_class: str | None, sep: str, lower: bool) -> None:
    typed = root + (sep + share_class if share_class else "")
    inst = normalize(typed.lower() if lower else typed)
    assert inst.market is Market.US
    assert normalize(inst.display) == inst
    assert normalize(inst.symbol) == inst
