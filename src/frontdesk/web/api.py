from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from frontdesk.errors import NotFound

router = APIRouter(tags=["public widget"])
STATIC = Path(__file__).resolve().parent / "static"


@router.get("/widget.js", response_class=FileResponse)
async def widget_js() -> FileResponse:
    """The embeddable chat widget: `<script src=".../widget.js" data-agent="AGENT_ID">`."""
    return FileResponse(
        STATIC / "widget.js",
        media_type="application/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300"},
    )


_SCRIPTS = {"voice-test.js", "voice-worklet.js"}


@router.get("/dashboard/voice-test", response_class=FileResponse, tags=["dashboard"])
async def voice_test_page() -> FileResponse:
    """A page to talk to an agent from the browser (microphone and speaker)."""
    return FileResponse(STATIC / "voice-test.html", media_type="text/html; charset=utf-8")


@router.get("/static/{name}", response_class=FileResponse, tags=["dashboard"])
async def static_script(name: str) -> FileResponse:
    """The dashboard's scripts."""
    if name not in _SCRIPTS:
        raise NotFound("file")
    return FileResponse(STATIC / name, media_type="application/javascript; charset=utf-8")
