from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

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
