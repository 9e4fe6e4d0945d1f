"""The embedding column: float32 bytes in Python, a BLOB on SQLite, a pgvector `vector` on
PostgreSQL (no fixed dimension: each row says its own, and an HNSW index exists per dimension)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import Dialect, LargeBinary
from sqlalchemy.types import TypeDecorator, UserDefinedType


class PgVector(UserDefinedType[Any]):
    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "vector"


def to_pg_text(vector: bytes | np.ndarray) -> str:
    values = np.frombuffer(vector, dtype=np.float32) if isinstance(vector, bytes) else vector
    return "[" + ",".join(f"{v:.7g}" for v in values.tolist()) + "]"


def from_pg_text(value: str) -> bytes:
    return np.array(value.strip("[]").split(","), dtype=np.float32).tobytes()


class EmbeddingColumn(TypeDecorator[bytes]):
    impl = LargeBinary
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(PgVector())
        return dialect.type_descriptor(LargeBinary())

    def process_bind_param(self, value: bytes | None, dialect: Dialect) -> Any:
        if value is None or dialect.name != "postgresql":
            return value
        return to_pg_text(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> bytes | None:
        if value is None or dialect.name != "postgresql":
            return value
        return from_pg_text(value)
