"""The risk gate and the trading states: code the model cannot go around (see `gate`)."""

from catalyst_tui.risk.gate import CHECK_NAMES, Facts, RiskGate, Verdict
from catalyst_tui.risk.snapshot import Snapshot, Subject, subject_of
from catalyst_tui.risk.states import StateChange, TradingState, TradingStates, daily_loss_pct

__all__ = [
    "CHECK_NAMES",
    "Facts",
    "RiskGate",
    "Snapshot",
    "StateChange",
    "Subject",
    "TradingState",
    "TradingStates",
    "Verdict",
    "daily_loss_pct",
    "subject_of",
]
