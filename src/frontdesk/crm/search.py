"""Full-text search over contacts: name, e-mail, phone and company.

Text is normalised in Python the same way for both databases (accents folded, case folded,
punctuation split), so "José O'Brien" is found by "jose", "obrien" or "o'bri". Phone numbers are
indexed as digit runs (E.164, national, last seven), so "+1 415-555-0123", "4155550123" and
"555 0123" all find +14155550123. SQLite searches an FTS5 table kept in step by triggers;
PostgreSQL a GIN-indexed tsvector column. Every word of the query must match as a prefix.
"""

from __future__ import annotations

import re

import phonenumbers
from sqlalchemy import TextClause, text

from frontdesk.crm.models import Contact
from frontdesk.kit.text import fold

_PHONEY = re.compile(r"^[\d\s+().\-/]+$")
MAX_QUERY_WORDS = 8


def _phone_tokens(phone: str) -> list[str]:
    digits = re.sub(r"\D", "", phone)
    tokens = [digits]
    try:
        national = str(phonenumbers.parse(phone).national_number)
        tokens.append(national)
    except phonenumbers.NumberParseException:
        pass
    if len(digits) > 7:
        tokens.append(digits[-7:])
    return tokens


def search_text(contact: Contact) -> str:
    parts: list[str] = []
    for value in (contact.name, contact.first_name, contact.last_name, contact.company_name):
        if value:
            folded = fold(value)
            parts.append(folded)
            if " " in folded and any(mark in value for mark in "'’-"):
                parts.append(folded.replace(" ", ""))  # O'Brien → obrien, Jean-Luc → jeanluc
    if contact.email:
        local, _, domain = contact.email.partition("@")
        parts.extend([fold(contact.email), fold(local).replace(" ", ""), fold(domain)])
    if contact.phone_number:
        parts.extend(_phone_tokens(contact.phone_number))
    return " ".join(dict.fromkeys(" ".join(parts).split()))


def query_words(query: str) -> list[str]:
    """The words to match; a phone-like query becomes one digit run."""
    if _PHONEY.match(query) and sum(c.isdigit() for c in query) >= 3:
        return [re.sub(r"\D", "", query)]
    return fold(query).split()[:MAX_QUERY_WORDS]


def match_clause(dialect: str, words: list[str]) -> TextClause:
    """A WHERE clause restricting `contacts` to rows matching every word as a prefix."""
    if dialect == "postgresql":
        tsquery = " & ".join(f"{w}:*" for w in words)
        return text("contacts.search_vector @@ to_tsquery('simple', :fd_tsquery)").bindparams(
            fd_tsquery=tsquery
        )
    fts = " ".join(f'"{w}"*' for w in words)
    return text(
        "contacts.rowid IN (SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH :fd_fts)"
    ).bindparams(fd_fts=fts)
