"""The journal as the app uses it: one writer task, a queue, a spool for outages, and reads off the event loop.

Every database call runs on one worker thread with one connection, so neither the UI nor the agent ever waits on
the database. `write` returns once its records are committed or fsynced into the spool: either survives a kill.
While the spool holds anything, new records go behind it, so the database receives everything in order.
When neither takes a record (a full disk under both, say), the journal FAILS: every write is refused at once, so
nothing new is traded, until the retry loop finds the database writable again, with room to spare.
"""

from __future__ import annotations

import asyncio
import errno
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from catalyst_tui.journal import reads
from catalyst_tui.journal.codec import encode
from catalyst_tui.journal.errors import JournalError, JournalUnavailable, JournalVersionError, RecordError
from catalyst_tui.journal.migrations import MIGRATIONS
from catalyst_tui.journal.records import ProposalMade, Record
from catalyst_tui.journal.schema import migrate
from catalyst_tui.journal.spool import Group, Spool
from catalyst_tui.journal.store import Store
from catalyst_tui.journal.urls import parse_journal_url
from catalyst_tui.journal.writes import write_record

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_BATCH = 500  # records per transaction when the queue has backed up
REPLAY_CHUNK = 200
MAX_HELD_RECORDS = 100_000  # posted records kept in memory while neither the database nor the spool takes any


class JournalState(StrEnum):
    WRITING = "writing"  # straight to the database
    SPOOLING = "spooling"  # the database is away; records wait in the local spool
    FAILED = "failed"  # neither the database nor the spool takes records: nothing new may be traded


_LOG_LEVELS = {JournalState.WRITING: logging.INFO, JournalState.SPOOLING: logging.WARNING,
               JournalState.FAILED: logging.ERROR}  # fmt: skip


@dataclass(frozen=True)
class JournalStatus:
    state: JournalState
    spooled: int = 0
    reason: str = ""


@dataclass
class _Item:
    records: Group
    done: asyncio.Future[None] | None


