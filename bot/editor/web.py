"""The console as an aiohttp sub-application under ``/beheer/``: security around every page.

Every request passes one middleware that sets strict security headers, finds the session,
sends anyone not logged in to the login page (nothing else is reachable without a login)
and refuses every POST whose form lacks the session's CSRF token.
"""

from __future__ import annotations

import contextvars
import hmac
import ipaddress
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from bot.editor.auth import COOKIE, Accounts, LoginLimiter, Session, Sessions, csrf_ok
from bot.editor.context import EditorContext

log = logging.getLogger(__name__)

PREFIX = "/beheer"
STATIC = Path(__file__).parent / "static"
CONTEXT = web.AppKey("editor_context", EditorContext)
SESSIONS = web.AppKey("editor_sessions", Sessions)
ACCOUNTS = web.AppKey("editor_accounts", Accounts)
LIMITER = web.AppKey("editor_limiter", LoginLimiter)
TEMPLATES = web.AppKey("editor_templates", jinja2.Environment)
# The session of the request being handled. The middleware sets it at the start of every
# request (to None when there is none), so a handler never sees another request's session,
# also when one connection's requests share a task.
_SESSION: contextvars.ContextVar[Session | None] = contextvars.ContextVar(
    "editor_session", default=None
)
OPEN_PATHS = {f"{PREFIX}/inloggen"}
MAX_FORM_BYTES = 256 * 1024

