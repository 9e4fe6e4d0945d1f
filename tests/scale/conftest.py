"""The scaled shape (several `frontdesk api` and `frontdesk worker` processes) needs PostgreSQL:
SQLite is the embedded shape, one `frontdesk serve`. The suite never skips, so on SQLite these
modules are not collected (the SQLite run covers the embedded shape elsewhere, e.g.
tests/campaigns/test_campaign_e2e.py and tests/test_serve_process.py)."""

from __future__ import annotations

from tests.fixtures.databases import backend

collect_ignore_glob = [] if backend() == "postgresql" else ["test_*.py"]
