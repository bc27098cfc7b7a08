"""The dashboard's sign-in with the organisation's OpenID Connect provider (authlib).

/ui/login/oidc starts the Authorization Code flow with PKCE (S256), state and nonce; the flow's
data waits server-side (services.access.oidc) under a random key in a short-lived cookie.
/ui/login/oidc/svar takes the provider's answer: authlib exchanges the code and checks the ID
token (signature from the provider's keys, issuer, audience, expiry, nonce); a refused token is
logged by the reason alone, never the token. The redirect URI comes from AFTALEFLOW_BASE_URL.
"""

from __future__ import annotations

import hmac
import logging
from typing import Annotated, Any

from authlib.integrations.base_client import OAuthError
from authlib.integrations.starlette_client import OAuth
from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse
from joserfc.errors import JoseError
from starlette.responses import Response

from aftaleflow.config import Settings, get_settings
from aftaleflow.services.access import oidc
from aftaleflow.services.uow import ServiceContext
from aftaleflow.web import auth
from aftaleflow.web.render import error_page, page, without_secrets

router = APIRouter(prefix="/ui", include_in_schema=False)
log = logging.getLogger("aftaleflow.oidc")
FLOW_COOKIE = "af_oidc"
CALLBACK = "/ui/login/oidc/svar"


def provider(request: Request) -> Any:
    """The authlib client for the configured provider, made once per app and settings."""
    settings = get_settings()
    wanted = (settings.oidc_issuer, settings.oidc_client_id, settings.oidc_client_secret,
              settings.oidc_scopes)
    cached = getattr(request.app.state, "oidc_client", None)
    if cached is not None and cached[0] == wanted:
        return cached[1]
    oauth = OAuth()
    client = oauth.register(
        "provider", client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret or None,
        server_metadata_url=f"{settings.oidc_issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": settings.oidc_scopes, "code_challenge_method": "S256",
                       "timeout": 15})
    request.app.state.oidc_client = (wanted, client)
    return client


def _ctx(request: Request) -> ServiceContext:
    return ServiceContext(engine=request.app.state.engine, actor="dashboard",
                          clock=request.app.state.clock)


def _configured(settings: Settings) -> bool:
    return settings.oidc_enabled


@router.get("/login/oidc")
async def start(request: Request,
                naeste: Annotated[str | None, Query(max_length=500)] = None) -> Response:
    settings = get_settings()
    if not _configured(settings):
        return error_page(request, 404, "Log ind via organisationen er ikke sat op her; brug "
                                        "dit API-token.")
    client = provider(request)
    redirect_uri = settings.base_url + CALLBACK
    try:
        flow = await client.create_authorization_url(redirect_uri)
    except Exception as exc:  # the provider is unreachable or its discovery is broken
        log.warning("OpenID Connect: udbyderen svarer ikke (%s)", type(exc).__name__)
        return error_page(request, 503, "Log ind via organisationen virker ikke lige nu: "
                                        "udbyderen svarer ikke. Prøv igen om lidt.")
    key = oidc.start_flow(_ctx(request), {
        "state": flow["state"], "nonce": flow.get("nonce"),
        "code_verifier": flow.get("code_verifier"), "redirect_uri": redirect_uri,
        "next": _local_next(naeste)})
    response = RedirectResponse(flow["url"], status_code=303)
    # Lax, not Strict: the provider's answer is a top-level navigation from another site.
    response.set_cookie(FLOW_COOKIE, key, max_age=oidc.FLOW_MINUTES * 60, httponly=True,
                        samesite="lax", secure=request.url.scheme == "https", path="/ui/login")
    return response


@router.get("/login/oidc/svar")
async def callback(request: Request) -> Response:
    settings = get_settings()
    if not _configured(settings):
        return error_page(request, 404, "Log ind via organisationen er ikke sat op her.")
    key = request.cookies.get(FLOW_COOKIE, "")
    data = oidc.take_flow(_ctx(request), key) if key else None
    state = request.query_params.get("state", "")
    if data is None or not hmac.compare_digest(state.encode(), str(data["state"]).encode()):
        log.warning("OpenID Connect: svar uden gyldig state afvist")
        return _refused(request, "Log-ind kunne ikke bekræftes (ukendt eller udløbet "
                                 "forløb). Start forfra.")
    if request.query_params.get("error"):
        log.warning("OpenID Connect: udbyderen afviste log-ind (%s)",
                    request.query_params.get("error", "")[:60])
        return _refused(request, "Din organisation afviste log-ind.")
    client = provider(request)
    try:
        token = await client.fetch_access_token(
            code=request.query_params.get("code", ""), redirect_uri=data["redirect_uri"],
            code_verifier=data["code_verifier"])
        if "id_token" not in token:
            raise OAuthError(error="missing_id_token", description="intet ID-token")
        metadata = await client.load_server_metadata()
        # authlib checks the audience only when told to: our client id must be in `aud`
        claims = await client.parse_id_token(token, nonce=data["nonce"], claims_options={
            "iss": {"essential": True, "values": [metadata["issuer"]]},
            "aud": {"essential": True, "values": [settings.oidc_client_id]}})
    except (OAuthError, JoseError, ValueError, KeyError) as exc:
        # the reason only: the token itself is never logged
        log.warning("OpenID Connect: ID-token afvist (%s: %s)", type(exc).__name__,
                    str(getattr(exc, "description", "") or exc)[:120].split("eyJ")[0])
        return _refused(request, "Log-ind blev afvist: svaret fra din organisation kunne "
                                 "ikke bekræftes (udsteder, modtager, signatur, engangskode "
                                 "eller udløb). Prøv igen, eller kontakt din lokale IT.")
    try:
        session_key, _who = oidc.sign_in(_ctx(request), str(claims["iss"]), dict(claims))
    except oidc.NotMapped as exc:
        log.info("OpenID Connect: %s uden rolle i aftaleflow afvist", "en bruger")
        return _refused(request, exc.message, status=403)
    # A page that moves on by itself, not a redirect: the provider's answer is a navigation
    # from another site, and a browser sends no SameSite=Strict cookie on a redirect in it.
    response = page(request, None, "signed_in.html", "Logget ind",
                    target=data.get("next") or "/ui/")
    response.delete_cookie(FLOW_COOKIE, path="/ui/login")
    auth.set_session_cookies(response, session_key, secure=request.url.scheme == "https")
    return response


def _local_next(target: str | None) -> str:
    """Only a local dashboard path after sign-in (never another site), without secrets."""
    if target and target.startswith("/ui/") and not target.startswith("//") \
            and "\\" not in target:
        path, _, query = target.partition("?")
        return without_secrets(path, query)
    return "/ui/"


def _refused(request: Request, message: str, status: int = 401) -> Response:
    response = error_page(request, status, message)
    response.delete_cookie(FLOW_COOKIE, path="/ui/login")
    return response


async def end_session_url(request: Request) -> str | None:
    """Where logout sends the browser so the provider ends its session too (if it can)."""
    settings = get_settings()
    if not _configured(settings):
        return None
    try:
        metadata = await provider(request).load_server_metadata()
    except Exception:  # logging out here must work even when the provider is away
        return None
    endpoint = metadata.get("end_session_endpoint")
    if not endpoint:
        return None
    from urllib.parse import urlencode

    query = urlencode({"client_id": settings.oidc_client_id,
                       "post_logout_redirect_uri": settings.base_url + "/ui/login"})
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
