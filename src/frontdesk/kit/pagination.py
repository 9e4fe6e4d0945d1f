"""Limit/offset pagination and the list envelope `{items, total, limit, offset}`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")

MAX_LIMIT = 100
MAX_OFFSET = 1_000_000_000  # beyond any list; keeps the value inside a database integer


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int

    @classmethod
    def of(cls, items: list[T], total: int, pagination: Pagination) -> Page[T]:
        return cls(items=items, total=total, limit=pagination.limit, offset=pagination.offset)


@dataclass(frozen=True)
class Pagination:
    limit: int = 20
    offset: int = 0


def _pagination(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size (1-100)")] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip")] = 0,
) -> Pagination:
    return Pagination(limit=limit, offset=offset)


PaginationParams = Annotated[Pagination, Depends(_pagination)]


async def paginate(
    session: AsyncSession, stmt: Select[Any], pagination: Pagination
) -> tuple[list[Any], int]:
    """Run `stmt` for one page and count all its rows; returns (rows, total)."""
    total_stmt = select(func.count()).select_from(stmt.order_by(None).subquery())
    total = (await session.execute(total_stmt)).scalar_one()
    rows = (await session.execute(stmt.limit(pagination.limit).offset(pagination.offset))).scalars()
    return list(rows.all()), total
