"""Where files are kept, from `FRONTDESK_STORAGE_URL`: a directory or an S3-compatible bucket.

Kept free of other Frontdesk imports: the settings validate the URL with it at start-up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

# S3's rules for bucket names: 3 to 63 lowercase letters, digits, dots and hyphens.
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


@dataclass(frozen=True)
class StorageLocation:
    scheme: str  # "file" | "s3"
    path: Path | None = None  # file: the directory
    bucket: str = ""  # s3: the bucket, and the key prefix inside it ("" or "a/b")
    prefix: str = ""


def parse_storage_url(url: str) -> StorageLocation:
    """`file:///abs/path` or `s3://bucket/optional/prefix`; a ValueError says what is wrong."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
            raise ValueError("expected file:///absolute/path")
        return StorageLocation("file", path=Path(unquote(parts.path)))
    if parts.scheme == "s3":
        bucket = parts.netloc
        if not _BUCKET.match(bucket) or ".." in bucket:
            raise ValueError("expected s3://bucket/optional/prefix, a bucket of 3-63 [a-z0-9.-]")
        if parts.query or parts.fragment:
            raise ValueError("expected s3://bucket/optional/prefix without ? or #")
        segments = [s for s in unquote(parts.path).split("/") if s]
        if any(s in (".", "..") for s in segments):
            raise ValueError("the prefix of an s3:// URL cannot contain . or .. segments")
        return StorageLocation("s3", bucket=bucket, prefix="/".join(segments))
    raise ValueError("expected s3://bucket/optional/prefix or file:///path")
