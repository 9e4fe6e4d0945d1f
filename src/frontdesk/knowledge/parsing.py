"""Documents to text blocks: PDF (pypdf), DOCX (its XML streamed with lxml), HTML (trafilatura,
main text only), Markdown and plain text. What a file is comes from its bytes, not its name: a
renamed binary is refused, a PDF that cannot be read says why. A PDF's pages, a DOCX's unzipped
size and the size of its text part are capped before the document is read, so a small file
cannot take the worker's memory or minutes.
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
MiB = 1024 * 1024
MAX_UNPACKED_BYTES = 100 * MiB
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

    @property
    def max_document_xml_bytes(self) -> int:
        """A Word file's text part (word/document.xml) is read up to a fifth of the unpacked
        cap, 20 MiB by default: a few seconds of reading at worst, and more than the XML of a
        thousand-page book."""
        return self.max_unpacked_bytes // 5


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


def _check_sizes(archive: zipfile.ZipFile, limits: Limits) -> None:
    """Refuse a Word file that unpacks to more than the limit, or whose text part
    (word/document.xml) is larger than a fifth of it. The sizes come from the archive's directory;
    zipfile never inflates an entry past its declared size, so they can be trusted."""
    unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > limits.max_unpacked_bytes:
        raise UnreadableDocument(
            f"The Word document unpacks to {unpacked // MiB} MiB; at most "
            f"{limits.max_unpacked_bytes // MiB} MiB are read"
        )
    text_part = archive.getinfo(_DOCUMENT_PART).file_size
    if text_part > limits.max_document_xml_bytes:
        raise UnreadableDocument(
            f"The Word document's text is {text_part / MiB:.1f} MiB of XML; at most "
            f"{limits.max_document_xml_bytes / MiB:.1f} MiB are read (split the document)"
        )


# WordprocessingML, read with lxml as a stream: python-docx builds the whole tree and looks a
# paragraph's style up by scanning every style, some milliseconds a paragraph (minutes for a
# large file); here each paragraph and table is read once, then dropped.
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DOCUMENT_PART = "word/document.xml"
_BODY, _P, _R, _T, _TBL, _TR, _TC = (_W + n for n in ("body", "p", "r", "t", "tbl", "tr", "tc"))
_P_PR, _P_STYLE, _VAL, _STYLE_ID = _W + "pPr", _W + "pStyle", _W + "val", _W + "styleId"
_SPACES = {_W + n for n in ("tab", "ptab", "br", "cr")}
_HYPHEN = _W + "noBreakHyphen"
# Where runs sit inside a paragraph besides directly: links, tracked insertions, fields, tags.
_RUN_HOLDERS = {_W + n for n in ("hyperlink", "ins", "fldSimple", "smartTag", "customXml")}
_XML_OPTIONS: dict[str, Any] = {"resolve_entities": False, "no_network": True}
_MAX_SMALL_PART = 4 * MiB  # styles and properties larger than this are not read


def _run_text(run: Any, parts: list[str]) -> None:
    for child in run:
        if child.tag == _T:
            parts.append(child.text or "")
        elif child.tag in _SPACES:
            parts.append(" ")
        elif child.tag == _HYPHEN:
            parts.append("-")


def _paragraph_text(paragraph: Any) -> str:
    parts: list[str] = []
    for child in paragraph:
        if child.tag == _R:
            _run_text(child, parts)
        elif child.tag in _RUN_HOLDERS:
            for run in child.iter(_R):
                _run_text(run, parts)
    return " ".join("".join(parts).split())


def _small_part(archive: zipfile.ZipFile, name: str) -> Any:
    """The parsed XML of a small part, or None when it is missing, too large or damaged."""
    from lxml import etree

    try:
        if archive.getinfo(name).file_size > _MAX_SMALL_PART:
            return None
        return etree.fromstring(archive.read(name), etree.XMLParser(**_XML_OPTIONS))
    except (KeyError, etree.XMLSyntaxError):
        return None


def _heading_levels(archive: zipfile.ZipFile) -> dict[str, int]:
    """Paragraph style id -> heading level, for the styles named Title and Heading N."""
    styles = _small_part(archive, "word/styles.xml")
    levels: dict[str, int] = {}
    for style in styles.iter(_W + "style") if styles is not None else ():
        name_element = style.find(_W + "name")
        name = (name_element.get(_VAL) if name_element is not None else "") or ""
        name = name.strip().lower()
        if name == "title":
            levels[style.get(_STYLE_ID, "")] = 1
        elif name.startswith("heading"):
            digits = name.removeprefix("heading").strip()
            levels[style.get(_STYLE_ID, "")] = int(digits) if digits.isdigit() else 1
    return levels


def _docx_title(archive: zipfile.ZipFile) -> str | None:
    core = _small_part(archive, "docProps/core.xml")
    title = core.find("{http://purl.org/dc/elements/1.1/}title") if core is not None else None
    text = " ".join((title.text or "").split()) if title is not None else ""
    return text or None


def _style_of(paragraph: Any) -> str:
    """The paragraph's style id (the schema puts w:pPr first in w:p, and w:pStyle first in it)."""
    if len(paragraph) and paragraph[0].tag == _P_PR:
        properties = paragraph[0]
        if len(properties) and properties[0].tag == _P_STYLE:
            return str(properties[0].get(_VAL) or "")
    return ""


def _row_lines(table: Any) -> list[str]:
    lines = []
    for row in table.iterchildren(_TR):
        cells = []
        for cell in row.iterchildren(_TC):
            text = " ".join(_paragraph_text(p) for p in cell.iterchildren(_P))
            cells.append(" ".join(text.split()))
        line = " | ".join(dict.fromkeys(c for c in cells if c))
        if line:
            lines.append(line)
    return lines


def _docx_blocks(archive: zipfile.ZipFile) -> list[Block]:
    from lxml import etree

    levels = _heading_levels(archive)
    blocks: list[Block] = []
    path: list[tuple[int, str]] = []
    heading: str | None = None
    with archive.open(_DOCUMENT_PART) as stream:
        for _, element in etree.iterparse(stream, events=("end",), tag=(_P, _TBL), **_XML_OPTIONS):
            body = element.getparent()
            if body is None or body.tag != _BODY:
                continue  # a table's paragraph, or a text box's: read with what holds it
            if element.tag == _TBL:
                blocks.extend(Block(line, heading) for line in _row_lines(element))
            elif text := _paragraph_text(element):
                level = levels.get(_style_of(element), 0) if levels else 0
                if level:
                    path = [(lvl, h) for lvl, h in path if lvl < level] + [(level, text)]
                    heading = " > ".join(h for _, h in path)
                    blocks.append(Block(text, heading, is_heading=True))
                else:
                    blocks.append(Block(text, heading))
            # What has been read is dropped, so memory stays flat however long the body.
            element.clear()
            while element.getprevious() is not None:
                del body[0]
    return blocks


def parse_docx(content: bytes, limits: Limits | None = None) -> Document:
    """Headings (by the Title and Heading N styles), paragraphs and table rows, in order."""
    from lxml import etree

    limits = limits or Limits()
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            _check_sizes(archive, limits)
            blocks = _docx_blocks(archive)
            title = _docx_title(archive)
    except UnreadableDocument:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError, etree.LxmlError) as exc:
        raise UnreadableDocument(
            f"The Word document is damaged and could not be read ({type(exc).__name__})"
        ) from None
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
        return parse_docx(content, limits)
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
