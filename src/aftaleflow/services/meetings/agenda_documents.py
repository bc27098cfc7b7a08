"""Agendas whose send deadline is near: render the open and the public dagsorden once."""

from __future__ import annotations

from datetime import date

from sqlmodel import col, select

from aftaleflow.config import local_time
from aftaleflow.domain.deadlines import load_policy
from aftaleflow.domain.meetings import AgendaItem, Meeting, StoredDocument
from aftaleflow.domain.model import Body
from aftaleflow.services.documents.case_documents import render_agenda
from aftaleflow.services.uow import ServiceContext, UnitOfWork

LEAD_BUSINESS_DAYS = 2


def meetings_due(ctx: ServiceContext, today: date) -> list[int]:
    """Meetings with items, no dagsorden yet, and a send deadline within two business days."""
    policy = load_policy()
    cal = policy.calendar
    horizon = cal.add_business_days(today, LEAD_BUSINESS_DAYS)
    with UnitOfWork(ctx, read_only=True) as uow:
        s = uow.session
        rendered = set(s.exec(select(StoredDocument.meeting_id).where(
            StoredDocument.kind == "dagsorden")))
        with_items = set(s.exec(select(AgendaItem.meeting_id)))
        due = []
        for meeting, body in s.exec(select(Meeting, Body).join(
                Body, col(Body.id) == col(Meeting.body_id)).order_by(col(Meeting.starts_at))):
            day = local_time(meeting.starts_at).date()
            if day < today or meeting.id in rendered or meeting.id not in with_items:
                continue
            if policy.agenda_deadline(day, body.kind).date <= horizon:
                assert meeting.id is not None
                due.append(meeting.id)
        return due


def prepare_due_agendas(ctx: ServiceContext, today: date | None = None) -> list[str]:
    day = today or ctx.now().date()
    paths = []
    for meeting_id in meetings_due(ctx, day):
        paths.append(render_agenda(ctx, meeting_id).path)
        paths.append(render_agenda(ctx, meeting_id, public=True).path)
    return paths
