"""Claude as the brain: a streamed tool-use loop on the anthropic SDK, written out so that every point where the
app must keep control (the gate, the approver, cost, cancellation, the journal) is in plain sight.

Tools run only from a turn that ended with stop_reason "tool_use", one tool_result per tool_use. A turn broken
mid-stream is thrown away and asked again; a cut turn (max_tokens) or a refusal ends the cycle with no trade.
"""

from __future__ import annotations

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
            message = await self._turn(messages, emit)
            usage += _usage(message.usage)
            stop = message.stop_reason
            messages.append({"role": "assistant", "content": message.content})
            if stop == "tool_use":
                messages.append({"role": "user", "content": await self._results(message.content, tools)})
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

    async def _turn(self, messages: list[dict[str, Any]], emit: Emit) -> Any:
        """One streamed reply. Text and thinking show live; the finished blocks are journaled only once the whole
        reply has arrived, so a broken stream leaves nothing half-said in the journal."""
        for attempt in range(1, TURN_ATTEMPTS + 1):
            finished: list[Entry] = []
            try:
                async with self.client.messages.stream(
                    model=self.settings.model, max_tokens=self.settings.max_output_tokens, system=self.system,
                    tools=self.tools, messages=messages, thinking={"type": "adaptive", "display": "summarized"},
                ) as stream:  # fmt: skip
                    async for event in stream:
                        _show(event, emit, finished)
                    message = await stream.get_final_message()
            except (anthropic.APIConnectionError, anthropic.APIStatusError, httpx2.TransportError) as exc:
                if not _mid_stream(exc) or attempt == TURN_ATTEMPTS:
                    raise
                emit(Entry("system", EntryKind.TEXT, f"The reply broke off ({exc.__class__.__name__}); asking again."))
                continue
            for entry in finished:
                emit(entry)
            return message
        raise AssertionError("unreachable")

    async def _results(self, content: list[Any], tools: ToolExecutor) -> list[dict[str, Any]]:
        """One tool_result per tool_use, in order; order tools go one at a time through the gate and approver."""
        results = []
        for block in content:
            if block.type != "tool_use":
                continue
            result = await tools.run(block.name, block.input, block.id)
            results.append({"type": "tool_result", "tool_use_id": block.id, "content": result.content,
                            "is_error": result.is_error})  # fmt: skip
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


def _mid_stream(exc: Exception) -> bool:
    """The SDK retries failed requests itself; an error inside a stream arrives as status 200, or as a connection
    broken once the reply had begun (the SDK lets httpx2's own error through then), and is ours to retry."""
    return isinstance(exc, anthropic.APIConnectionError | httpx2.TransportError) or (
        getattr(exc, "status_code", None) == 200
    )


def _usage(u: Any) -> Usage:
    return Usage(u.input_tokens or 0, u.output_tokens or 0, getattr(u, "cache_read_input_tokens", 0) or 0,
                 getattr(u, "cache_creation_input_tokens", 0) or 0)  # fmt: skip
