"""Each council's own draft agenda item about an agreement, made with its request letter.

Councils paste the region's generic text into their own agenda systems and adapt it; this
builds that text once per party and round, from the agreement and the round (who approves,
the party's deadline). Rendering and registering are in `services.documents.case_documents`.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from aftaleflow.documents import viewmodels as vm
from aftaleflow.domain.model import KIND_LABELS, Agreement, Approval, Body, Region
from aftaleflow.domain.wording import party_words
from aftaleflow.services.agreements.lifecycle import current_approvals

# The usual route of a council's case, with the names a council uses for each step.
COUNCIL_ROUTE = (("FAG", "Fagudvalget"), ("ØKU", "Økonomiudvalget"))
REGION_ROUTE = (("FU", "Forretningsudvalget"),)
DRAFT_NAME = "Udkast til dagsordenpunkt for {council}"
WORD_NOTE = "Udkast til dagsordenpunkt som redigerbar Word-fil (.docx), vedhæftet e-mailen"


def draft_view(session: Session, agreement: Agreement, approval: Approval, body: Body,
               sender: str, today: date) -> vm.DraftItemView:
    """The party's draft: its name, the agreement's resumé, the generic sagsfremstilling,
    the indstilling, the route to the deciding body, and the party's deadline."""
    parties = current_approvals(session, agreement)
    councils = sum(1 for a in parties if a.body_id != approval.body_id) + 1
    kind = KIND_LABELS.get(agreement.kind, agreement.kind).lower()
    deadline = approval.deadline
    region = session.get(Region, agreement.region_id)
    words = party_words(body.kind, region.name if region else "")
    asks = f"{sender} beder om {words.decision_of} beslutning{words.decided_in}"
    paragraphs = [
        f"{sender} har indstillet, at samarbejdsaftalen »{agreement.title}« godkendes af "
        f"alle aftalens parter. Runden omfatter {councils} parter, og aftalen kan først "
        "implementeres i sundhedsklyngerne, når alle har godkendt den.",
        f"Aftalen er en {kind}. Den er udarbejdet i samarbejde mellem kommunerne og "
        "regionen, og den samme tekst forelægges alle parter.",
        (f"{asks} senest {_long(deadline)}. Kan sagen ikke nå at blive behandlet inden "
         "fristen, oplyses mødedatoen for behandlingen.")
        if deadline else f"{asks}.",
        f"Spørgsmål kan rettes til sagsbehandleren, {agreement.case_handler} "
        f"(sagsnr. {agreement.kle_number}).",
    ]
    return vm.DraftItemView(
        council=body.name, sender=sender, date=today, agreement_title=agreement.title,
        case_number=agreement.kle_number, case_handler=agreement.case_handler,
        deadline=deadline,
        resume=agreement.description or f"{sender} har sendt samarbejdsaftalen "
                                        f"»{agreement.title}« til godkendelse hos parterne.",
        sagsfremstilling=paragraphs,
        recommendations=[f"at samarbejdsaftalen »{agreement.title}« godkendes."],
        route=_route(session, body), filled_by=words.filled_by)


def _route(session: Session, body: Body) -> list[vm.RouteStep]:
    steps = COUNCIL_ROUTE if body.kind == "kommunalbestyrelse" else REGION_ROUTE
    names = dict(steps)
    if body.municipality_id is not None:
        finance = session.exec(select(Body).where(
            Body.municipality_id == body.municipality_id,
            col(Body.kind) == "oekonomiudvalg")).first()
        if finance is not None:
            names["ØKU"] = finance.name
    code = "KB" if body.kind == "kommunalbestyrelse" else "RR"
    return [*(vm.RouteStep(c, names[c]) for c, _ in steps), vm.RouteStep(code, body.name)]


def _long(day: date) -> str:
    from aftaleflow.documents.environment import long_date

    return long_date(day)
