"""A fake Claude Messages API on 127.0.0.1: one scripted reply per `POST /v1/messages`, every request recorded.

    with FakeClaude(
        turn(text("Checking 0700.HK."), tool_use("get_quote", {"symbol": "700"})),  # stop_reason tool_use
        turn(text("Done.")),                                                         # stop_reason end_turn
    ) as claude:
        async with claude.async_client() as client:
            ...  # the code under test talks to Claude through `client`
    assert claude.tool_results(1)[0]["tool_use_id"] == claude.request(0).reply["content"][1]["id"]

Streaming requests (`"stream": true`) get the turn as Server-Sent Events, one flushed chunk per event, in the order of
docs/reference: message_start, ping, (content_block_start, deltas, content_block_stop)…, message_delta, message_stop.
Other requests get the same turn as one JSON message. Requests the script did not expect, or that the real API would
reject (a tool_use without its tool_result, a thinking block whose signature this server did not issue, …), are
answered 500/400 with `x-should-retry: false` and a message that says what went wrong, and are listed in `failures`;
leaving the `with` block then raises AssertionError (unless the block is already raising).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import socket
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import jiter
import pytest

if TYPE_CHECKING:
    import anthropic

# ----------------------------------------------------------------------------------------------------- script builders


@dataclass(frozen=True)
class Usage:
    """Token counts of one turn; in a stream, message_start carries the input side and message_delta the totals."""

    input_tokens: int = 1200
    output_tokens: int = 42
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "input_tokens": self.input_tokens,
            "cache_creation_input_tokens": self.cache_creation_input_tokens,
            "cache_read_input_tokens": self.cache_read_input_tokens,
            "output_tokens": self.output_tokens,
        }


@dataclass(frozen=True)
class Text:
    text: str
    chunks: int = 2


@dataclass(frozen=True)
class Thinking:
    thinking: str
    signature: str | None = None  # None: the server issues `sig_fake_<request>_<block>`
    chunks: int = 2


@dataclass(frozen=True)
class ToolUse:
    name: str
    input: dict[str, Any]
    id: str | None = None  # None: the server issues `toolu_fake_<request>_<block>`
    raw_json: str | None = None  # sent verbatim as the input_json_delta text (may be cut off mid-value)
    chunks: int = 3

    def json_text(self) -> str:
        return self.raw_json if self.raw_json is not None else json.dumps(self.input, ensure_ascii=False)


Block = Text | Thinking | ToolUse


@dataclass(frozen=True)
class Turn:
    blocks: tuple[Block, ...]
    stop_reason: str
    usage: Usage = Usage()
    stop_details: dict[str, Any] | None = None
    stop_sequence: str | None = None
    ping: bool = True  # a `ping` event right after message_start, as the real API sends


@dataclass(frozen=True)
class ErrorReply:
    status: int
    type: str
    message: str
    retry_after_ms: int | None = 1
    should_retry: bool | None = None  # sent as `x-should-retry: true|false` when set


@dataclass(frozen=True)
class StreamError:
    """The first `after` events of `turn` (pings not counted), then `event: error`. Not retried by the SDK."""

    turn: Turn
    after: int
    type: str = "overloaded_error"
    message: str = "Overloaded"


@dataclass(frozen=True)
class HangUp:
    """The first `after` events of `turn` (pings not counted), then the connection is closed mid-body."""

    turn: Turn
    after: int


@dataclass(frozen=True)
class EndEarly:
    """The first `after` events of `turn` (pings not counted), then the body ends cleanly: a proxy that drops the
    rest of a reply without breaking the connection."""

    turn: Turn
    after: int


@dataclass(eq=False)
class Stall:
    """The first `after` events of `turn`, then wait for `release()` (or the server's close) before the rest.

    `reached` is set once those events are written: a test can wait on it from a thread, or poll `reached.is_set()`.
    """

    turn: Turn
    after: int
    reached: threading.Event = field(default_factory=threading.Event)
    _go: threading.Event = field(default_factory=threading.Event)

    def release(self) -> None:
        self._go.set()


Reply = Turn | ErrorReply | StreamError | HangUp | EndEarly | Stall
STREAM_ONLY = (StreamError, HangUp, EndEarly, Stall)


def text(value: str, *, chunks: int = 2) -> Text:
    """A text block, streamed as `chunks` text_delta events."""
    return Text(value, chunks)


def thinking(value: str, *, signature: str | None = None, chunks: int = 2) -> Thinking:
    """A thinking block: `chunks` thinking_delta events, then one signature_delta."""
    return Thinking(value, signature, chunks)


def tool_use(
    name: str,
    input: dict[str, Any] | None = None,
    *,
    id: str | None = None,
    raw_json: str | None = None,
    chunks: int = 3,
) -> ToolUse:
    """A tool_use block whose JSON input arrives in `chunks` input_json_delta pieces.

    `raw_json` replaces the serialised input, e.g. `'{"symbol": "0700.HK", "quan'` for a call cut off by max_tokens
    (or by a faulty model or proxy, under stop_reason "tool_use"); a non-streaming reply then carries what a partial
    JSON parser makes of it, or {} when even that parser gives up (`'{"quantity": 0100}'`).
    """
    if raw_json is not None and input is None:
        try:
            input = dict(jiter.from_json(raw_json.encode(), partial_mode=True) or {})
        except ValueError:
            input = {}
    return ToolUse(name, dict(input or {}), id, raw_json, chunks)


def turn(
    *blocks: Block,
    stop_reason: str | None = None,
    usage: Usage | None = None,
    stop_details: dict[str, Any] | None = None,
    stop_sequence: str | None = None,
    ping: bool = True,
) -> Turn:
    """One assistant message. `stop_reason` defaults to "tool_use" if a block is a tool_use, else "end_turn"."""
    if stop_reason is None:
        stop_reason = "tool_use" if any(isinstance(b, ToolUse) for b in blocks) else "end_turn"
    return Turn(tuple(blocks), stop_reason, usage or Usage(), stop_details, stop_sequence, ping)


def refusal(
    *blocks: Block,
    category: str | None = None,
    explanation: str | None = "This request was declined.",
    usage: Usage | None = None,
) -> Turn:
    """A turn that stops with "refusal" and `stop_details` {"type": "refusal", "category", "explanation"}."""
    details = {"type": "refusal", "category": category, "explanation": explanation}
    return turn(*blocks, stop_reason="refusal", usage=usage, stop_details=details)


def error(
    status: int,
    type: str,
    message: str = "",
    *,
    retry_after_ms: int | None = 1,
    should_retry: bool | None = None,
) -> ErrorReply:
    """An HTTP error with the API's JSON error body; `retry-after-ms: 1` keeps the SDK's retries fast."""
    return ErrorReply(status, type, message or type.replace("_", " "), retry_after_ms, should_retry)


def overloaded(message: str = "Overloaded") -> ErrorReply:
    return error(529, "overloaded_error", message)


def rate_limited(message: str = "Number of request tokens has exceeded your per-minute rate limit") -> ErrorReply:
    return error(429, "rate_limit_error", message)


def stream_error_after(
    n_events: int, reply: Turn, *, type: str = "overloaded_error", message: str = "Overloaded"
) -> StreamError:
    return StreamError(reply, n_events, type, message)


def hang_up_after(n_events: int, reply: Turn) -> HangUp:
    return HangUp(reply, n_events)


def end_after(n_events: int, reply: Turn) -> EndEarly:
    return EndEarly(reply, n_events)


def stall_after(n_events: int, reply: Turn) -> Stall:
    return Stall(reply, n_events)


# ------------------------------------------------------------------------------------------------------------ rendering


def _split(value: str, pieces: int) -> list[str]:
    """`value` in up to `pieces` non-empty consecutive parts (one empty part for an empty string)."""
    pieces = max(1, min(pieces, len(value)))
    if pieces == 1:
        return [value]
    bounds = [round(i * len(value) / pieces) for i in range(pieces + 1)]
    return [value[a:b] for a, b in itertools.pairwise(bounds)]


@dataclass
class _Rendered:
    message: dict[str, Any]  # the complete message, as a non-streaming reply carries it
    events: list[tuple[str, dict[str, Any]]]  # (event name, data) in stream order


def _render(reply: Turn, *, index: int, model: str) -> _Rendered:
    content: list[dict[str, Any]] = []
    events: list[tuple[str, dict[str, Any]]] = []
    for i, block in enumerate(reply.blocks):
        deltas: list[dict[str, Any]]
        if isinstance(block, Text):
            content.append({"type": "text", "text": block.text})
            start: dict[str, Any] = {"type": "text", "text": ""}
            deltas = [{"type": "text_delta", "text": part} for part in _split(block.text, block.chunks)]
        elif isinstance(block, Thinking):
            signature = block.signature or f"sig_fake_{index:03d}_{i}"
            content.append({"type": "thinking", "thinking": block.thinking, "signature": signature})
            start = {"type": "thinking", "thinking": "", "signature": ""}
            deltas = [{"type": "thinking_delta", "thinking": part} for part in _split(block.thinking, block.chunks)]
            deltas.append({"type": "signature_delta", "signature": signature})
        else:
            tool_id = block.id or f"toolu_fake_{index:03d}_{i}"
            content.append({"type": "tool_use", "id": tool_id, "name": block.name, "input": block.input})
            start = {"type": "tool_use", "id": tool_id, "name": block.name, "input": {}}
            deltas = [{"type": "input_json_delta", "partial_json": p} for p in _split(block.json_text(), block.chunks)]
        events.append(("content_block_start", {"type": "content_block_start", "index": i, "content_block": start}))
        events += [("content_block_delta", {"type": "content_block_delta", "index": i, "delta": d}) for d in deltas]
        events.append(("content_block_stop", {"type": "content_block_stop", "index": i}))

    usage = reply.usage.as_dict()
    message = {
        "id": f"msg_fake_{index:03d}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": reply.stop_reason,
        "stop_sequence": reply.stop_sequence,
        "usage": usage,
    }
    if reply.stop_details is not None:
        message["stop_details"] = reply.stop_details
    start_message = {**message, "content": [], "stop_reason": None, "stop_sequence": None, "usage": {**usage}}
    start_message.pop("stop_details", None)
    start_message["usage"]["output_tokens"] = 1
    delta: dict[str, Any] = {"stop_reason": reply.stop_reason, "stop_sequence": reply.stop_sequence}
    if reply.stop_details is not None:
        delta["stop_details"] = reply.stop_details
    events = [
        ("message_start", {"type": "message_start", "message": start_message}),
        *events,
        ("message_delta", {"type": "message_delta", "delta": delta, "usage": usage}),
        ("message_stop", {"type": "message_stop"}),
    ]
    return _Rendered(message, events)


def _sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n".encode()


# ------------------------------------------------------------------------------------------------------------ recording


@dataclass
class Recorded:
    """One request the server received, and what it answered."""

    index: int
    method: str
    path: str  # without the query string
    query: str
    headers: dict[str, str]  # names in lower case
    body: Any  # the parsed JSON body, None if there was none or it did not parse
    status: int = 0
    reply: dict[str, Any] | None = None  # the message (or error body) sent back

    @property
    def stream(self) -> bool:
        return isinstance(self.body, dict) and self.body.get("stream") is True

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", [])) if isinstance(self.body, dict) else []

    def last_user_message(self) -> dict[str, Any]:
        users = [m for m in self.messages if m.get("role") == "user"]
        assert users, f"request {self.index} has no user message"
        return users[-1]

    def tool_results(self) -> list[dict[str, Any]]:
        """The tool_result blocks of the last user message."""
        content = self.last_user_message().get("content")
        return [b for b in content if b.get("type") == "tool_result"] if isinstance(content, list) else []


# -------------------------------------------------------------------------------------------------- request validation


def _blocks(message: dict[str, Any]) -> list[dict[str, Any]]:
    content = message.get("content")
    return [b for b in content if isinstance(b, dict)] if isinstance(content, list) else []


def _problems(body: Any, signatures: dict[str, str]) -> list[str]:
    """What the real API would reject this request for (the subset the agent loop can get wrong)."""
    if not isinstance(body, dict):
        return ["the body is not a JSON object"]
    problems = [f"`{key}` is missing" for key in ("model", "max_tokens", "messages") if key not in body]
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return [*problems, "`messages` must be a non-empty list"]
    for n, message in enumerate(messages):
        blocks = _blocks(message)
        if message.get("role") == "assistant":
            for block in blocks:
                if block.get("type") != "thinking":
                    continue
                issued = signatures.get(str(block.get("signature")))
                if issued is None:
                    problems.append(f"messages.{n}: a thinking block carries a signature this server never issued")
                elif issued != block.get("thinking"):
                    problems.append(f"messages.{n}: a thinking block was changed after it was signed")
            calls = [b.get("id") for b in blocks if b.get("type") == "tool_use"]
            if not calls:
                continue
            following = messages[n + 1] if n + 1 < len(messages) else None
            if following is None or following.get("role") != "user":
                problems.append(f"messages.{n}: tool_use ids {calls} have no tool_result in a user message after them")
                continue
            answer = _blocks(following)
            leading = []
            for block in answer:
                if block.get("type") != "tool_result":
                    break
                leading.append(block.get("tool_use_id"))
            missing = [c for c in calls if c not in leading]
            if missing:
                problems.append(
                    f"messages.{n + 1}: tool_use ids {missing} have no tool_result at the start of the next message"
                )
            if len(leading) != len(set(leading)):
                problems.append(f"messages.{n + 1}: a tool_use id is answered twice")
        elif message.get("role") == "user":
            results = [b.get("tool_use_id") for b in blocks if b.get("type") == "tool_result"]
            previous = messages[n - 1] if n > 0 else {}
            asked = {b.get("id") for b in _blocks(previous) if b.get("type") == "tool_use"}
            stray = [r for r in results if r not in asked]
            if stray:
                problems.append(f"messages.{n}: tool_result for {stray}, which the previous message did not call")
    return problems


# --------------------------------------------------------------------------------------------------------------- server


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HttpServer

    def do_POST(self) -> None:
        self.server.fake._handle(self)

    do_GET = do_PUT = do_PATCH = do_DELETE = do_POST

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeClaude) -> None:
        self.fake = fake
        self.open_connections: set[socket.socket] = set()
        super().__init__(("127.0.0.1", 0), _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = super().get_request()
        self.open_connections.add(connection)
        return connection, address

    def shutdown_request(self, request: Any) -> None:
        self.open_connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that went away mid-reply; anything else is caught and recorded in FakeClaude._handle


class _ClientGone(Exception):
    pass


class FakeClaude:
    """The fake Messages API: `with FakeClaude(*replies) as claude:` serves on `claude.base_url` until the end."""

    def __init__(self, *replies: Reply, validate: bool = True, event_gap: float = 0.0) -> None:
        self.validate = validate
        self.event_gap = event_gap  # seconds between stream events, to stream at a model's pace (bench/)
        self.requests: list[Recorded] = []
        self.failures: list[str] = []  # unexpected or invalid requests, described
        self._script: deque[Reply] = deque(replies)
        self._signatures: dict[str, str] = {}  # signature → the thinking text it was issued with
        self._stalls: list[Stall] = [r for r in replies if isinstance(r, Stall)]
        self._lock = threading.Lock()
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None
        self._base_url = ""

    # ---- lifecycle

    def start(self) -> FakeClaude:
        self._httpd = _HttpServer(self)
        host, port = self._httpd.server_address[:2]
        self._base_url = f"http://{host}:{port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), name="fake-claude", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        for stall in self._stalls:
            stall.release()
        if self._httpd is None:
            return
        self._httpd.shutdown()
        for connection in list(self._httpd.open_connections):
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None

    def __enter__(self) -> FakeClaude:
        return self.start()

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.close()
        if exc_type is None and self.failures:
            raise AssertionError("FakeClaude saw requests it could not answer:\n" + "\n".join(self.failures))

    # ---- script and inspection

    @property
    def base_url(self) -> str:
        assert self._base_url, "FakeClaude was never started: use it as a context manager"
        return self._base_url

    def add(self, *replies: Reply) -> None:
        """Append replies to the script (consumed one per POST /v1/messages, in order)."""
        with self._lock:
            self._script.extend(replies)
            self._stalls += [r for r in replies if isinstance(r, Stall)]

    @property
    def pending(self) -> int:
        """Scripted replies not yet consumed."""
        with self._lock:
            return len(self._script)

    def request(self, i: int) -> Recorded:
        with self._lock:
            assert -len(self.requests) <= i < len(self.requests), f"only {len(self.requests)} requests received"
            return self.requests[i]

    def tool_results(self, i: int) -> list[dict[str, Any]]:
        """The tool_result blocks of request i's last user message."""
        return self.request(i).tool_results()

    def assert_done(self) -> None:
        """Every scripted reply was used and nothing unexpected arrived."""
        assert self.failures == [], "\n".join(self.failures)
        assert self.pending == 0, f"{self.pending} scripted replies were never requested"

    def async_client(self, *, max_retries: int = 2, timeout: float = 10.0, **options: Any) -> anthropic.AsyncAnthropic:
        """A real SDK client pointed at this server (use `async with`, so its connections are closed)."""
        import anthropic

        return anthropic.AsyncAnthropic(
            api_key="test-key", base_url=self.base_url, max_retries=max_retries, timeout=timeout, **options
        )

    # ---- serving (handler threads)

    def _handle(self, handler: _Handler) -> None:
        url = urlsplit(handler.path)
        length = int(handler.headers.get("content-length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        with self._lock:
            record = Recorded(
                index=len(self.requests),
                method=handler.command,
                path=url.path,
                query=url.query,
                headers={k.lower(): v for k, v in handler.headers.items()},
                body=body,
            )
            self.requests.append(record)
        try:
            self._answer(handler, record)
        except (_ClientGone, BrokenPipeError, ConnectionResetError):
            handler.close_connection = True
        except Exception:
            self._fail(record, "the fake server crashed:\n" + traceback.format_exc())
            handler.close_connection = True

    def _fail(self, record: Recorded, why: str) -> str:
        message = f"FakeClaude: request {record.index} ({record.method} {record.path}): {why}"
        with self._lock:
            self.failures.append(message)
        return message

    def _answer(self, handler: _Handler, record: Recorded) -> None:
        if record.method != "POST" or record.path != "/v1/messages":
            why = self._fail(record, "no such route in the fake (only POST /v1/messages)")
            return self._send_error(handler, record, ErrorReply(404, "not_found_error", why, None, False))
        if self.validate:
            with self._lock:
                problems = _problems(record.body, dict(self._signatures))
            if problems:
                why = self._fail(record, "the real API would reject it: " + "; ".join(problems))
                return self._send_error(handler, record, ErrorReply(400, "invalid_request_error", why, None, False))
        with self._lock:
            reply = self._script.popleft() if self._script else None
        if reply is None:
            why = self._fail(record, "the script has no reply left for it")
            return self._send_error(handler, record, ErrorReply(500, "api_error", why, None, False))
        if isinstance(reply, ErrorReply):
            return self._send_error(handler, record, reply)
        if isinstance(reply, STREAM_ONLY) and not record.stream:
            why = self._fail(record, f"the script has a stream-only reply ({type(reply).__name__}) for a non-stream")
            return self._send_error(handler, record, ErrorReply(500, "api_error", why, None, False))
        base = reply if isinstance(reply, Turn) else reply.turn
        model = str(record.body.get("model", "claude-sonnet-5-5")) if isinstance(record.body, dict) else "?"
        rendered = _render(base, index=record.index, model=model)
        with self._lock:
            for block in rendered.message["content"]:
                if block["type"] == "thinking":
                    self._signatures[block["signature"]] = block["thinking"]
        record.status, record.reply = 200, rendered.message
        if not record.stream:
            return self._send_json(handler, 200, rendered.message, record.index)
        self._send_stream(handler, reply, rendered, record.index)

    def _send_json(self, handler: _Handler, status: int, body: Any, index: int, **headers: str) -> None:
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("content-type", "application/json")
        handler.send_header("content-length", str(len(data)))
        handler.send_header("request-id", f"req_fake_{index:03d}")
        for name, value in headers.items():
            handler.send_header(name.replace("_", "-"), value)
        handler.end_headers()
        handler.wfile.write(data)
        handler.wfile.flush()

    def _send_error(self, handler: _Handler, record: Recorded, reply: ErrorReply) -> None:
        body = {"type": "error", "error": {"type": reply.type, "message": reply.message}}
        body["request_id"] = f"req_fake_{record.index:03d}"
        record.status, record.reply = reply.status, body
        headers = {}
        if reply.retry_after_ms is not None:
            headers["retry_after_ms"] = str(reply.retry_after_ms)
        if reply.should_retry is not None:
            headers["x_should_retry"] = "true" if reply.should_retry else "false"
        self._send_json(handler, reply.status, body, record.index, **headers)

    def _send_stream(self, handler: _Handler, reply: Reply, rendered: _Rendered, index: int) -> None:
        handler.send_response(200)
        handler.send_header("content-type", "text/event-stream; charset=utf-8")
        handler.send_header("cache-control", "no-cache")
        handler.send_header("transfer-encoding", "chunked")
        handler.send_header("request-id", f"req_fake_{index:03d}")
        handler.end_headers()

        def chunk(data: bytes) -> None:
            handler.wfile.write(b"%X\r\n%s\r\n" % (len(data), data))
            handler.wfile.flush()

        def send(groups: list[list[tuple[str, dict[str, Any]]]]) -> None:
            for group in groups:
                for name, data in group:
                    chunk(_sse(name, data))
                if self.event_gap:
                    time.sleep(self.event_gap)  # pacing the stream, as a model generates it

        groups = self._counted_groups(reply, rendered)
        cut = reply.after if isinstance(reply, STREAM_ONLY) else len(groups)
        send(groups[:cut])
        if isinstance(reply, StreamError):
            chunk(_sse("error", {"type": "error", "error": {"type": reply.type, "message": reply.message}}))
        elif isinstance(reply, HangUp):
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
            raise _ClientGone
        elif isinstance(reply, Stall):
            reply.reached.set()
            reply._go.wait()
            send(groups[cut:])
        chunk(b"")  # the end of the chunked body

    @staticmethod
    def _counted_groups(reply: Reply, rendered: _Rendered) -> list[list[tuple[str, dict[str, Any]]]]:
        """The events in counted groups: the ping travels with message_start and is not counted."""
        base = reply if isinstance(reply, Turn) else reply.turn
        groups = [[event] for event in rendered.events]
        if base.ping:
            groups[0].append(("ping", {"type": "ping"}))
        return groups


# ----------------------------------------------------------------------------------------------- hermetic test helpers

_PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
_LOOPBACK = ("127.0.0.1", "::1", "localhost")


def scrub_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove every ANTHROPIC_* variable (key, base URL, profile, custom headers, …) and any proxy setting."""
    import os

    for name in list(os.environ):
        if name.upper().startswith("ANTHROPIC_") or name.lower() in _PROXY_VARIABLES:
            monkeypatch.delenv(name, raising=False)


def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any connection or name lookup beyond the loopback interface fail the test at once."""
    real_connect, real_connect_ex, real_getaddrinfo = (
        socket.socket.connect,
        socket.socket.connect_ex,
        socket.getaddrinfo,
    )

    def check(address: Any) -> None:
        if isinstance(address, tuple) and address[0] not in _LOOPBACK:
            raise AssertionError(f"a test tried to reach {address!r}; only loopback is allowed")

    def connect(self: socket.socket, address: Any) -> None:
        check(address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(address)
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        check((host.decode() if isinstance(host, bytes) else host,))
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
