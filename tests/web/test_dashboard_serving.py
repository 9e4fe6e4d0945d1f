"""The dashboard's files: every page path answers the app, assets are cached for good, API routes
keep their answers, and a missing build says how to build it."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from frontdesk.web import dashboard


@pytest.fixture
def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>Frontdesk</title><div id=app>")
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log('app')")
    monkeypatch.setattr(dashboard, "DIST", tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    "path", ["/", "/login", "/inbox", "/inbox/0b6f4d6e-1", "/agents/x/y", "/audit-log"]
)
async def test_every_page_path_answers_the_app(
    client: httpx.AsyncClient, built: Path, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.text.startswith("<!doctype html>")
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy


async def test_assets_are_cached_and_nothing_else_is_served(
    client: httpx.AsyncClient, built: Path
) -> None:
    asset = await client.get("/assets/index-abc123.js")
    assert asset.status_code == 200
    assert "immutable" in asset.headers["cache-control"]
    assert asset.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    for path in ("/assets/missing.js", "/assets/..%2Findex.html", "/assets/index.html"):
        refused = await client.get(path)
        assert refused.status_code == 404, path
        assert refused.json()["code"].endswith("NOT_FOUND")


async def test_api_routes_and_unknown_paths_are_not_the_app(
    client: httpx.AsyncClient, built: Path
) -> None:
    health = await client.get("/health")
    assert health.headers["content-type"].startswith("application/json")
    unknown = await client.get("/no-such-page")
    assert unknown.status_code == 404
    assert unknown.json()["code"]
    missing_api = await client.get("/v1/agents")
    assert missing_api.status_code == 401
    assert (
        (await client.get("/widget.js"))
        .headers["content-type"]
        .startswith("application/javascript")
    )


async def test_a_missing_build_says_how_to_build_it(
    client: httpx.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dashboard, "DIST", tmp_path / "nothing")
    response = await client.get("/inbox")
    assert response.status_code == 503
    assert "make dashboard" in response.text
