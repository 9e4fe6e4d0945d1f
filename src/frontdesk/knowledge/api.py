from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, status
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from frontdesk.auth.dependencies import ReadAuth, WriteAuth
from frontdesk.db.session import ReadSession, Session
from frontdesk.errors import UnsupportedMediaType, ValidationFailed, validation_details
from frontdesk.kit.pagination import Page, PaginationParams
from frontdesk.kit.schemas import storable_text
from frontdesk.knowledge import schemas
from frontdesk.knowledge import search as search_service
from frontdesk.knowledge import service as knowledge_service
from frontdesk.tenancy.scope import scope_of

router = APIRouter(prefix="/v1/knowledge-bases", tags=["knowledge"])
workspace_router = APIRouter(prefix="/v1/knowledge", tags=["knowledge"])

SOURCE_BODY = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "name": {"type": "string", "maxLength": 300},
                    },
                }
            },
            "application/json": {"schema": schemas.SourceCreate.model_json_schema()},
        },
        "required": True,
    }
}


@router.get("")
async def list_knowledge_bases(
    auth: ReadAuth,
    session: Session,
    pagination: PaginationParams,
    search: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[schemas.KnowledgeBase]:
    """List knowledge bases, newest first."""
    items, total = await knowledge_service.list_bases(session, scope_of(auth), pagination, search)
    return Page.of(
        [await knowledge_service.to_schema(session, kb) for kb in items], total, pagination
    )


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_knowledge_base(
    data: schemas.KnowledgeBaseCreate, auth: WriteAuth, session: Session
) -> schemas.KnowledgeBase:
    """Create a knowledge base."""
    kb = await knowledge_service.create(session, auth, scope_of(auth), data)
    return await knowledge_service.to_schema(session, kb)


@router.get("/{kb_id}")
async def get_knowledge_base(
    kb_id: uuid.UUID, auth: ReadAuth, session: Session
) -> schemas.KnowledgeBase:
    """Get a knowledge base."""
    kb = await knowledge_service.get(session, scope_of(auth), kb_id)
    return await knowledge_service.to_schema(session, kb)


@router.patch("/{kb_id}")
async def update_knowledge_base(
    kb_id: uuid.UUID, data: schemas.KnowledgeBaseUpdate, auth: WriteAuth, session: Session
) -> schemas.KnowledgeBase:
    """Update a knowledge base; a new embedding model or chunking re-processes every source."""
    kb = await knowledge_service.update_base(session, auth, scope_of(auth), kb_id, data)
    return await knowledge_service.to_schema(session, kb)


@router.delete("/{kb_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_knowledge_base(kb_id: uuid.UUID, auth: WriteAuth, session: Session) -> None:
    """Delete a knowledge base with its sources and chunks; agents lose it."""
    await knowledge_service.delete_base(session, auth, scope_of(auth), kb_id)


@router.post("/{kb_id}/attach")
async def attach_knowledge_base(
    kb_id: uuid.UUID, data: schemas.AttachRequest, auth: WriteAuth, session: Session
) -> schemas.KnowledgeBase:
    """Let an agent answer from this knowledge base."""
    kb = await knowledge_service.attach(session, auth, scope_of(auth), kb_id, data.agent_id, True)
    return await knowledge_service.to_schema(session, kb)


@router.post("/{kb_id}/detach")
async def detach_knowledge_base(
    kb_id: uuid.UUID, data: schemas.AttachRequest, auth: WriteAuth, session: Session
) -> schemas.KnowledgeBase:
    """Stop an agent answering from this knowledge base."""
    kb = await knowledge_service.attach(session, auth, scope_of(auth), kb_id, data.agent_id, False)
    return await knowledge_service.to_schema(session, kb)


@router.post("/{kb_id}/sources", status_code=status.HTTP_201_CREATED, openapi_extra=SOURCE_BODY)
async def create_source(
    kb_id: uuid.UUID, request: Request, auth: WriteAuth, session: Session
) -> schemas.Source:
    """Add a document (multipart `file`, optional `name`) or a text or web page (JSON); it is
    processed in the background: poll the source until `status` is `processed` or `failed`."""
    scope = scope_of(auth)
    kb = await knowledge_service.get(session, scope, kb_id)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=5)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ValidationFailed(
                "Send the document in a form field named `file`", details={"file": "missing"}
            )
        name = form.get("name")
        if isinstance(name, str):
            storable_text(name, "name")
        source = await knowledge_service.add_file(
            session,
            auth,
            kb,
            storable_text(upload.filename, "file"),
            upload.content_type,
            await upload.read(),
            name if isinstance(name, str) and name.strip() else None,
        )
    elif content_type == "application/json":
        try:
            data = schemas.SourceCreate.model_validate_json(await request.body())
        except ValidationError as exc:
            raise ValidationFailed(
                "The source is not valid", details=validation_details(list(exc.errors()))
            ) from None
        source = await knowledge_service.add_text_or_url(session, auth, kb, data)
    else:
        raise UnsupportedMediaType(
            "Send multipart/form-data with a `file`, or JSON {type: text|url, ...}"
        )
    return schemas.Source.model_validate(source)


@router.get("/{kb_id}/sources")
async def list_sources(
    kb_id: uuid.UUID,
    auth: ReadAuth,
    session: Session,
    pagination: PaginationParams,
    status: Literal["processing", "processed", "failed"] | None = None,
) -> Page[schemas.Source]:
    """List a knowledge base's sources, newest first."""
    items, total = await knowledge_service.list_sources(
        session, scope_of(auth), kb_id, pagination, status
    )
    return Page.of([schemas.Source.model_validate(s) for s in items], total, pagination)


@router.get("/{kb_id}/sources/{source_id}")
async def get_source(
    kb_id: uuid.UUID, source_id: uuid.UUID, auth: ReadAuth, session: Session
) -> schemas.Source:
    """Get a source with its processing progress."""
    source = await knowledge_service.get_source(session, scope_of(auth), kb_id, source_id)
    return schemas.Source.model_validate(source)


@router.delete("/{kb_id}/sources/{source_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_source(
    kb_id: uuid.UUID, source_id: uuid.UUID, auth: WriteAuth, session: Session
) -> None:
    """Delete a source; its chunks stop appearing in searches at once."""
    await knowledge_service.delete_source(session, auth, scope_of(auth), kb_id, source_id)


@router.post("/{kb_id}/sources/{source_id}/recrawl", status_code=status.HTTP_202_ACCEPTED)
async def recrawl_source(
    kb_id: uuid.UUID, source_id: uuid.UUID, auth: WriteAuth, session: Session
) -> schemas.Source:
    """Fetch a url source again and re-index it."""
    source = await knowledge_service.recrawl(session, auth, scope_of(auth), kb_id, source_id)
    return schemas.Source.model_validate(source)


@router.post("/{kb_id}/search")
async def search_knowledge_base(
    kb_id: uuid.UUID, data: schemas.SearchRequest, auth: ReadAuth, session: ReadSession
) -> schemas.SearchResults:
    """Search one knowledge base; `score` is in [0, 1] in every mode (see docs/knowledge.md)."""
    kb = await knowledge_service.get(session, scope_of(auth), kb_id)
    return await search_service.run(session, [kb], data)


@workspace_router.post("/search")
async def search_knowledge(
    data: schemas.SearchRequest, auth: ReadAuth, session: ReadSession
) -> schemas.SearchResults:
    """Search every knowledge base of the workspace."""
    kbs = await knowledge_service.all_bases(session, scope_of(auth))
    return await search_service.run(session, kbs, data)
