"""Every route with no token, a wrong token and each role: 401/403/2xx as the role table says."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from aftaleflow.api.app import create_app
from aftaleflow.domain.access import PERMISSIONS, Role
from aftaleflow.masterdata import files
from tests.api.conftest import World, auth

# (method, path template, action in the role table, body or body factory, needs If-Match)
Body = dict[str, Any] | Callable[[World], dict[str, Any] | bytes] | None
NEW_AGREEMENT = {
    "title": "Børn og unge i mistrivsel", "kind": "regional_samarbejdsaftale",
    "origin": "ssu_bestilling", "region": "midtjylland",
    "kle_number": "29.30.08-P27-9-26", "case_handler": "Ane Holm"}


def blank_pdf() -> bytes:
    import io

    from pypdf import PdfWriter

    writer, out = PdfWriter(), io.BytesIO()
    writer.add_blank_page(width=595, height=842)
    writer.write(out)
    return out.getvalue()


ROUTES: list[tuple[str, str, str, Body]] = [
    ("GET", "/regions", "masterdata.read", None),
    ("GET", "/municipalities", "masterdata.read", None),
    ("GET", "/clusters", "masterdata.read", None),
    ("GET", "/bodies", "masterdata.read", None),
    ("POST", "/bodies", "masterdata.admin", {
        "key": "fou-657", "name": "Forebyggelsesudvalget", "short_name": "FOU",
        "kind": "fagudvalg", "valid_from": "2018-01-01", "municipality": "657"}),
    ("POST", "/bodies/sos-657/end", "masterdata.admin", {"valid_to": "2025-12-31"}),
    ("POST", "/masterdata/import", "masterdata.admin", lambda _: {
        "files": {name: (files.PACKAGE_DIR / name).read_text(encoding="utf-8")
                  for name in files.FILES}, "dry_run": True}),
    ("GET", "/structure/carry-over?on=2027-01-01", "document.read", None),
    ("POST", "/structure/carry-over", "masterdata.admin", {"on": "2026-01-01"}),
    ("GET", "/structure/origins", "masterdata.read", None),
    ("GET", "/agreements", "agreement.read", None),
    ("POST", "/agreements", "agreement.create", NEW_AGREEMENT),
    ("GET", "/agreements/{midt}", "agreement.read", None),
    ("GET", "/agreements/{midt}/history", "agreement.read", None),
    ("GET", "/agreements/{midt}/actions", "agreement.read", None),
    ("GET", "/agreements/{midt}/texts", "agreement.read", None),
    ("POST", "/agreements/{draft}/texts", "agreement.advance", {"body": "Ny aftaletekst"}),
    ("GET", "/agreements/{midt}/diff", "agreement.read", None),
    ("GET", "/agreements/{midt}/archive", "document.read", None),
    ("GET", "/agreements/{midt}/publication", "agreement.read", None),
    ("PUT", "/agreements/{midt}/publication", "agreement.advance", {"publication": "aldrig"}),
    ("POST", "/agreements/{syd}/aktindsigt", "agreement.advance",
     {"requester": "Jens Hansen", "received_on": "2026-03-01"}),
    ("POST", "/agreements/{midt}/transitions", "agreement.advance",
     {"trigger": "tilbagetraek", "comment": "Test"}),
    ("POST", "/agreements/{midt}/approvals/657", "approval.record", {"decision": "godkendt"}),
    ("POST", "/agreements/{midt}/parties/657/answer-link/revoke", "agreement.advance", None),
    ("POST", "/agreements/{midt}/parties/657/answer-link/resend", "agreement.advance", None),
    ("POST", "/agreements/{syd}/implementations/sundhedsklynge-lillebaelt",
     "implementation.record", {"status": "i_gang"}),
    ("GET", "/meetings", "meeting.read", None),
    ("POST", "/meetings", "meeting.write", {"body": "kb-661", "place": "Rådhuset",
                                            "starts_at": "2026-06-16T17:00:00+02:00"}),
    ("GET", "/meetings/{meeting}", "meeting.read", None),
    ("POST", "/meetings/{meeting}/items", "meeting.write", {"title": "Meddelelser"}),
    ("POST", "/agenda-items/{item}/attachments?name=aftaletekst", "meeting.write",
     lambda _world: blank_pdf()),
    ("POST", "/agenda-items/{item}/decision", "meeting.write",
     {"decision_text": "Taget til efterretning."}),
    ("GET", "/documents", "document.read", None),
    ("GET", "/documents/{document}", "document.read", None),
    ("POST", "/meetings/{meeting}/documents", "document.write", {"kind": "dagsorden"}),
    ("POST", "/agenda-items/{item}/document", "document.write", None),
    ("GET", "/agreements/{midt}/drafts", "document.read", None),
    ("POST", "/agreements/{midt}/letters", "document.write",
     {"kind": "anmodning_om_godkendelse", "party": "657"}),
    ("GET", "/search?q=mistrivsel", "agreement.read", None),
    ("GET", "/exports/matrix?format=xlsx", "agreement.read", None),
    ("GET", "/status", "status.read", None),
    ("GET", "/audit/verify", "audit.verify", None),
    ("GET", "/users", "user.admin", None),
    ("POST", "/users", "user.admin", {"name": "Ny bruger", "role": "leder"}),
    ("POST", "/users/5/revoke", "user.admin", None),
    ("POST", "/users/5/rotate", "user.admin", {"days": 30}),
    ("POST", "/users/5/feed-key", "user.admin", None),
    ("DELETE", "/users/5/feed-key", "user.admin", None),
    ("POST", "/me/feed-key", "feed.own", None),
]
CALLERS = ["no token", "wrong token", *[r.value for r in Role]]


def test_the_table_covers_every_route() -> None:
    paths = create_app().openapi()["paths"]
    documented = {(m.upper(), p) for p, ops in paths.items() for m in ops}
    tested = {(m, p.replace("{midt}", "{agreement_id}").replace("{syd}", "{agreement_id}")
               .replace("{draft}", "{agreement_id}")
               .replace("{meeting}", "{meeting_id}").replace("{item}", "{item_id}")
               .replace("{document}", "{document_id}").replace("?q=mistrivsel", "")
               .replace("?name=aftaletekst", "")
               .replace("/matrix?format=xlsx", "/{what}").replace("?on=2027-01-01", "")
               .replace("/657", "/{party}").replace("/users/5/", "/users/{user_id}/")
               .replace("/sos-657/", "/{key}/")
               .replace("/sundhedsklynge-lillebaelt", "/{cluster}"))
              for m, p, _, _ in ROUTES}
    assert documented == tested


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(("method", "path", "action", "body"), ROUTES,
                         ids=[f"{m} {p}" for m, p, _, _ in ROUTES])
def test_route_answers_as_the_role_table_says(request, world, caller, method, path, action,
                                              body) -> None:
    allowed = caller not in ("no token", "wrong token") and Role(caller) in PERMISSIONS[action]
    writes = method in ("POST", "PUT", "DELETE") and allowed  # these get a database of their own
    client = request.getfixturevalue("client" if writes else "shared_client")
    draft = _draft_agreement(client, world) if writes and "{draft}" in path else world.midt
    url = path.format(midt=world.midt, syd=world.syd, meeting=world.meeting, item=world.item,
                      document=world.document, draft=draft)
    headers = {}
    if caller == "wrong token":
        headers = auth("af_" + "x" * 43)
    elif caller != "no token":
        headers = auth(world.tokens[caller])
    if path.endswith("/transitions") or "{draft}" in path:
        headers["If-Match"] = client.get(f"/agreements/{draft}",
                                         headers=auth(world.tokens["admin"])).headers["ETag"]
    payload = body(world) if callable(body) else body
    if isinstance(payload, bytes):  # a file upload, sent as it is
        response = client.request(method, url, content=payload,
                                  headers={**headers, "Content-Type": "application/pdf"})
    else:
        response = client.request(method, url, json=payload, headers=headers)
    if caller in ("no token", "wrong token"):
        expected = 401
    elif Role(caller) in PERMISSIONS[action]:
        expected = 200
    else:
        expected = 403
    got = 200 if 200 <= response.status_code < 300 else response.status_code
    assert got == expected, response.text
    if expected != 200:
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["status"] == expected


def _draft_agreement(client, world) -> int:
    """A new agreement whose text may still change (in the writer's own database)."""
    created = client.post("/agreements", json=NEW_AGREEMENT, headers=auth(world.tokens["admin"]))
    assert created.status_code == 201, created.text
    return int(created.json()["id"])
