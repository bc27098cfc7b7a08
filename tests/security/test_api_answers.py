"""What every API answer may show: no server file path, and every moment as UTC with `Z`.

Every GET route of the API (enumerated, so a new route is covered) is asked with the manager's
token on the seeded data; documents are rendered first, and one document's file is removed so
its error answer is seen too.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi.routing import iter_route_contexts

from aftaleflow.config import PROJECT_ROOT, get_settings
from tests.api.conftest import auth

MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
UTC_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")
SERVER_PATH = re.compile(r"(^|[\s\"':])/(tmp|work|opt|home|var|srv|root|etc|usr)/")


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def _get_paths(app: Any, world: Any) -> list[str]:
    ids = {"agreement_id": world.midt, "meeting_id": world.meeting, "item_id": world.item,
           "document_id": world.document}
    paths = []
    for route in iter_route_contexts(app.router.routes):
        path = route.path or ""
        if "GET" not in (route.methods or ()) or path.startswith(("/ui", "/docs", "/redoc")):
            continue
        paths.append(re.sub(r"\{(\w+)\}", lambda m: str(ids.get(m.group(1), 1)), path))
    return paths


def test_no_api_answer_holds_a_server_path_and_every_moment_is_utc_with_z(client, world
                                                                          ) -> None:
    h = auth(world.tokens["leder"])
    for kind in ("dagsorden", "beslutningsprotokol"):
        assert client.post(f"/meetings/{world.meeting}/documents",
                           headers=auth(world.tokens["udvalgssekretaer"]),
                           json={"kind": kind}).status_code == 201
    paths = _get_paths(client.app, world)
    assert "/documents" in paths and "/users" in paths and len(paths) > 20
    roots = {str(PROJECT_ROOT), str(get_settings().state_dir)}
    moments = 0
    for path in paths:
        response = client.get(path, headers=h)
        if not response.headers.get("content-type", "").endswith("json"):
            continue
        body = response.text
        assert not any(root in body for root in roots), (path, body[:500])
        for text in _strings(response.json()):
            assert not SERVER_PATH.search(text), (path, text)
            if MOMENT.match(text):
                moments += 1
                assert UTC_Z.match(text), (path, text)
    assert moments > 10


def test_a_missing_document_file_is_reported_without_its_path(client, world) -> None:
    h = auth(world.tokens["leder"])
    listed = client.get("/documents", headers=h).json()
    assert listed and all("path" not in d for d in listed)
    stored = sorted((get_settings().state_dir / "documents").glob("*.pdf"))
    victim = next(d for d in listed if d["id"] == world.document)
    for file in stored:  # the rendered file of `victim` is one of these; move them all away
        file.rename(file.with_suffix(".flyttet"))
    try:
        missing = client.get(f"/documents/{victim['id']}", headers=h)
    finally:
        for file in stored:
            Path(file.with_suffix(".flyttet")).rename(file)
    assert missing.status_code == 404
    assert "mangler" in missing.json()["detail"]
    assert not SERVER_PATH.search(missing.text) and str(get_settings().state_dir) not in \
        missing.text
