"""The one tenant scoping function.

`scope_of(auth)` is the only way to obtain a `WorkspaceScope`; services and repositories take that
type, so a query on tenant rows cannot be written without one. A parent workspace's credentials
reach a subaccount only through the `Frontdesk-Workspace` header, which authentication resolves into
`auth.workspace_id` after checking the parent link; the scope therefore holds exactly the workspace
the request acts in.
"""

from __future__ import annotations

import uuid
from typing import Any, Final, TypeVar, final

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.auth.context import AuthContext
from frontdesk.db.base import Model
from frontdesk.errors import NotFound

_KEY: Final = object()
S = TypeVar("S", bound=Select)
M = TypeVar("M", bound=Model)


@final
class WorkspaceScope:
    __slots__ = ("workspace_ids",)

    workspace_ids: frozenset[uuid.UUID]

    def __init__(self, workspace_ids: frozenset[uuid.UUID], key: object) -> None:
        if key is not _KEY:
            raise TypeError("WorkspaceScope is created by tenancy.scope.scope_of only")
        self.workspace_ids = workspace_ids

    @property
    def workspace_id(self) -> uuid.UUID:
        """The workspace new rows are written to."""
        (only,) = self.workspace_ids
        return only

    def contains(self, workspace_id: uuid.UUID) -> bool:
        return workspace_id in self.workspace_ids

    def apply(self, stmt: S, model: Any) -> S:
        """Restrict a select on a tenant-owned model to this scope."""
        column = model.workspace_id
        if len(self.workspace_ids) == 1:
            return stmt.where(column == self.workspace_id)
        return stmt.where(column.in_(self.workspace_ids))

    async def get(self, session: AsyncSession, model: type[M], id: uuid.UUID, resource: str) -> M:
        """The row of `model` with this id in scope, or 404 `<RESOURCE>_NOT_FOUND`."""
        row = await session.scalar(self.apply(select(model), model).where(model.id == id))
        if row is None:
            raise NotFound(resource)
        return row


def scope_of(auth: AuthContext) -> WorkspaceScope:
    """The workspaces the principal may touch in this request."""
    return WorkspaceScope(frozenset({auth.workspace_id}), _KEY)


def system_scope(workspace_id: uuid.UUID) -> WorkspaceScope:
    """A scope for background work that acts on behalf of one workspace (jobs, telephony edges)."""
    return WorkspaceScope(frozenset({workspace_id}), _KEY)
