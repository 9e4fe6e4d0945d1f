"""Documents to text blocks: PDF (pypdf), DOCX (python-docx), HTML (trafilatura, main text only),
Markdown and plain text. What a file is comes from its bytes, not its name: a renamed binary is
refused, a PDF that cannot be read says why. A PDF's pages and a DOCX's unzipped size are capped
before the document is read, so a small file cannot take the worker's memory or minutes.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any

from charset_normalizer import from_bytes

KINDS = ("pdf", "docx", "html", "markdown", "text")
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_BLANK = re.compile(r"\n\s*\n")
MAX_PAGES = 2000
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)\b", re.I | re.S)


class NotADocument(Exception):
    """The bytes are not a kind of document Frontdesk reads (answered with 415)."""


class UnreadableDocument(Exception):
    """A document of a known kind that cannot be read: the source ends `failed` with this text."""


@dataclass(frozen=True, slots=True)
class Limits:
    """`FRONTDESK_MAX_DOCUMENT_PAGES` and `FRONTDESK_MAX_UNPACKED_BYTES`."""

    max_pages: int = MAX_PAGES
    max_unpacked_bytes: int = MAX_UNPACKED_BYTES


@dataclass(frozen=True, slots=True)
class Block:
    text: str
    heading: str | None = None
    page: int | None = None
    is_heading: bool = False


@dataclass(frozen=True, slots=True)
class Document:
    kind: str
    blocks: list[Block]
    title: str | None = None
    pages: int | None = None


def _is_docx(content: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, ValueError):
        return False


def decode_text(content: bytes) -> str | None:
    """The text of bytes that are text in some encoding, or None for binary data."""
    if b"\x00" in content[:65536]:
        return None
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    best = from_bytes(content[:1_000_000]).best()
    if best is None:
        return None
    return content.decode(best.encoding, errors="replace")


def sniff(content: bytes, filename: str | None = None, declared: str | None = None) -> str:
    """The kind of document the bytes are; NotADocument when they are none we read."""
    name = (filename or "").lower()
    declared = (declared or "").split(";")[0].strip().lower()
    if content[:1024].lstrip().startswith(b"%PDF-"):
        return "pdf"
    if content.startswith(b"PK\x03\x04"):
        if _is_docx(content):
            return "docx"
        raise NotADocument("a ZIP archive that is not a Word document")
    if decode_text(content) is None:
        shown = f" ({name.rsplit('.', 1)[-1].upper()} by its name)" if "." in name else ""
        raise NotADocument(f"binary data that is not a PDF or DOCX document{shown}")
    if (
        name.endswith((".html", ".htm"))
        or declared in ("text/html", "application/xhtml+xml")
        or _HTML_START.match(content[:4096])
    ):
        return "html"
    if name.endswith((".md", ".markdown")) or declared in ("text/markdown", "text/x-markdown"):
        return "markdown"
    return "text"


def _paragraphs(text: str, page: int | None = None, heading: str | None = None) -> list[Block]:
    return [
        Block(" ".join(p.split()), heading, page)
        for p in _BLANK.split(text.replace("\r\n", "\n"))
        if p.strip()
    ]


def parse_markdown(text: str) -> list[Block]:
    blocks: list[Block] = []
    path: list[tuple[int, str]] = []
    paragraph: list[str] = []
    in_code = False

    def flush() -> None:
        if paragraph:
            joined = "\n".join(paragraph) if in_code else " ".join(" ".join(paragraph).split())
            if joined.strip():
                blocks.append(Block(joined, " > ".join(h for _, h in path) or None))
            paragraph.clear()

    for line in text.replace("\r\n", "\n").split("\n"):
        if line.strip().startswith("```"):
            in_code = not in_code
            paragraph.append(line)
            if not in_code:
                flush()
            continue
        match = None if in_code else _HEADING.match(line)
        if match:
            flush()
            level, title = len(match.group(1)), match.group(2).strip()
            path = [(lvl, h) for lvl, h in path if lvl < level] + [(level, title)]
            blocks.append(Block(title, " > ".join(h for _, h in path), is_heading=True))
        elif not line.strip() and not in_code:
            flush()
        else:
            paragraph.append(line)
    flush()
    return blocks


def _check_pages(count: object, limit: int) -> None:
    if isinstance(count, int) and count > limit:
        raise UnreadableDocument(f"The PDF has {count} pages; at most {limit} are read")


def parse_pdf(content: bytes, max_pages: int = MAX_PAGES) -> Document:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableDocument(
                "The PDF is protected by a password; upload a copy without the password"
            )
        # The declared count first, which costs nothing; then the real one (a count can lie).
        page_tree: Any = reader.root_object["/Pages"]
        _check_pages(page_tree.get_object().get("/Count"), max_pages)
        _check_pages(len(reader.pages), max_pages)
        blocks: list[Block] = []
        for number, page in enumerate(reader.pages, start=1):
            blocks.extend(_paragraphs(page.extract_text() or "", page=number))
        title = reader.metadata.title if reader.metadata is not None else None
        pages = len(reader.pages)
    except FileNotDecryptedError:
        raise UnreadableDocument(
            "The PDF is protected by a password; upload a copy without the password"
        ) from None
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UnreadableDocument(f"The PDF is damaged and could not be read ({exc})") from None
    except UnreadableDocument:
        raise
    except Exception as exc:  # pypdf raises many kinds on malformed files
        raise UnreadableDocument(
            f"The PDF is damaged and could not be read ({type(exc).__name__})"
        ) from None
    if not blocks:
        raise UnreadableDocument(
            "The PDF has no text to read (a scanned document needs text recognition first)"
        )
    return Document("pdf", blocks, str(title) if title else None, pages)


def _check_unpacked(content: bytes, limit: int) -> None:
    """Refuse a ZIP that unpacks to more than `limit` bytes. The sizes come from the archive's
    directory; zipfile never inflates an entry past its declared size, so they can be trusted."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        return  # python-docx reports a damaged file with its own reason
    if unpacked > limit:
        raise UnreadableDocument(
            f"The Word document unpacks to {unpacked // (1024 * 1024)} MiB; at most "
            f"{limit // (1024 * 1024)} MiB are read"
        )


