"""The instruments and the moment the journal's tests write about."""

from __future__ import annotations

from datetime import UTC, datetime

from catalyst_tui.models import Instrument, Market

# A Friday morning in Hong Kong, 10:00 HKT.
T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
TENCENT = Instrument(Market.HK, "700", "SEHK", "HKD", "0700.HK")
APPLE = Instrument(Market.US, "AAPL", "SMART", "USD", "AAPL")
