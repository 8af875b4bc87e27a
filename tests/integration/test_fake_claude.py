"""The fake Messages API is faithful: the real anthropic SDK, pointed at it, sees what it would see from Claude."""

from __future__ import annotations

import asyncio
import os
import socket
from typing import Any

import anthropic
import httpx2
import pytest

from tests.fakes.anthropic_server import (
    FakeClaude,
    Usage,
    error,
    hang_up_after,
    loopback_only,
    overloaded,
    rate_limited,
    refusal,
    scrub_environment,
    stall_after,
    stream_error_after,
    text,
    thinking,
    tool_use,
    turn,
)

MODEL = "claude-sonnet-5-5"
QUESTION = [{"role": "user", "content": "What is 0700.HK doing?"}]


@pytest.fixture(autouse=True)
def hermetic(monkeypatch: pytest.MonkeyPatch) -> None:
    scrub_environment(monkeypatch)
    loopback_only(monkeypatch)


async def streamed(
    client: anthropic.AsyncAnthropic, messages: list[dict[str, Any]], **options: Any
) -> tuple[Any, list]:
    """Read one turn the way the agent loop does: iterate the events, then take the final message."""
    events = []
    async with client.messages.stream(model=MODEL, max_tokens=1024, messages=messages, **options) as stream:
        async for event in stream:
            events.append(event)
        return await stream.get_final_message(), events


def follow_up(message: Any, results: dict[str, str]) -> list[dict[str, Any]]:
    """The conversation after `message`: its content unchanged, then one tool_result per tool_use."""
    answers = [{"type": "tool_result", "tool_use_id": i, "content": c, "is_error": False} for i, c in results.items()]
    return [*QUESTION, {"role": "assistant", "content": message.content}, {"role": "user", "content": answers}]


async def test_a_streamed_text_and_tool_use_turn_arrives_whole() -> None:
    usage = Usage(input_tokens=1500, output_tokens=77, cache_creation_input_tokens=300, cache_read_input_tokens=900)
    order = {"symbol": "0700.HK", "side": "BUY", "quantity": 100, "limit": "402.4", "note": "含 unicode"}
    with FakeClaude(
        turn(text("Checking 0700.HK before I buy."), tool_use("place_order", order), usage=usage)
    ) as claude:
        async with claude.async_client() as client:
            msg, events = await streamed(client, QUESTION)

    assert [b.type for b in msg.content] == ["text", "tool_use"]
    assert msg.content[0].text == "Checking 0700.HK before I buy."
    call = msg.content[1]
    assert (call.name, call.input, call.id) == ("place_order", order, "toolu_fake_000_1")
    assert msg.stop_reason == "tool_use"
    assert msg.model == MODEL
    assert (msg.usage.input_tokens, msg.usage.output_tokens) == (1500, 77)
    assert (msg.usage.cache_creation_input_tokens, msg.usage.cache_read_input_tokens) == (300, 900)

    kinds = [e.type for e in events]
    assert kinds[0] == "message_start" and kinds[-1] == "message_stop"
    assert "".join(e.text for e in events if e.type == "text") == "Checking 0700.HK before I buy."
    pieces = [e.partial_json for e in events if e.type == "input_json"]
    assert len(pieces) == 3 and all(pieces)
    assert [e for e in events if e.type == "input_json"][-1].snapshot == order
    finished = [e.content_block for e in events if e.type == "content_block_stop"]
    assert finished[1].type == "tool_use" and finished[1].input == order

    sent = claude.request(0)
    assert (sent.method, sent.path, sent.stream) == ("POST", "/v1/messages", True)
    assert sent.body["model"] == MODEL and sent.body["messages"] == QUESTION
    assert sent.reply is not None and sent.reply["content"][1]["input"] == order
    claude.assert_done()


async def test_the_key_and_the_api_version_go_out_as_the_sdk_sends_them() -> None:
    with FakeClaude(turn(text("Hi."))) as claude:
        async with claude.async_client() as client:
            await streamed(client, QUESTION)
    headers = claude.request(0).headers
    assert headers["authorization"] == "Bearer test-key"
    assert "x-api-key" not in headers
    assert headers["anthropic-version"] == "2026-10-21"
    assert headers["content-type"] == "application/json"