_HEADERS = {
    # Only our own scripts, styles and the inline SVG charts; no framing, no referrer.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def is_loopback(request: web.Request) -> bool:
    try:
        return ipaddress.ip_address(request.remote or "").is_loopback
    except ValueError:
        return False


def is_https(request: web.Request) -> bool:
    """Over TLS: directly, or as a loopback proxy says (X-Forwarded-Proto)."""
    if request.secure:
        return True
    forwarded = request.headers.get("X-Forwarded-Proto", "")
    return is_loopback(request) and forwarded.lower() == "https"


def client_address(request: web.Request) -> str:
    """The editor's address: behind a proxy on loopback, the one it added last to
    X-Forwarded-For (else every editor would share the proxy's address, and one person's
    failed logins would lock out all of them)."""
    forwarded = request.headers.get("X-Forwarded-For", "")
    if forwarded and is_loopback(request):
        return forwarded.split(",")[-1].strip() or "?"
    return request.remote or "?"


def context(request: web.Request) -> EditorContext:
    return request.config_dict[CONTEXT]


def session_of(request: web.Request) -> Session | None:
    del request  # kept in the signature: the session belongs to this request's task
    return _SESSION.get()


def use_session(session: Session | None) -> None:
    _SESSION.set(session)


def set_session_cookie(
    request: web.Request, response: web.StreamResponse, session: Session
) -> None:
    secure = context(request).config.secure_cookie or is_https(request)
    response.set_cookie(
        COOKIE,
        session.token,
        path=f"{PREFIX}/",
        httponly=True,
        samesite="Strict",
        secure=secure,
    )


def page(request: web.Request, template: str, status: int = 200, **values: Any) -> web.Response:
    """A page from a template; autoescaping makes every value safe to show."""
    session = session_of(request)
    ctx = context(request)
    text = (
        request.config_dict[TEMPLATES]
        .get_template(template)
        .render(
            editor=session.editor if session else None,
            csrf=session.csrf if session else "",
            path=request.path,
            has_store=ctx.store is not None,
            **values,
        )
    )
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8")


def redirect(location: str) -> web.Response:
    """A 303 "see other" as a plain response, so cookies can be set on it."""
    return web.Response(status=303, headers={"Location": location})


def _trusted_editor(request: web.Request) -> str | None:
    header = context(request).config.trusted_header
    if not header or not is_loopback(request):
        return None
    name = request.headers.get(header, "").strip()
    return name or None


@web.middleware
async def security(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await _guarded(request, handler)
    except web.HTTPNotFound:
        response = page(
            request,
            "problem.html",
            status=404,
            title="Niet gevonden",
            message="Deze pagina of entry bestaat niet (meer).",
        )
    except web.HTTPRequestEntityTooLarge:
        # aiohttp's own answer is an English line; an editor pasting a long text gets a page.
        response = page(
            request,
            "problem.html",
            status=413,
            title="Te veel tekst",
            message="Het formulier bevat te veel tekst (meer dan 1 MB) en is niet verwerkt. "
            "Er is niets opgeslagen. Ga terug en maak de tekst korter.",
        )
    except web.HTTPException as error:
        for name, value in _HEADERS.items():
            error.headers.setdefault(name, value)
        raise
    except Exception as error:
        # A bug, not the editor's input: no traceback in the page, and no form text in the
        # log (only what kind of error, and where).
        log.error("editor console: unexpected %s on %s", type(error).__name__, request.path)
        response = page(
            request,
            "problem.html",
            status=500,
            title="Er ging iets mis",
            message="Er ging iets mis in de console. Kijk in de lijst met entries "
            "of je wijziging is opgeslagen, en meld het aan de beheerder van de bot.",
        )
    for name, value in _HEADERS.items():
        response.headers.setdefault(name, value)
    return response


async def _guarded(request: web.Request, handler: Handler) -> web.StreamResponse:
    ctx = context(request)
    sessions = request.app[SESSIONS]
    session = sessions.get(request.cookies.get(COOKIE))
    new_cookie = False
    trusted = _trusted_editor(request)
    if trusted is not None and (
        session is None or session.editor is None or session.editor.name != trusted
    ):
        sessions.end(session.token if session else None)
        session = sessions.new(request.app[ACCOUNTS].known(trusted))
        new_cookie = True
    use_session(session)
    static = request.path.startswith(f"{PREFIX}/static/")
    if ctx.loopback_only and not is_loopback(request):
        raise web.HTTPForbidden(text="Alleen vanaf deze computer.")
    if request.method == "POST" and not csrf_ok(session, (await request.post()).get("csrf")):
        log.info("editor console: POST without a valid CSRF token refused")
        return page(request, "refused.html", status=403)
    logged_in = session is not None and session.editor is not None
    if not logged_in and not static and request.path not in OPEN_PATHS:
        if request.method == "POST":
            raise web.HTTPForbidden(text="Log eerst in.")
        raise web.HTTPSeeOther(f"{PREFIX}/inloggen")
    response = await handler(request)
    if new_cookie and session is not None:
        set_session_cookie(request, response, session)
    return response


async def _static(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    path = STATIC / name
    if "/" in name or name.startswith(".") or not path.is_file():
        raise web.HTTPNotFound()
    types = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}
    return web.Response(
        body=path.read_bytes(),
        content_type=types.get(path.suffix, "application/octet-stream"),
        headers={"Cache-Control": "no-cache"},
    )


def build_console(ctx: EditorContext) -> web.Application:
    """The sub-application; mount it with ``add_editor``."""
    from bot.editor import entries, login, pages

    console = web.Application(middlewares=[security], client_max_size=MAX_FORM_BYTES)
    console[CONTEXT] = ctx
    console[SESSIONS] = Sessions(ctx.config.session_minutes * 60.0, ctx.clock)
    console[ACCOUNTS] = Accounts(ctx.config.editors)
    console[LIMITER] = LoginLimiter(ctx.config.login_attempts, ctx.clock)
    console[TEMPLATES] = jinja2.Environment(
        loader=jinja2.PackageLoader("bot.editor", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    console.router.add_get("/static/{name}", _static)
    login.add_routes(console)
    pages.add_routes(console)
    entries.add_routes(console)
    return console


class EditorConsole:
    """The console as a web part of ``partnerbot run`` (``bot.transports.base.WebPart``)."""

    def __init__(self, context: EditorContext) -> None:
        self.context = context

    def add_routes(self, app: web.Application) -> None:
        add_editor(app, self.context)


def add_editor(app: web.Application, ctx: EditorContext) -> None:
    """Serve the console under /beheer/ on ``app`` (before the app starts)."""

    async def to_console(_request: web.Request) -> web.StreamResponse:
        raise web.HTTPPermanentRedirect(f"{PREFIX}/")

    app.router.add_get(PREFIX, to_console)
    app.add_subapp(f"{PREFIX}/", build_console(ctx))


def same_token(expected: str | None, given: str) -> bool:
    return bool(expected) and hmac.compare_digest(str(expected).encode(), given.encode())
