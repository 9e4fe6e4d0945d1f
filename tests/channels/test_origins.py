from __future__ import annotations

import pytest

from frontdesk.channels.origins import InvalidOrigin, allows, normalize


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://Shop.Example", "https://shop.example"),
        ("https://shop.example/", "https://shop.example"),
        ("https://shop.example:443", "https://shop.example"),
        ("http://localhost:3000", "http://localhost:3000"),
        ("https://*.shop.example", "https://*.shop.example"),
        ("*", "*"),
    ],
)
def test_origins_are_normalized(given: str, expected: str) -> None:
    assert normalize(given) == expected


@pytest.mark.parametrize(
    "given",
    [
        "shop.example",
        "ftp://shop.example",
        "https://shop.example/page",
        "https://*",
        "https://a.*.b",
    ],
)
def test_what_is_not_an_origin(given: str) -> None:
    with pytest.raises(InvalidOrigin):
        normalize(given)


def test_matching() -> None:
    patterns = ["https://shop.example", "https://*.brand.example", "http://localhost:3000"]
    assert allows(patterns, "https://shop.example")
    assert allows(patterns, "https://eu.brand.example")
    assert allows(patterns, "http://localhost:3000")
    assert not allows(patterns, "http://shop.example")
    assert not allows(patterns, "https://brand.example")
    assert not allows(patterns, "https://evilbrand.example")
    assert not allows(patterns, "https://shop.example.evil.example")
    assert not allows(patterns, "http://localhost:3001")
    assert not allows(patterns, "null")
    assert allows(["*"], "https://anything.example")
    assert not allows(["*"], "null")