async def test_a_request_without_stream_gets_the_same_turn_as_one_json_message() -> None:
    with FakeClaude(turn(text("Flat."), tool_use("get_quote", {"symbol": "AAPL"}, id="toolu_x"))) as claude:
        async with claude.async_client() as client:
            msg = await client.messages.create(model=MODEL, max_tokens=1024, messages=QUESTION)
    assert claude.request(0).stream is False
    assert [b.type for b in msg.content] == ["text", "tool_use"]
    assert (msg.content[1].id, msg.content[1].input) == ("toolu_x", {"symbol": "AAPL"})
    assert msg.stop_reason == "tool_use"
    assert msg.usage.input_tokens == 1200 and msg.usage.output_tokens == 42


async def test_the_query_string_is_ignored_and_recorded() -> None:
    with FakeClaude(turn(text("Hi."))) as claude:
        async with claude.async_client() as client:
            await client.messages.create(model=MODEL, max_tokens=64, messages=QUESTION, extra_query={"beta": "true"})
    assert (claude.request(0).path, claude.request(0).query) == ("/v1/messages", "beta=true")


async def test_an_overloaded_reply_is_retried_by_the_sdk() -> None:
    with FakeClaude(overloaded(), turn(text("Second time lucky."))) as claude:
        async with claude.async_client(max_retries=2) as client:
            msg, _ = await streamed(client, QUESTION)
    assert msg.content[0].text == "Second time lucky."
    assert len(claude.requests) == 2
    assert claude.request(0).status == 529
    assert claude.request(1).headers["x-stainless-retry-count"] == "1"


async def test_retries_run_out_into_the_sdk_error_class() -> None:
    with FakeClaude(rate_limited(), rate_limited(), error(529, "overloaded_error", "Busy")) as claude:
        async with claude.async_client(max_retries=1) as client:
            with pytest.raises(anthropic.RateLimitError) as raised:
                await streamed(client, QUESTION)
    assert raised.value.status_code == 429
    assert raised.value.request_id == "req_fake_001"
    assert len(claude.requests) == 2
    assert claude.pending == 1


async def test_a_configuration_error_is_not_retried() -> None:
    with FakeClaude(error(401, "authentication_error", "invalid x-api-key")) as claude:
        async with claude.async_client() as client:
            with pytest.raises(anthropic.AuthenticationError):
                await streamed(client, QUESTION)
    assert len(claude.requests) == 1


async def test_an_error_inside_the_stream_raises_and_is_not_retried() -> None:
    partial = turn(text("Let me think about"), tool_use("place_order", {"symbol": "0700.HK", "quantity": 100}))
    with FakeClaude(stream_error_after(3, partial)) as claude:
        async with claude.async_client() as client:
            seen: list[str] = []
            with pytest.raises(anthropic.APIStatusError) as raised:
                async with client.messages.stream(model=MODEL, max_tokens=1024, messages=QUESTION) as stream:
                    async for event in stream:
                        seen.append(event.type)
    assert raised.value.status_code == 200
    assert "overloaded_error" in str(raised.value)
    assert "text" in seen and "input_json" not in seen
    assert len(claude.requests) == 1


async def test_a_thinking_block_round_trips_with_its_signature() -> None:
    first = turn(thinking("The spread is tight; a quote first."), tool_use("get_quote", {"symbol": "0700.HK"}))
    with FakeClaude(first, turn(text("Quoted."))) as claude:
        async with claude.async_client() as client:
            msg, events = await streamed(client, QUESTION, thinking={"type": "adaptive", "display": "summarized"})
            assert msg.content[0].type == "thinking"
            assert msg.content[0].thinking == "The spread is tight; a quote first."
            assert msg.content[0].signature == "sig_fake_000_0"
            assert [e.signature for e in events if e.type == "signature"] == ["sig_fake_000_0"]
            tool_id = msg.content[1].id
            final, _ = await streamed(client, follow_up(msg, {tool_id: '{"last": "402.4"}'}))

    assert final.content[0].text == "Quoted."
    sent_back = claude.request(1).messages[1]["content"]
    assert sent_back[0] == {
        "type": "thinking",
        "thinking": "The spread is tight; a quote first.",
        "signature": "sig_fake_000_0",
    }
    assert claude.tool_results(1) == [
        {"type": "tool_result", "tool_use_id": tool_id, "content": '{"last": "402.4"}', "is_error": False}
    ]
    claude.assert_done()


