"""Signed checkpoints catch what the hash chain alone cannot: a chain rewritten consistently."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, text
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from aftaleflow import audit
from aftaleflow.cli.app import app
from aftaleflow.domain.model import Approval, AuditEvent
from aftaleflow.domain.outbox import OutboxMessage
from aftaleflow.services.agreements.approvals import Decision, record_decision
from aftaleflow.services.safekeeping import keys
from aftaleflow.services.safekeeping.checkpoints import Checkpoint
from aftaleflow.services.uow import ServiceContext
from tests.factories import agreement_in_state

runner = CliRunner()


def run(db_url: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"AFTALEFLOW_DATABASE_URL": db_url})
    return result.exit_code, result.output


def decide(ctx: ServiceContext, agreement_id: int, parties: list[str]) -> None:
    for party in parties:
        record_decision(ctx, agreement_id, Decision(party=party, decision="godkendt"))


def rewrite_chain_consistently(engine: Engine, event_id: int) -> None:
    """What an insider with write access can do: change one decision (the approval row and its
    audit event) and recompute the hash of that event and of every later one."""
    with Session(engine) as session:
        event = session.get(AuditEvent, event_id)
        assert event is not None and event.entity == "approval"
        session.exec(text("UPDATE approval SET state = 'afvist' WHERE id = :id")
                     .bindparams(id=event.entity_id))  # type: ignore[call-overload]
        event.to_state = "afvist"
        event.comment = "Afvist i byrådet"
        events = session.exec(select(AuditEvent).where(col(AuditEvent.id) >= event_id)
                              .order_by(col(AuditEvent.id))).all()
        before = session.exec(select(AuditEvent).where(col(AuditEvent.id) < event_id)
                              .order_by(col(AuditEvent.id).desc())).first()
        prev = before.hash if before else audit.GENESIS
        for ev in events:
            ev.prev_hash = prev
            ev.hash = audit.event_hash(ev, prev)
            prev = ev.hash
            session.add(ev)
            session.flush()
        session.commit()


def test_a_consistently_rewritten_chain_passes_audit_verify_but_not_the_checkpoints(
        ctx: ServiceContext, engine: Engine, db_url: str, state: Path) -> None:
    assert run(db_url, "init")[0] == 0  # makes the key pair
    case = agreement_in_state(ctx, "i_godkendelse")
    parties = [a.body_key for a in case.approvals]
    decide(ctx, case.id, parties[:2])
    code, out = run(db_url, "audit", "checkpoint")
    assert code == 0, out
    first = next((state / "checkpoints").glob("*.json")).name
    with Session(engine) as session:
        target = session.exec(select(AuditEvent).where(
            AuditEvent.entity == "approval", AuditEvent.to_state == "godkendt")
            .order_by(col(AuditEvent.id))).first()
        assert target is not None and target.id is not None
    decide(ctx, case.id, parties[2:4])
    ctx.clock.tick()  # type: ignore[attr-defined]
    assert run(db_url, "audit", "checkpoint")[0] == 0
    assert len(list((state / "checkpoints").glob("*.json"))) == 2
    assert run(db_url, "audit", "verify", "--checkpoints", str(state / "checkpoints"))[0] == 0

    rewrite_chain_consistently(engine, target.id)

    with Session(engine) as session:
        assert session.get(Approval, session.get(AuditEvent, target.id).entity_id
                           ).state == "afvist"  # type: ignore[union-attr]
    code, out = run(db_url, "audit", "verify")
    assert code == 0 and "Revisionssporet er intakt" in out  # the chain alone cannot tell
    code, out = run(db_url, "audit", "verify", "--checkpoints", str(state / "checkpoints"))
    assert code == 8
    assert f"stemmer ikke længere med kontrolpunktet {first}" in out
    assert "ved hændelse #" in out and "kæden er skrevet om" in out


def test_a_chain_cut_short_no_longer_reaches_its_checkpoint(
        ctx: ServiceContext, engine: Engine, db_url: str, state: Path) -> None:
    run(db_url, "init")
    agreement_in_state(ctx, "i_godkendelse")
    assert run(db_url, "audit", "checkpoint")[0] == 0
    with Session(engine) as session:  # delete the newest events: every link still holds
        last = audit.head(session.connection())
        session.exec(text("DELETE FROM audit_event WHERE id > :id")  # type: ignore[call-overload]
                     .bindparams(id=(last.event_id or 0) - 3))
        session.commit()
    assert run(db_url, "audit", "verify")[0] == 0
    code, out = run(db_url, "audit", "verify", "--checkpoints", str(state / "checkpoints"))
    assert code == 8 and "kæden har kun" in out


def test_a_forged_checkpoint_is_named_as_forged(
        ctx: ServiceContext, db_url: str, state: Path, tmp_path: Path) -> None:
    run(db_url, "init")
    agreement_in_state(ctx, "i_godkendelse")
    run(db_url, "audit", "checkpoint")
    folder = state / "checkpoints"
    [real] = folder.glob("*.json")
    # someone edits a checkpoint to fit a rewritten chain, without the private key
    edited = json.loads(real.read_text())
    edited["hash"] = "f" * 64
    (folder / "checkpoint-edited.json").write_text(json.dumps(edited))
    # someone signs a checkpoint with a key of their own
    other = Ed25519PrivateKey.generate()
    fake = Checkpoint(**{**edited, "key_id": keys.key_id(other.public_key()), "signature": ""})
    signature = base64.b64encode(other.sign(fake.signed_bytes())).decode()
    (folder / "checkpoint-own-key.json").write_text(
        Checkpoint(**{**fake.__dict__, "signature": signature}).to_json())
    (folder / "checkpoint-garbage.json").write_text("{ikke json")

    code, out = run(db_url, "audit", "verify", "--checkpoints", str(folder))
    assert code == 9, out
    assert "Kontrolpunktet checkpoint-edited.json er forfalsket: signaturen passer ikke" in out
    assert "Kontrolpunktet checkpoint-own-key.json er forfalsket: signeret med en ukendt " \
           "nøgle" in out
    assert "Kontrolpunktet checkpoint-garbage.json er forfalsket" in out
    assert "3 kontrolpunkt(er)" in out and "stemmer med de 1 ægte" in out
    assert "Traceback" not in out
    # --keys: checked against a key file kept elsewhere; a key not in it is not trusted
    mine = tmp_path / "mine.json"
    mine.write_text("[]")
    code, out = run(db_url, "audit", "verify", "--checkpoints", str(folder), "--keys", str(mine))
    assert code == 9 and f"Kontrolpunktet {real.name} er forfalsket: signeret med en ukendt" in out


def test_key_rotation_keeps_old_checkpoints_verifiable(
        ctx: ServiceContext, db_url: str, state: Path) -> None:
    code, out = run(db_url, "init")
    assert "Nøglepar til signerede kontrolpunkter lavet" in out
    old = keys.current_public_key()
    old_private = keys.signing_key()
    code, out = run(db_url, "audit", "key")
    assert code == 0 and old.public_key in out and old.key_id in out
    agreement_in_state(ctx, "i_godkendelse")
    run(db_url, "audit", "checkpoint")
    code, out = run(db_url, "audit", "key", "--rotate")
    assert code == 0 and "Nyt nøglepar" in out
    new = keys.current_public_key()
    assert new.key_id != old.key_id and new.public_key in out
    with Session(ctx.engine) as session:  # the rotation is in the audit trail
        [event] = session.exec(select(AuditEvent).where(AuditEvent.entity == "audit_key")).all()
    assert (event.from_state, event.to_state) == (old.key_id, new.key_id)
    ctx.clock.tick()  # type: ignore[attr-defined]
    agreement_in_state(ctx, "til_behandling_i_ssu")
    run(db_url, "audit", "checkpoint")
    signed_with = {json.loads(p.read_text())["key_id"]
                   for p in (state / "checkpoints").glob("*.json")}
    assert signed_with == {old.key_id, new.key_id}
    code, out = run(db_url, "audit", "verify", "--checkpoints", str(state / "checkpoints"))
    assert code == 0 and "stemmer med alle 2 signerede kontrolpunkter" in out
    code, out = run(db_url, "audit", "key", "--all")
    assert old.public_key in out and "udskiftet" in out and new.public_key in out
    # the retired private key, should it leak, signs nothing after its retirement day
    late = Checkpoint(1, "a" * 64, 1, "2099-01-01T00:00:00+01:00", old.key_id)
    late = Checkpoint(**{**late.__dict__, "signature": base64.b64encode(
        old_private.sign(late.signed_bytes())).decode()})
    (state / "checkpoints" / "checkpoint-late.json").write_text(late.to_json())
    code, out = run(db_url, "audit", "verify", "--checkpoints", str(state / "checkpoints"))
    assert code == 9 and "checkpoint-late.json er forfalsket" in out and "udskiftet" in out


def test_the_private_key_is_readable_by_its_owner_only_and_init_keeps_it(
        db_url: str, state: Path) -> None:
    run(db_url, "init")
    key_file = state / "keys" / "audit-signing-key.pem"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    before = key_file.read_bytes()
    code, out = run(db_url, "init")
    assert code == 0 and key_file.read_bytes() == before
    assert "Nøglepar" not in out


def test_a_checkpoint_is_mailed_to_the_manager_through_the_outbox(
        ctx: ServiceContext, engine: Engine, db_url: str, state: Path) -> None:
    run(db_url, "init")
    code, out = run(db_url, "audit", "checkpoint")
    assert code == 0 and "Mail til lederen: 1 sendt" in out
    checkpoint = json.loads(next((state / "checkpoints").glob("*.json")).read_text())
    with Session(engine) as session:
        [mail] = session.exec(select(OutboxMessage).where(
            OutboxMessage.kind == "audit_checkpoint")).all()
    assert mail.recipients == ["leder@aftaleflow.test"]
    assert checkpoint["hash"] in mail.body and checkpoint["signature"] in mail.body


def test_verify_with_checkpoints_needs_an_existing_folder(db_url: str, state: Path,
                                                          tmp_path: Path) -> None:
    code, out = run(db_url, "audit", "verify", "--checkpoints", str(tmp_path / "mangler"))
    assert code == 2 and "findes ikke" in out


@pytest.fixture(autouse=True)
def _fresh_settings_per_test(state: Path) -> None:
    """Every test has its own key pair and checkpoint folder."""