class Journal:
    def __init__(
        self, url: str, spool_dir: Path, *, retry_seconds: float = 2.0,
        migrations: Sequence[Sequence[str]] = MIGRATIONS,
    ) -> None:  # fmt: skip
        self.target = parse_journal_url(url)
        self.retry_seconds = retry_seconds
        self.status_listeners: list[Callable[[JournalStatus], None]] = []
        self._migrations = migrations
        self._store = Store(self.target)
        self._spool = Spool(spool_dir / self.target.spool_name)
        self._ready = False
        self._reason = ""  # why the database is away, for the status bar
        self._failure = ""  # set while neither the database nor the spool takes records: why, in the operator's words
        self._blocked = ""  # set when the journal turns out newer than this code: nothing more goes in
        self._held: list[Group] = []  # posted records kept while the journal failed, written first when it is back
        self._lost = 0  # posted records (nobody waits on them) that could not be kept while the journal failed
        self._queue: asyncio.Queue[_Item | None] = asyncio.Queue()
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="journal")
        self._tasks: list[asyncio.Task[None]] = []
        self._caught_up = asyncio.Event()
        self.status = JournalStatus(JournalState.WRITING)

    async def open(self) -> None:
        """Replays what an earlier run left in the spool. An unreachable database is not fatal: records spool until
        it answers. A journal newer than this code is: JournalVersionError."""
        await self._in_thread(self._replay, [])
        if self._blocked:
            await self._in_thread(self._store.close_quietly)
            raise JournalVersionError(self._blocked)
        self._tasks = [
            asyncio.create_task(self._write_loop(), name="journal-writer"),
            asyncio.create_task(self._retry_loop(), name="journal-replay"),
        ]
        self._publish()

    async def close(self) -> None:
        """Writes everything queued; what the database cannot take stays in the spool for the next start."""
        await self._queue.put(None)
        writer, retry = self._tasks or (None, None)
        if writer:
            await writer
        self._lost += sum(len(g) for g in self._held)
        self._report_lost()
        if retry:
            retry.cancel()
            await asyncio.gather(retry, return_exceptions=True)
        await self._in_thread(self._store.close_quietly)
        self._thread.shutdown(wait=True)

    async def write(self, *records: Record) -> None:
        """Returns once the records are durable, in the database or the spool; raises JournalError if neither."""
        done = asyncio.get_running_loop().create_future()
        await self._queue.put(_Item(tuple(records), done))
        await done

    def post(self, *records: Record) -> None:
        """Fire and forget, for records nobody waits on (transcript text); a failure shows in `status`."""
        self._queue.put_nowait(_Item(tuple(records), None))

    async def caught_up(self) -> None:
        """Waits until every record queued so far has reached the database, through the spool if it had to."""
        await self._queue.join()
        while self._spool.pending:
            self._caught_up.clear()
            await self._caught_up.wait()

    async def read(self, query: Callable[..., T], *args: Any) -> T:
        """Runs a `reads` function in the database. Raises JournalUnavailable while records wait in the spool:
        a count without them would be too low, and the risk gate must not act on that."""
        return await self._in_thread(self._read, query, args)

    async def order_count(self, since: datetime) -> int:
        return await self.read(reads.order_count, since)

    async def realized_pnl(self, since: datetime) -> dict[str, Decimal]:
        return await self.read(reads.realized_pnl, since)

    async def cost_since(self, since: datetime) -> Decimal:
        return await self.read(reads.cost_since, since)

    async def recent_cycles(self, limit: int) -> list[reads.CycleView]:
        return await self.read(reads.recent_cycles, limit)

    async def proposals(self, cycle_id: str) -> list[reads.ProposalView]:
        return await self.read(reads.proposals, cycle_id)

    async def pending_proposals(self) -> list[ProposalMade]:
        return await self.read(reads.pending_proposals)

    async def open_cycles(self) -> list[str]:
        return await self.read(reads.open_cycles)

    async def _write_loop(self) -> None:
        while True:
            first = await self._queue.get()
            items = [first]
            while not self._queue.empty() and sum(len(i.records) for i in items if i) < MAX_BATCH:
                items.append(self._queue.get_nowait())
            closing = None in items
            batch = [i for i in items if i is not None]
            if batch:
                try:
                    outcomes = await self._in_thread(self._commit, [i.records for i in batch])
                except Exception as exc:
                    log.exception("the journal writer failed")
                    outcomes = [JournalError(f"the journal writer failed: {exc!r}")] * len(batch)
                self._settle(batch, outcomes)
            for _ in items:
                self._queue.task_done()
            self._publish()
            if closing:
                return

    def _settle(self, batch: list[_Item], outcomes: list[JournalError | None]) -> None:
        for item, error in zip(batch, outcomes, strict=True):
            if item.done is not None and not item.done.done():
                item.done.set_exception(error) if error else item.done.set_result(None)
            elif isinstance(error, JournalUnavailable) and sum(len(g) for g in self._held) < MAX_HELD_RECORDS:
                self._held.append(item.records)  # a fill or a status the broker reported: kept until there is room
            elif isinstance(error, JournalUnavailable):
                self._lost += len(item.records)  # one line for them all, not one per transcript line
            elif error:
                log.error("a journal write failed: %s", error)

    def _report_lost(self) -> None:
        if self._lost:
            log.error("%d posted record(s) (transcript lines, order statuses, fills) were lost while the journal "
                      "took nothing", self._lost)  # fmt: skip
            self._lost = 0

    async def _retry_loop(self) -> None:
        while True:
            await asyncio.sleep(self.retry_seconds)
            if self._spool.pending or not self._ready or self._failure:
                held, self._held = self._held, []
                self._held = [*await self._in_thread(self._replay, held), *self._held]
                self._publish()

    def _in_thread(self, fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        return asyncio.get_running_loop().run_in_executor(self._thread, fn, *args)

    # Everything below runs on the journal's thread, one call at a time.

    def _commit(self, groups: list[Group]) -> list[JournalError | None]:
        if self._failure:  # only the retry loop's probe lifts it: at the edge of a full disk, no write every other time
            return [JournalUnavailable(self._failure)] * len(groups)
        if not self._spool.pending:
            try:
                self._to_database([r for g in groups for r in g])
                return [None] * len(groups)
            except JournalUnavailable as exc:
                self._reason = str(exc)
            except RecordError:
                return [self._commit_one(g) for g in groups]
        return self._to_spool(groups)

    def _commit_one(self, group: Group) -> JournalError | None:
        try:
            self._to_database(group)
            return None
        except JournalUnavailable as exc:
            self._reason = str(exc)
            return self._to_spool([group])[0]
        except RecordError as exc:
            log.error("%s; the record: %s", exc, " ".join(encode(r) for r in group))
            return exc

    def _write_held(self, group: Group) -> None:
        """Into the database or not at all: JournalUnavailable goes up, and the caller keeps every held record."""
        try:
            self._to_database(group)
        except RecordError as exc:
            log.error("%s; the record: %s", exc, " ".join(encode(r) for r in group))

    def _to_spool(self, groups: list[Group]) -> list[JournalError | None]:
        try:
            self._spool.append(groups)
            self._failure = ""
            return [None] * len(groups)
        except OSError as exc:
            self._failure = _nowhere(self._reason, self._spool.path, exc)
            return [JournalUnavailable(self._failure)] * len(groups)

    def _to_database(self, records: Sequence[Record]) -> None:
        if self._blocked:
            raise JournalUnavailable(self._blocked)
        if not self._ready:
            try:
                migrate(self._store, self._migrations)
            except JournalVersionError as exc:
                self._blocked = str(exc)
                raise JournalUnavailable(self._blocked) from exc
            self._ready = True
        with self._store.transaction() as tx:
            for record in records:
                write_record(tx, record)

    def _replay(self, held: list[Group]) -> list[Group]:
        """Sends the spool, then the records held in memory, to the database in order; a chunk written before an
        outage is keyed, so resending it is harmless. Stops at the first sign the database is away again, and gives
        back the held records it could not write."""
        try:
            groups = self._spool.read()
            for start in range(0, len(groups), REPLAY_CHUNK):
                chunk = groups[start : start + REPLAY_CHUNK]
                try:
                    self._to_database([r for g in chunk for r in g])
                except RecordError:
                    for group in chunk:
                        self._commit_one(group)
            if not groups:
                self._to_database(())
            if self._failure:
                self._probe()
            for group in held:
                self._write_held(group)
            self._spool.clear()
            self._reason = self._failure = ""
            return []
        except JournalUnavailable as exc:
            self._reason = str(exc)
            return held

    def _probe(self) -> None:
        """After a failure, a write that needs room on the disk: the version row changed and changed back in one
        transaction (an empty one, or a row set to the value it holds, costs SQLite no page and passes on a full
        disk); and room to spare, or the first long transcript would fail it again."""
        with self._store.transaction() as tx:
            tx.execute("UPDATE {s}schema_version SET version = version + 1")
            tx.execute("UPDATE {s}schema_version SET version = version - 1")
        self._store.require_room()

    def _read(self, query: Callable[..., T], args: tuple[Any, ...]) -> T:
        if self._spool.pending:
            raise JournalUnavailable(
                f"{self._reason or 'the journal is catching up'}: {self._spool.pending} writes wait in the spool"
            )
        if not self._ready:
            self._to_database(())
        return self._store.run(lambda tx: query(tx, *args))

    def _publish(self) -> None:
        if self._failure or self._blocked:
            state, reason = JournalState.FAILED, self._blocked or self._failure
        elif self._spool.pending or not self._ready:
            state, reason = JournalState.SPOOLING, self._reason
        else:
            state, reason = JournalState.WRITING, ""
        status = JournalStatus(state, self._spool.pending, reason)
        if status != self.status:
            if (status.state, status.reason) != (self.status.state, self.status.reason):
                log.log(
                    _LOG_LEVELS[state],
                    "journal now %s (%d spooled): %s", state, status.spooled, status.reason or self.target.display,
                )  # fmt: skip
                if state is not JournalState.FAILED:
                    self._report_lost()
            self.status = status
            for listener in list(self.status_listeners):
                listener(status)
        if self._spool.pending == 0:
            self._caught_up.set()


def _nowhere(database: str, spool: Path, exc: OSError) -> str:
    """Why no record can be kept, where, what that stops, and what brings it back: one message for the operator."""
    full = exc.errno == errno.ENOSPC
    problem = f"no space left on device at {spool}" if full else f"{spool}: {exc.strerror or exc}"
    cure = "free space and the journal resumes by itself" if full else "the journal resumes once either takes writes"
    return f"{database or 'journal unavailable'}, and the spool failed too ({problem}): new entries stopped; {cure}"
