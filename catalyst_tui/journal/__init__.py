"""The journal: every cycle, transcript line, proposal, decision, order and fill, in SQLite or PostgreSQL.

The app writes through `Journal` (a queue, one writer thread, a spool for outages); tests read through `open_store`,
and the `catalyst journal` command through `open_for_reading`, which never creates, migrates or locks a journal.
"""

from catalyst_tui.journal.errors import JournalError, JournalUnavailable, JournalVersionError, RecordError
from catalyst_tui.journal.journal import Journal, JournalState, JournalStatus
from catalyst_tui.journal.reads import CycleView, ProposalView
from catalyst_tui.journal.records import (
    CycleEnded,
    CycleStarted,
    DecisionLogged,
    EntryKind,
    EquitySnapshot,
    ErrorRecorded,
    FillRecorded,
    IntentRecorded,
    OrderChanged,
    ProposalDecided,
    ProposalMade,
    Record,
    TradingStateChanged,
    TranscriptEntry,
    new_id,
)
from catalyst_tui.journal.store import Store, open_for_reading, open_store
from catalyst_tui.journal.urls import JournalTarget, JournalUrlError, parse_journal_url
from catalyst_tui.models import Check, CheckOutcome, Decision, DecisionKind, Proposal

__all__ = [
    "Check",
    "CheckOutcome",
    "CycleEnded",
    "CycleStarted",
    "CycleView",
    "Decision",
    "DecisionKind",
    "DecisionLogged",
    "EntryKind",
    "EquitySnapshot",
    "ErrorRecorded",
    "FillRecorded",
    "IntentRecorded",
    "Journal",
    "JournalError",
    "JournalState",
    "JournalStatus",
    "JournalTarget",
    "JournalUnavailable",
    "JournalUrlError",
    "JournalVersionError",
    "OrderChanged",
    "Proposal",
    "ProposalDecided",
    "ProposalMade",
    "ProposalView",
    "Record",
    "RecordError",
    "Store",
    "TradingStateChanged",
    "TranscriptEntry",
    "new_id",
    "open_for_reading",
    "open_store",
    "parse_journal_url",
]
