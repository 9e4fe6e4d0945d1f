from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, status

from frontdesk.auth.dependencies import ReadAuth, WriteAuth
from frontdesk.db.session import Session
from frontdesk.kit.pagination import Page, PaginationParams
from frontdesk.telephony import schemas
from frontdesk.telephony import service as number_service
from frontdesk.tenancy.scope import scope_of

router = APIRouter(prefix="/v1/phone-numbers", tags=["phone numbers"])


@router.get("")
async def list_phone_numbers(
    auth: ReadAuth, session: Session, pagination: PaginationParams
) -> Page[schemas.PhoneNumber]:
    """List the workspace's phone numbers."""
    items, total = await number_service.list_numbers(session, scope_of(auth), pagination)
    return Page.of([schemas.PhoneNumber.model_validate(n) for n in items], total, pagination)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_phone_number(
    data: schemas.PhoneNumberCreate, auth: WriteAuth, session: Session
) -> schemas.PhoneNumber:
    """Add a phone number to the workspace."""
    number = await number_service.create(session, auth, scope_of(auth), data)
    return schemas.PhoneNumber.model_validate(number)


@router.get("/inventory")
async def phone_number_inventory(
    request: Request, auth: ReadAuth, session: Session
) -> list[schemas.InventoryNumber]:
    """The numbers of the workspace's phone network account (Twilio), and whether each is
    already one of the workspace's numbers. The simulated network has no inventory: any
    number can be added."""
    numbers = await number_service.inventory(session, scope_of(auth), request.app.state.http)
    return [schemas.InventoryNumber(phone_number=n, added=added) for n, added in numbers]


@router.get("/{number_id}")
async def get_phone_number(
    number_id: uuid.UUID, auth: ReadAuth, session: Session
) -> schemas.PhoneNumber:
    """Get a phone number."""
    return schemas.PhoneNumber.model_validate(
        await number_service.get(session, scope_of(auth), number_id)
    )


@router.patch("/{number_id}")
async def update_phone_number(
    number_id: uuid.UUID, data: schemas.PhoneNumberUpdate, auth: WriteAuth, session: Session
) -> schemas.PhoneNumber:
    """Rename a number or change the agent it routes to."""
    number = await number_service.update(session, auth, scope_of(auth), number_id, data)
    return schemas.PhoneNumber.model_validate(number)


@router.delete("/{number_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_phone_number(number_id: uuid.UUID, auth: WriteAuth, session: Session) -> None:
    """Remove a phone number from the workspace."""
    await number_service.delete(session, auth, scope_of(auth), number_id)
