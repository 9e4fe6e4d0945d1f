"""The ASGI application factory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from frontdesk import __version__
from frontdesk.actions.api import router as actions_router
from frontdesk.agents.api import router as agents_router
from frontdesk.analytics.api import router as analytics_router
from frontdesk.audit.api import router as audit_router
from frontdesk.auth.api import keys_router
from frontdesk.auth.api import router as auth_router
from frontdesk.calls import drain
from frontdesk.calls import live as live_calls
from frontdesk.calls.api import agent_router as web_call_router
from frontdesk.calls.api import router as calls_router
from frontdesk.calls.api import voices_router
from frontdesk.calls.api import web_router as web_call_socket_router
from frontdesk.campaigns.api import router as campaigns_router
from frontdesk.channels import sms as sms_channel  # noqa: F401 (texts replies of SMS chats)
from frontdesk.channels.api import router as channels_router
from frontdesk.conversations.api import contact_router as contact_conversations_router
from frontdesk.conversations.api import router as conversations_router
from frontdesk.conversations.public_api import router as public_router
from frontdesk.crm.api import router as contacts_router
from frontdesk.crm.records_api import deals_router, memory_router, phonebooks_router
from frontdesk.db.engine import create_engine, create_sessionmaker
from frontdesk.errors import install_error_handlers
from frontdesk.events.api import router as events_router
from frontdesk.events.live import create_broker
from frontdesk.health.api import router as health_router
from frontdesk.jobs import wakeup
from frontdesk.jobs.runtime import Background, outbound_http
from frontdesk.kit import collector, native
from frontdesk.kit.http import HTTPEdgeMiddleware
from frontdesk.kit.ratelimit import RateLimiter
from frontdesk.knowledge import retriever as knowledge_retriever  # noqa: F401 (registers it)
from frontdesk.knowledge.api import router as knowledge_router
from frontdesk.knowledge.api import workspace_router as knowledge_search_router
from frontdesk.notifications.api import router as notifications_router
from frontdesk.settings import Settings, get_settings
from frontdesk.storage.service import close_storage
from frontdesk.telephony.api import router as phone_numbers_router
from frontdesk.telephony.texts_api import router as texts_router
from frontdesk.telephony.texts_api import simulated_router as simulated_texts_router
from frontdesk.telephony.twilio_api import router as twilio_router
from frontdesk.tenancy.api import members_router, subaccounts_router, workspace_router
from frontdesk.voice import providers as voice_providers
from frontdesk.web.api import router as web_router
from frontdesk.web.dashboard import router as dashboard_router
from frontdesk.webhooks.api import deliveries_router, webhooks_router
from frontdesk.workflows import triggers as workflow_triggers  # noqa: F401 (starts workflows)
from frontdesk.workflows.api import router as workflows_router

ROUTERS = (
    health_router,
    auth_router,
    keys_router,
    workspace_router,
    members_router,
    subaccounts_router,
    audit_router,
    phone_numbers_router,
    webhooks_router,
    deliveries_router,
    notifications_router,
    events_router,
    contacts_router,
    deals_router,
    phonebooks_router,
    memory_router,
    agents_router,
    actions_router,
    conversations_router,
    contact_conversations_router,
    knowledge_router,
    knowledge_search_router,
    public_router,
    web_router,
    calls_router,
    campaigns_router,
    web_call_router,
    web_call_socket_router,
    voices_router,
    twilio_router,
    channels_router,
    texts_router,
    simulated_texts_router,
    workflows_router,
    analytics_router,
    dashboard_router,  # last: its page paths answer what no API route did
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    native.limit_blas_threads()
    engine = create_engine(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        voice_providers.WARM_UP["enabled"] = True
        await app.state.broker.start()
        if settings.redis_url:
            wakeup.connect(app.state.broker)
        background: Background | None = None
        if settings.embedded_worker:
            background = Background(
                app.state.sessionmaker, settings, app.state.http, {"broker": app.state.broker}
            )
            background.start()
        app.state.background = background
        # SIGTERM with live calls: no new calls, not ready, the calls finish, then shutdown.
        undo_drain = drain.install(
            settings.drain_seconds,
            (lambda: asyncio.ensure_future(background.shutdown())) if background else lambda: None,
        )
        collector.settle(long_lived=True)
        try:
            yield
        finally:
            undo_drain()
            if background is not None:
                await background.shutdown()
            await app.state.broker.stop()
            await app.state.http.aclose()
            await close_storage()
            await app.state.engine.dispose()

    app = FastAPI(
        title="Frontdesk",
        version=__version__,
        description="AI agents that answer a business's chats and phone calls.",
        lifespan=lifespan,
        # FastAPI's OpenTelemetry hooks cost on every request; on only when asked for.
        telemetry={
            "tracing": settings.telemetry,
            "metrics": settings.telemetry,
            "logs": settings.telemetry,
        },
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = create_sessionmaker(engine)
    app.state.read_sessionmaker = create_sessionmaker(engine, readonly=True)
    app.state.stream_sessionmaker = create_sessionmaker(engine, readonly=True, autocommit=False)
    app.state.rate_limiter = RateLimiter(settings.redis_url)
    app.state.broker = create_broker(settings.redis_url)
    live_calls.install(app.state.broker)
    app.state.http = outbound_http(settings.allow_private_urls)
    app.state.background = None
    install_error_handlers(app)
    app.openapi = _openapi(app)  # type: ignore[method-assign]
    for router in ROUTERS:
        app.include_router(router)
    app.add_middleware(
        HTTPEdgeMiddleware,
        max_body_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
    )
    return app


ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "required": ["error", "code", "details"],
    "properties": {
        "error": {"type": "string", "description": "What went wrong, for a person"},
        "code": {"type": "string", "description": "A stable machine-readable code"},
        "details": {"type": "object", "description": "Per-field messages and context"},
    },
}


def _openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """FastAPI documents validation failures as 422; Frontdesk answers 400 with its envelope."""

    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        spec = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        spec.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        error = {
            "description": "Error",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for operations in spec.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                responses.pop("422", None)
                responses.setdefault("400", {**error, "description": "Invalid request"})
                responses.setdefault("default", error)
        for name in ("HTTPValidationError", "ValidationError"):
            spec["components"]["schemas"].pop(name, None)
        app.openapi_schema = spec
        return spec

    return build


def app_factory() -> FastAPI:
    """Entry point for `uvicorn --factory frontdesk.app:app_factory`."""
    from frontdesk.logging import configure_logging

    settings = get_settings()
    configure_logging(settings)
    return create_app(settings)
