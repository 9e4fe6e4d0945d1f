"""The request's session: committed when the route returns, rolled back when it raises."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    maker: async_sessionmaker[AsyncSession] = (
        request.app.state.read_sessionmaker
        if request.method in _READ_METHODS
        else request.app.state.sessionmaker
    )
    async with maker() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()


# scope="function": the commit happens before the response is sent, so a failed commit is
# reported to the client instead of being lost after a 2xx.
Session = Annotated[AsyncSession, Depends(get_session, scope="function")]
