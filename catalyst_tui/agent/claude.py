"""Claude as the brain: a streamed tool-use loop on the anthropic SDK, written out so that every point where the
app must keep control (the gate, the approver, cost, cancellation, the journal) is in plain sight.

Tools run only from a turn that ended with stop_reason "tool_use", one tool_result per tool_use. A turn broken
mid-stream is thrown away and asked again, and so is one the SDK cannot read (tool JSON it cannot parse) or one whose
stream ended cleanly before saying how it stopped (a proxy dropped the rest). A cut turn (max_tokens) or a refusal
ends the cycle with no trade.

A tool call whose streamed JSON did not arrive whole (a faulty model or proxy cut it short) in an otherwise complete
turn does not run: the SDK hands it over as whatever its partial parser made of the prefix (`"quantity": 100` cut
from 1000 reads as 100), which is a guess. It is answered with an is_error tool_result, so the model may call again,
and journaled as the text the model sent.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import anthropic
import httpx2

from catalyst_tui.agent.brain import BrainOutcome, Usage
from catalyst_tui.agent.events import Delta, Emit, Entry
from catalyst_tui.agent.executor import ToolExecutor
from catalyst_tui.agent.tools import TOOLS
from catalyst_tui.config.schema import AgentSettings
from catalyst_tui.journal import EntryKind

log = logging.getLogger(__name__)
TURN_ATTEMPTS = 3  # a turn broken mid-stream is asked again this many times in all
CUT = ("max_tokens", "model_context_window_exceeded")


class UnreadableReply(Exception):
    """A streamed reply that arrived but cannot be used as a turn: it ended with no stop_reason."""


class ClaudeBrain:
    name = "claude"

    def __init__(self, settings: AgentSettings, system_prompt: str, client: anthropic.AsyncAnthropic) -> None:
        self.settings, self.client = settings, client
        self.model: str | None = settings.model
        self.system = [{"type": "text", "text": system_prompt, "cache_control": {"type": "ephemeral"}}]
        self.tools = [*TOOLS[:-1], {**TOOLS[-1], "cache_control": {"type": "ephemeral"}}]  # caches tools + system

    async def run(self, context: str, tools: ToolExecutor, emit: Emit) -> BrainOutcome:
        messages: list[dict[str, Any]] = [{"role": "user", "content": context}]
        usage = Usage()
        for _ in range(self.settings.max_turns):
            if usage.total >= self.settings.cycle_token_budget:
                return BrainOutcome(
                    "budget", usage, f"the cycle's token budget ({self.settings.cycle_token_budget}) is spent"
                )
            message, sent_json = await self._turn(messages, emit)
            usage += _usage(message.usage)
            stop = message.stop_reason
            messages.append({"role": "assistant", "content": message.content})
            if stop == "tool_use":
                results = await self._results(message.content, sent_json, tools, emit)
                messages.append({"role": "user", "content": results})
            elif stop == "pause_turn":
                continue
            elif stop in CUT:
                return BrainOutcome("max_tokens", usage, f"the reply was cut ({stop}); no tool from it was run")
            elif stop == "refusal":
                details = getattr(message, "stop_details", None)
                return BrainOutcome("refusal", usage, f"Claude declined{': ' + str(details) if details else ''}")
            else:
                return BrainOutcome("done", usage)
        return BrainOutcome("max_turns", usage, f"stopped after {self.settings.max_turns} turns")

    async def _turn(self, messages: list[dict[str, Any]], emit: Emit) -> tuple[Any, dict[int, str]]:
        """One streamed reply, and each tool_use block's input JSON as it streamed (by block index). Text and thinking
        show live; the finished blocks are journaled only once the whole reply has arrived, so a broken stream leaves
        nothing half-said in the journal."""
        for attempt in range(1, TURN_ATTEMPTS + 1):
            finished: list[Entry] = []
            sent_json: dict[int, str] = {}
            began = False  # the reply had begun: a ValueError from here on is the SDK failing to read it
            try:
                async with self.client.messages.stream(
                    model=self.settings.model, max_tokens=self.settings.max_output_tokens, system=self.system,
                    tools=self.tools, messages=messages, thinking={"type": "adaptive", "display": "summarized"},
                ) as stream:  # fmt: skip
                    began = True
                    async for event in stream:
                        _show(event, emit, finished)
                        _collect_json(event, sent_json)
                    message = await stream.get_final_message()
                if message.stop_reason is None:
                    raise UnreadableReply("the stream ended before the reply said how it stopped")
            except (anthropic.APIConnectionError, anthropic.APIStatusError, httpx2.TransportError) as exc:
                if not _mid_stream(exc) or attempt == TURN_ATTEMPTS:
                    raise
                emit(Entry("system", EntryKind.TEXT, f"The reply broke off ({exc.__class__.__name__}); asking again."))
                continue
            except (ValueError, UnreadableReply) as exc:  # e.g. the SDK could not parse a tool's JSON as it streamed
                if not began or attempt == TURN_ATTEMPTS:
                    raise
                emit(Entry("system", EntryKind.TEXT, f"The reply could not be read ({str(exc)[:200]}); asking again."))
                continue
            for entry in finished:
                emit(entry)
            return message, sent_json
        raise AssertionError("unreachable")

    async def _results(self, content: list[Any], sent_json: dict[int, str], tools: ToolExecutor,
                       emit: Emit) -> list[dict[str, Any]]:  # fmt: skip
        """One tool_result per tool_use, in order; order tools go one at a time through the gate and approver. A call
        whose JSON did not arrive whole runs nothing: its partial parse is a guess."""
        results = []
        for index, block in enumerate(content):
            if block.type != "tool_use":
                continue
            sent = sent_json.get(index, "")
            if _whole_json(sent):
                result = await tools.run(block.name, block.input, block.id)
                answer, is_error = result.content, result.is_error
            else:
                answer, is_error = _not_run(block.name, sent, emit), True
            results.append({"type": "tool_result", "tool_use_id": block.id, "content": answer, "is_error": is_error})
        return results


def _show(event: Any, emit: Emit, finished: list[Entry]) -> None:
    if event.type == "text":
        emit(Delta(EntryKind.TEXT, event.text))
    elif event.type == "thinking":
        emit(Delta(EntryKind.THINKING, event.thinking))
    elif event.type == "content_block_stop":
        block = event.content_block
        if block.type == "text" and block.text:
            finished.append(Entry("assistant", EntryKind.TEXT, block.text, streamed=True))
        elif block.type == "thinking" and block.thinking:
            finished.append(Entry("assistant", EntryKind.THINKING, block.thinking, streamed=True))


def _collect_json(event: Any, sent: dict[int, str]) -> None:
    if event.type == "content_block_delta" and event.delta.type == "input_json_delta":
        sent[event.index] = sent.get(event.index, "") + event.delta.partial_json


def _whole_json(sent: str) -> bool:
    """The streamed input is one complete JSON value (the executor checks it is the object the tool takes); no text
    at all is a tool called with no arguments."""
    if not sent.strip():
        return True
    try:
        json.loads(sent)
    except ValueError:
        return False
    return True


def _not_run(name: str, sent: str, emit: Emit) -> str:
    """Journal the call as the model sent it, and the error the model reads; nothing runs."""
    shown = sent if len(sent) <= 300 else sent[:300] + "…"
    tail = sent[-60:]
    why = (f"the input of {name[:64]} was not valid JSON (it ends {tail!r} after {len(sent)} characters, cut off "
           f"or garbled); nothing was run. Call {name[:64]} again with the whole input.")  # fmt: skip
    emit(Entry("assistant", EntryKind.TOOL_CALL, f"{name[:64]} {shown} (not valid JSON)"))
    emit(Entry("user", EntryKind.TOOL_RESULT, "ERROR: " + why))
    return why


def _mid_stream(exc: Exception) -> bool:
    """The SDK retries failed requests itself; an error inside a stream arrives as status 200, or as a connection
    broken once the reply had begun (the SDK lets httpx2's own error through then), and is ours to retry."""
    return isinstance(exc, anthropic.APIConnectionError | httpx2.TransportError) or (
        getattr(exc, "status_code", None) == 200
    )


def _usage(u: Any) -> Usage:
    return Usage(u.input_tokens or 0, u.output_tokens or 0, getattr(u, "cache_read_input_tokens", 0) or 0,
                 getattr(u, "cache_creation_input_tokens", 0) or 0)  # fmt: skip
