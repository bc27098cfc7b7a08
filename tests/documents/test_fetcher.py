"""The renderer reads bundled assets and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from aftaleflow.config import TEMPLATES_DIR
from aftaleflow.documents.fetcher import AssetFetcher
from tests.documents.conftest import RecordingServer


def test_bundled_stylesheet_and_fonts_are_served() -> None:
    fetcher = AssetFetcher(TEMPLATES_DIR)
    css = fetcher.fetch((TEMPLATES_DIR / "style.css").resolve().as_uri())
    font = fetcher.fetch((TEMPLATES_DIR / "fonts" / "DejaVuSans.ttf").resolve().as_uri())
    assert b"@font-face" in css.read()
    assert font.read()[:4] == b"\x00\x01\x00\x00"
    assert font.content_type == "font/ttf"


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    (TEMPLATES_DIR / ".." / ".." / "pyproject.toml").as_uri(),
    (TEMPLATES_DIR / "base.html.j2").resolve().as_uri(),
    (TEMPLATES_DIR / "fonts" / "fonts.conf").resolve().as_uri(),
    "file://otherhost/" + str(TEMPLATES_DIR / "style.css").lstrip("/"),
    "data:text/css;base64,Ym9keXtjb2xvcjpyZWR9",
    "https://example.org/style.css",
    "ftp://127.0.0.1/style.css",
])
def test_everything_but_a_bundled_asset_is_refused(url: str) -> None:
    fetcher = AssetFetcher(TEMPLATES_DIR)
    with pytest.raises(ValueError, match="refused"):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_http_to_localhost_is_refused_without_a_request(http_server: RecordingServer) -> None:
    with pytest.raises(ValueError):
        AssetFetcher(TEMPLATES_DIR).fetch(http_server.url("/style.css"))
    assert http_server.requests == []


def test_a_symlink_out_of_the_assets_is_refused(tmp_path: Path) -> None:
    assets = tmp_path / "letters"
    assets.mkdir()
    outside = tmp_path / "secret.css"
    outside.write_text("body { color: red }")
    (assets / "evil.css").symlink_to(outside)
    with pytest.raises(ValueError):
        AssetFetcher(assets).fetch((assets / "evil.css").as_uri())
