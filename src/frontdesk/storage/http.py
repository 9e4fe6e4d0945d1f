"""An object as an HTTP download: a local file as Starlette's FileResponse; a bucket's object
streamed through as it arrives (never whole in memory), with single byte ranges."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import FileResponse, Response, StreamingResponse
from starlette.background import BackgroundTask

from frontdesk.storage.base import ObjectNotFound, Storage


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The one range of `Range: bytes=a-b` (inclusive), None to send the whole object (no
    header, several ranges, or one this does not understand: RFC 9110 lets a server ignore
    those); ValueError when it starts past the end."""
    if not header or size <= 0:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec or "-" not in spec:
        return None
    first, _, last = (part.strip() for part in spec.partition("-"))
    if not (first.isdigit() or first == "") or not (last.isdigit() or last == ""):
        return None
    if first == "":
        if last == "" or int(last) == 0:
            return None
        return max(0, size - int(last)), size - 1
    start = int(first)
    end = size - 1 if last == "" else min(int(last), size - 1)
    if start >= size:
        raise ValueError("range not satisfiable")
    if end < start:
        return None
    return start, end


async def object_response(
    request: Request, store: Storage, key: str, *, media_type: str, filename: str
) -> Response:
    """The object `key` as a download (`ObjectNotFound` when there is none)."""
    path = store.local_path(key)
    if path is not None:
        if not path.is_file():
            raise ObjectNotFound(key)
        return FileResponse(path, media_type=media_type, filename=filename)
    size = await store.size(key)
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Disposition": f'attachment; filename="{filename}"',
    }
    try:
        wanted = byte_range(request.headers.get("range"), size)
    except ValueError:
        return Response(status_code=416, headers={**headers, "Content-Range": f"bytes */{size}"})
    if size == 0:
        return Response(b"", media_type=media_type, headers=headers)
    start, end = wanted or (0, size - 1)
    reader = await store.open(key, start, end if wanted is not None else None)
    headers["Content-Length"] = str(reader.length)
    if wanted is not None:
        headers["Content-Range"] = f"bytes {reader.start}-{reader.end}/{reader.size}"
    return StreamingResponse(
        reader.chunks,
        status_code=206 if wanted is not None else 200,
        media_type=media_type,
        headers=headers,
        background=BackgroundTask(reader.close),
    )
