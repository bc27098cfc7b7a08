"""No redirect takes its host from the request or carries a query string (secrets travel there).

Every route of the app (enumerated, so a new router is covered without editing this file) is
asked for its other trailing-slash variant with a hostile Host header and secrets in the query.
"""

from __future__ import annotations

import re

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute, Mount

from aftaleflow.api.app import create_app

HOSTILE = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
SECRETS = "access_token=af_hemmeligt123&noegle=afk_hemmeligt456&token=af_x&side=2"


def _paths(routes: list[BaseRoute]) -> list[tuple[str, str]]:
    """(method, concrete path) for every route of every included router (FastAPI includes
    them lazily: `iter_route_contexts` walks the tree), path parameters filled in."""
    found = []
    for route in iter_route_contexts(routes):
        path = re.sub(r"\{[^}]+\}", "1", route.path or "")
        if isinstance(route.original_route, Mount):
            found.append(("GET", path + "/x.css"))
            continue
        for method in sorted(getattr(route, "methods", None) or {"GET"}):
            if method != "HEAD":
                found.append((method, path))
    return found


def _toggled(path: str) -> str:
    return path.rstrip("/") if path.endswith("/") and path != "/" else path + "/"


def _assert_safe(response, where: str) -> None:
    location = response.headers.get("location")
    if location is None:
        return
    assert location.startswith("/") and not location.startswith("//"), (where, location)
    assert "af_x" not in location, (where, location)
    assert "evil" not in location, (where, location)
    assert "hemmeligt" not in location, (where, location)


def test_every_routes_slash_variant_redirects_to_a_relative_path_without_the_query(
        shared_client: TestClient) -> None:
    routes = _paths(shared_client.app.router.routes)  # type: ignore[attr-defined]
    assert len(routes) > 80  # every router is in the list (API, dashboard, static files)
    assert {path.split("/")[1] for _, path in routes} >= {
        "agreements", "users", "meetings", "documents", "ui", "regions", "structure"}
    for method, path in routes:
        for variant in {path, _toggled(path)}:
            response = shared_client.request(method, f"{variant}?{SECRETS}", headers=HOSTILE,
                                             follow_redirects=False)
            _assert_safe(response, f"{method} {variant}")


@pytest.mark.parametrize(("asked", "location"), [
    ("/ui", "/ui/"),
    ("/agreements/", "/agreements"),
    ("/ui/kalender.ics/", "/ui/kalender.ics"),
    ("/users/", "/users"),
])
def test_the_slash_redirect_names_the_local_path_and_drops_the_query(
        shared_client: TestClient, asked: str, location: str) -> None:
    response = shared_client.get(f"{asked}?{SECRETS}", headers=HOSTILE, follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == location


def test_the_slash_redirect_keeps_the_base_urls_path(engine, monkeypatch) -> None:
    monkeypatch.setenv("AFTALEFLOW_BASE_URL", "https://aftaler.example.dk/aftaleflow/")
    client = TestClient(create_app(engine))
    response = client.get("/ui?noegle=afk_x", headers=HOSTILE, follow_redirects=False)
    assert response.headers["location"] == "/aftaleflow/ui/"


def test_a_path_no_variant_of_which_exists_is_a_plain_404(shared_client: TestClient) -> None:
    for path in ("/findes-ikke/", "/agreements/1/findes-ikke"):
        response = shared_client.get(path, headers=HOSTILE, follow_redirects=False)
        assert response.status_code == 404, path
        assert "location" not in response.headers
