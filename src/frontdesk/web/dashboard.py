"""The dashboard: a single-page app built from `frontend/` into `web/dashboard/`, served at `/`.

Every page path answers the same `index.html`; the app routes in the browser and reads and writes
through the public `/v1` API, so everything a user can click is also scriptable.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, Response

from frontdesk.errors import NotFound

router = APIRouter(tags=["dashboard"], include_in_schema=False)
DIST = Path(__file__).resolve().parent / "dashboard"
# The app's top-level pages (frontend/src/main.tsx); each also answers its sub-paths.
SECTIONS = (
    "login",
    "signup",
    "inbox",
    "agents",
    "calls",
    "knowledge",
    "contacts",
    "deals",
    "campaigns",
    "workflows",
    "analytics",
    "webhooks",
    "settings",
    "audit-log",
)
_ASSET = re.compile(r"^[A-Za-z0-9_.-]+\.(js|css|svg|png|woff2)$")
_HEADERS = {
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
        "style-src 'self' 'unsafe-inline'; connect-src 'self'; worker-src 'self' blob:; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
}
_NOT_BUILT = """<!doctype html><html lang="en"><meta charset="utf-8"><title>Frontdesk</title>
<body style="font-family:system-ui;max-width:40rem;margin:4rem auto;padding:0 1rem">
<h1>The dashboard is not built</h1>
<p>Frontdesk's API is running (see <a href="/docs">/docs</a>), but the dashboard's files are
missing. Build them with <code>make dashboard</code> (it needs Node.js 20 or newer and npm), then
reload this page.</p></body></html>"""


async def _page() -> Response:
    index = DIST / "index.html"
    if not index.is_file():
        return HTMLResponse(_NOT_BUILT, status_code=503, headers={"Retry-After": "60"})
    return FileResponse(index, media_type="text/html; charset=utf-8", headers=_HEADERS)


router.add_api_route("/", _page, methods=["GET"])
for _section in SECTIONS:
    router.add_api_route(f"/{_section}", _page, methods=["GET"])
    router.add_api_route(f"/{_section}/{{rest:path}}", _page, methods=["GET"])


@router.get("/assets/{name}")
async def asset(name: str) -> FileResponse:
    """Built scripts and styles; their names carry a content hash, so they are cached for good."""
    path = DIST / "assets" / name
    if not _ASSET.match(name) or not path.is_file():
        raise NotFound("file")
    return FileResponse(
        path,
        headers={
            "Cache-Control": "public, max-age=31536000, immutable",
            "X-Content-Type-Options": "nosniff",
        },
    )