def parse_docx(content: bytes, max_unpacked_bytes: int = MAX_UNPACKED_BYTES) -> Document:
    import docx

    _check_unpacked(content, max_unpacked_bytes)
    try:
        document = docx.Document(io.BytesIO(content))
    except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors, ...
        raise UnreadableDocument(
            f"The Word document is damaged and could not be read ({type(exc).__name__})"
        ) from None
    blocks: list[Block] = []
    path: list[tuple[int, str]] = []
    for paragraph in document.paragraphs:
        text = " ".join(paragraph.text.split())
        if not text:
            continue
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        level = 0
        if style == "Title":
            level = 1
        elif style.startswith("Heading"):
            digits = style.removeprefix("Heading").strip()
            level = int(digits) if digits.isdigit() else 1
        if level:
            path = [(lvl, h) for lvl, h in path if lvl < level] + [(level, text)]
            blocks.append(Block(text, " > ".join(h for _, h in path), is_heading=True))
        else:
            blocks.append(Block(text, " > ".join(h for _, h in path) or None))
    for table in document.tables:
        for row in table.rows:
            cells = [" ".join(c.text.split()) for c in row.cells]
            line = " | ".join(dict.fromkeys(c for c in cells if c))
            if line:
                blocks.append(Block(line, " > ".join(h for _, h in path) or None))
    title = document.core_properties.title or None
    return Document("docx", blocks, title)


def parse_html(html: str) -> Document:
    import trafilatura

    markdown = trafilatura.extract(
        html,
        output_format="markdown",
        include_tables=True,
        include_comments=False,
        favor_recall=True,
    )
    metadata = trafilatura.extract_metadata(html)
    title = metadata.title if metadata is not None else None
    if not markdown:
        from selectolax.lexbor import LexborHTMLParser

        tree = LexborHTMLParser(html)
        for node in tree.css("script, style, noscript, nav, header, footer"):
            node.decompose()
        body = tree.body
        markdown = body.text(separator="\n") if body is not None else ""
    return Document("html", parse_markdown(markdown), title)


def parse(content: bytes, kind: str, limits: Limits | None = None) -> Document:
    """Blocks of text from a document of a sniffed kind."""
    limits = limits or Limits()
    if kind == "pdf":
        return parse_pdf(content, limits.max_pages)
    if kind == "docx":
        return parse_docx(content, limits.max_unpacked_bytes)
    text = decode_text(content)
    if text is None:
        raise UnreadableDocument("The file is not text")
    if kind == "html":
        return parse_html(text)
    if kind == "markdown":
        return Document("markdown", parse_markdown(text))
    return Document("text", _paragraphs(text))


MIME_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html",
    "markdown": "text/markdown",
    "text": "text/plain",
}
