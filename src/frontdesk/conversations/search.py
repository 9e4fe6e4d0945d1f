"""Full-text search over messages: which conversations have a message containing every word of
the query (as a prefix), accents and case folded. SQLite searches the `messages_fts` FTS5 table
kept by triggers, PostgreSQL a GIN-indexed tsvector; both over the same folded text."""

from __future__ import annotations

from sqlalchemy import ColumnElement, text

from frontdesk.conversations.models import Conversation
from frontdesk.kit.text import fold

MAX_WORDS = 8
MAX_INDEXED = 20_000  # characters of a message that are searchable


def index_text(content: str) -> str:
    return fold(content[:MAX_INDEXED])


def conversations_matching(dialect: str, query: str) -> ColumnElement[bool]:
    words = [w for w in fold(query).split() if w][:MAX_WORDS]
    if not words:
        return text("1 = 1")  # type: ignore[return-value]
    if dialect == "postgresql":
        clause = text(
            "SELECT m.conversation_id FROM messages m "
            "WHERE m.search_vector @@ to_tsquery('simple', :fd_message_query)"
        ).bindparams(fd_message_query=" & ".join(f"{w}:*" for w in words))
    else:
        clause = text(
            "SELECT m.conversation_id FROM messages_fts f JOIN messages m ON m.rowid = f.rowid "
            "WHERE messages_fts MATCH :fd_message_query"
        ).bindparams(fd_message_query=" ".join(f'"{w}"*' for w in words))
    return Conversation.id.in_(clause.columns(Conversation.id.label("conversation_id")))
