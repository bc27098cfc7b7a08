"""Text versions over HTTP and the CLI: the diff command and the API say the same."""

from __future__ import annotations

import json

from tests.api.conftest import auth
from tests.cli.test_cli import env_for, run
from tests.conftest import dump
from tests.services.test_text_versions import renegotiated


def test_diff_command_and_api_agree(client, world, ctx, clock, db_url) -> None:
    view = renegotiated(ctx, clock)
    api = client.get(f"/agreements/{view.id}/diff?from=1&to=2",
                     headers=auth(world.tokens["leder"]))
    assert api.status_code == 200, api.text
    cli = run(["agreement", "diff", str(view.id), "--from", "1", "--to", "2", "--json"],
              env_for(db_url))
    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout) == api.json()
    fields = {f["field"]: f for f in api.json()["fields"]}
    assert {"kind": "slettet", "text": "tre"} in fields["body"]["segments"]
    assert {"kind": "indsat", "text": "to"} in fields["body"]["segments"]
    text = run(["agreement", "diff", str(view.id), "--from", "1", "--to", "2"], env_for(db_url))
    assert "Aftaletekst:" in text.stdout and "[-tre-]{+to+} hverdage" in text.stdout
    assert "Bilag 1: Flow\n{+Bilag 2: Tjekliste+}" in text.stdout
    assert "version 1 (runde 1) til version 2 (runde 2)" in text.stdout


def test_texts_list_round_and_date(client, world, ctx, clock) -> None:
    view = renegotiated(ctx, clock)
    texts = client.get(f"/agreements/{view.id}/texts", headers=auth(world.tokens["part"]))
    assert texts.status_code == 404  # a Herning part does not see a Lillebælt agreement
    texts = client.get(f"/agreements/{view.id}/texts", headers=auth(world.tokens["leder"]))
    assert [(t["version_no"], t["round_no"], t["sent_on"]) for t in texts.json()] == [
        (1, 1, "2026-03-02"), (2, 2, "2026-03-16")]


def test_text_cannot_be_revised_while_the_councils_decide(client, world, engine) -> None:
    h = auth(world.tokens["sagsbehandler"])
    etag = client.get(f"/agreements/{world.midt}", headers=h).headers["ETag"]
    before = dump(engine)
    refused = client.post(f"/agreements/{world.midt}/texts", json={"body": "Ny tekst"},
                          headers={**h, "If-Match": etag})
    assert refused.status_code == 409
    assert "kan ikke ændres" in refused.json()["detail"]
    assert refused.json()["current_state"] == "i_godkendelse"
    assert dump(engine) == before


def test_unknown_version_is_a_danish_404(client, world) -> None:
    missing = client.get(f"/agreements/{world.midt}/diff?from=1&to=9",
                         headers=auth(world.tokens["leder"]))
    assert missing.status_code == 404
    assert "ingen tekstversion 9" in missing.json()["detail"]
