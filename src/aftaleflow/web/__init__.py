"""The dashboard: server-rendered Danish pages under /ui/ for managers, clerks and parties.

`mount(app)` adds the routes (kept out of the OpenAPI schema), the local static files and the
redirects to the login page; every page calls the same services as the CLI and the API.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

from aftaleflow.web import agreements, auth, calendar, meetings, pages, structure, texts
from aftaleflow.web.render import HERE, error_page, login_redirect

router = APIRouter(include_in_schema=False)
for module in (pages, agreements, texts, meetings, calendar, structure):
    router.include_router(module.router)


@router.get("/")
def root() -> Response:
    return RedirectResponse("/ui/", status_code=307)


def mount(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/ui/static", StaticFiles(directory=HERE / "static"), name="ui-static")

    @app.exception_handler(auth.LoginRequired)
    async def login_required(request: Request, exc: auth.LoginRequired) -> Response:
        return login_redirect(request)

    @app.exception_handler(auth.CsrfFailed)
    async def csrf_failed(request: Request, exc: auth.CsrfFailed) -> Response:
        return error_page(request, 403, "Formularen kunne ikke bekræftes (CSRF). Genindlæs "
                                        "siden og prøv igen; din session kan være udløbet.")
