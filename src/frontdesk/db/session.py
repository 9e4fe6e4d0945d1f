"""The request's session: committed when the route returns, rolled back when it raises."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@asynccontextmanager
async def _session(maker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with maker() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Read-only for GET (deferred on SQLite, autocommit on PostgreSQL), writing otherwise."""
    read = request.method in _READ_METHODS
    state = request.app.state
    async with _session(state.read_sessionmaker if read else state.sessionmaker) as session:
        yield session


async def get_write_session(request: Request) -> AsyncIterator[AsyncSession]:
    """For the few GET routes that also write (reading a conversation clears its unread count)."""
    async with _session(request.app.state.sessionmaker) as session:
        yield session


async def get_read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """For POST routes that only read (searches): no write lock on SQLite."""
    async with _session(request.app.state.read_sessionmaker) as session:
        yield session


# scope="function": the commit happens before the response is sent, so a failed commit is
# reported to the client instead of being lost after a 2xx.
Session = Annotated[AsyncSession, Depends(get_session, scope="function")]
WriteSession = Annotated[AsyncSession, Depends(get_write_session, scope="function")]
ReadSession = Annotated[AsyncSession, Depends(get_read_session, scope="function")]
