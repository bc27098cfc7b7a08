"""The only way WeasyPrint may read a resource: bundled assets, nothing else.

A document is built from user text. Should anything typed ever reach the HTML as markup, the
renderer must still not read local files (file:///etc/passwd), call internal services
(http://127.0.0.1:...) or decode data: URLs. So every URL WeasyPrint asks for is refused unless
it names a regular file, of an asset type, inside the templates directory.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from weasyprint import URLFetcher
from weasyprint.urls import URLFetcherResponse

LOGGER = logging.getLogger(__name__)

ASSET_TYPES: dict[str, str] = {
    ".css": "text/css",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
}


class AssetFetcher(URLFetcher):
    """Serves files under `root` with an asset suffix; refuses every other URL."""

    def __init__(self, root: Path, **kwargs: Any) -> None:
        super().__init__(allowed_protocols=("file",), allow_redirects=False, **kwargs)
        self.root = root.resolve(strict=True)
        self.refused: list[str] = []

    def asset_path(self, url: str) -> Path:
        """The bundled file that `url` names, or ValueError saying why it is refused."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "file":
            raise ValueError(f"URL refused (only bundled assets load): {url[:200]}")
        if parts.netloc not in ("", "localhost"):
            raise ValueError(f"URL refused (remote file host): {url[:200]}")
        path = Path(url2pathname(unquote(parts.path))).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError(f"URL refused (outside {self.root}): {url[:200]}")
        if path.suffix.lower() not in ASSET_TYPES or not path.is_file():
            raise ValueError(f"URL refused (not a bundled asset): {url[:200]}")
        return path

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        """Read a bundled asset; anything else raises ValueError, which WeasyPrint skips."""
        try:
            path = self.asset_path(url)
        except ValueError:
            self.refused.append(url)
            LOGGER.warning("Document rendering refused a resource: %s", url[:200])
            raise
        return URLFetcherResponse(path.as_uri(), path.read_bytes(),
                                  headers={"Content-Type": ASSET_TYPES[path.suffix.lower()]})