async def test_a_tampered_thinking_block_or_a_missing_tool_result_is_rejected() -> None:
    first = turn(thinking("Think."), tool_use("get_quote", {"symbol": "AAPL"}), tool_use("get_news", {}))
    with FakeClaude(first, turn(text("Never sent."))) as claude:
        async with claude.async_client() as client:
            msg, _ = await streamed(client, QUESTION)
            msg.content[0].thinking = "Think harder."
            only_one = follow_up(msg, {msg.content[1].id: "ok"})
            with pytest.raises(anthropic.BadRequestError) as raised:
                await streamed(client, only_one)
        assert "changed after it was signed" in str(raised.value)
        assert "have no tool_result" in str(raised.value)
        assert len(claude.requests) == 2 and claude.pending == 1
        assert len(claude.failures) == 1
        claude.failures.clear()  # expected here; left in place it fails the test when the block ends


async def test_a_refusal_carries_its_stop_details() -> None:
    with FakeClaude(refusal(text("I can't help with that."), category="cyber")) as claude:
        async with claude.async_client() as client:
            msg, _ = await streamed(client, QUESTION)
    assert msg.stop_reason == "refusal"
    assert msg.stop_details is not None
    assert (msg.stop_details.type, msg.stop_details.category) == ("refusal", "cyber")
    assert msg.stop_details.explanation == "This request was declined."


async def test_a_tool_call_cut_off_by_max_tokens_arrives_half_written() -> None:
    cut = turn(tool_use("place_order", raw_json='{"symbol": "0700.HK", "quantity": 10'), stop_reason="max_tokens")
    with FakeClaude(cut, cut) as claude:
        async with claude.async_client() as client:
            msg, events = await streamed(client, QUESTION)
            flat = await client.messages.create(model=MODEL, max_tokens=1024, messages=QUESTION)
    assert msg.stop_reason == "max_tokens"
    assert "".join(e.partial_json for e in events if e.type == "input_json") == '{"symbol": "0700.HK", "quantity": 10'
    assert msg.content[0].input == {"symbol": "0700.HK", "quantity": 10}
    assert flat.stop_reason == "max_tokens" and flat.content[0].input == {"symbol": "0700.HK", "quantity": 10}


async def test_a_request_beyond_the_script_gets_a_clear_500_and_fails_the_test() -> None:
    script = FakeClaude(turn(text("Only one.")))
    with pytest.raises(AssertionError, match="the script has no reply left"), script as claude:
        async with claude.async_client() as client:
            await streamed(client, QUESTION)
            with pytest.raises(anthropic.InternalServerError, match="the script has no reply left"):
                await streamed(client, QUESTION)
    assert len(claude.requests) == 2  # not retried: the reply says x-should-retry: false


async def test_a_connection_dropped_mid_stream_raises_and_is_not_retried() -> None:
    # Once the stream has begun the SDK does not wrap transport errors: httpx2's own exception reaches the caller.
    with FakeClaude(hang_up_after(4, turn(text("Half a thought, then silence.")))) as claude:
        async with claude.async_client() as client:
            with pytest.raises(httpx2.RemoteProtocolError, match="incomplete chunked read"):
                await streamed(client, QUESTION)
    assert len(claude.requests) == 1


async def test_a_stalled_stream_waits_for_release() -> None:
    stall = stall_after(2, turn(text("Slowly.")))
    with FakeClaude(stall) as claude:
        async with claude.async_client() as client:
            reading = asyncio.create_task(streamed(client, QUESTION))
            while not stall.reached.is_set():
                await asyncio.sleep(0.005)
            await asyncio.sleep(0.05)
            assert not reading.done()
            stall.release()
            msg, _ = await reading
    assert msg.content[0].text == "Slowly."


async def test_a_cancelled_stalled_stream_lets_the_server_close() -> None:
    stall = stall_after(2, turn(text("Never finished.")))
    with FakeClaude(stall) as claude:
        async with claude.async_client() as client:
            reading = asyncio.create_task(streamed(client, QUESTION))
            while not stall.reached.is_set():
                await asyncio.sleep(0.005)
            reading.cancel()
            with pytest.raises(asyncio.CancelledError):
                await reading
    assert len(claude.requests) == 1


def test_the_environment_is_hermetic() -> None:
    assert [name for name in os.environ if name.startswith("ANTHROPIC_")] == []
    with pytest.raises(AssertionError, match="only loopback"), socket.create_connection(("192.0.2.1", 443), 1):
        pass
    with pytest.raises(AssertionError, match="only loopback"):
        socket.getaddrinfo("api.anthropic.com", 443)
