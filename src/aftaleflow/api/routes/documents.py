"""Documents: list, render and download PDFs (the sha256 is the ETag)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field

from aftaleflow.api.deps import Ctx
from aftaleflow.api.problems import responses
from aftaleflow.services.documents import case_documents as service
from aftaleflow.services.documents.case_documents import DocumentRecord

router = APIRouter(tags=["Dokumenter"], responses=responses(401, 403, 404, 422, 503))
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


class MeetingDocumentIn(BaseModel):
    kind: Literal["dagsorden", "dagsorden_offentlig", "beslutningsprotokol",
                  "beslutningsprotokol_offentlig"] = Field(examples=["dagsorden"])


class LetterIn(BaseModel):
    kind: Literal["anmodning_om_godkendelse", "rykker", "eskalering", "godkendelsesmeddelelse",
                  "meddelelse_om_afslag", "anmodning_om_implementering"] = Field(
        examples=["anmodning_om_godkendelse"])
    party: str | None = Field(default=None, max_length=200, examples=["657"])
    cluster: str | None = Field(default=None, max_length=200)
    message: str = Field(default="", max_length=20_000)


@router.get("/documents", response_model=list[DocumentRecord], summary="Dannede dokumenter")
def list_documents(ctx: Ctx, agreement_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)
                                                     ] = None,
                   meeting_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None
                   ) -> list[DocumentRecord]:
    return service.list_documents(ctx, agreement_id=agreement_id, meeting_id=meeting_id)


@router.get("/documents/{document_id}", summary="Hent PDF (eller et Word-udkast)",
            response_class=Response,
            responses={200: {"content": {"application/pdf": {}, service.WORD_MIME: {}},
                             "description": "PDF/A eller .docx; ETag er dokumentets sha256"}})
def download(ctx: Ctx, document_id: Id, request: Request) -> Response:
    record, data = service.read_document(ctx, document_id)
    etag = f'"{record.sha256}"'
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag})
    filename = f"{record.kind}-{record.id}{record.suffix}"
    return Response(data, media_type=record.media_type, headers={
        "ETag": etag, "Content-Disposition": f'attachment; filename="{filename}"'})


@router.post("/meetings/{meeting_id}/documents", status_code=201, response_model=DocumentRecord,
             summary="Dan dagsorden eller beslutningsprotokol")
def render_meeting_document(ctx: Ctx, meeting_id: Id, body: MeetingDocumentIn
                            ) -> DocumentRecord:
    return service.render_agenda(ctx, meeting_id, public=body.kind.endswith("_offentlig"),
                                 protocol=body.kind.startswith("beslutningsprotokol"))


@router.post("/agenda-items/{item_id}/document", status_code=201,
             response_model=DocumentRecord, summary="Dan ét dagsordenpunkt")
def render_item(ctx: Ctx, item_id: Id) -> DocumentRecord:
    return service.render_agenda_item(ctx, item_id)


@router.post("/agreements/{agreement_id}/letters", status_code=201,
             response_model=DocumentRecord, summary="Dan et brev om aftalen")
def render_letter(ctx: Ctx, agreement_id: Id, body: LetterIn) -> DocumentRecord:
    return service.render_letter(ctx, body.kind, agreement_id, party=body.party,
                                 cluster=body.cluster, message=body.message)


@router.get("/agreements/{agreement_id}/drafts", response_model=list[service.PartyDrafts],
            summary="Hver parts udkast til dagsordenpunkt (PDF og Word)")
def drafts(ctx: Ctx, agreement_id: Id) -> list[service.PartyDrafts]:
    """Dannes med hver anmodning om godkendelse; hent filerne med GET /documents/{id}."""
    return service.party_drafts(ctx, agreement_id)
