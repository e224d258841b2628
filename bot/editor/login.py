"""Logging in and out: a password form, or the token in `partnerbot beheer`'s address."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from bot.editor.auth import COOKIE, Accounts, Editor
from bot.editor.web import (
    ACCOUNTS,
    LIMITER,
    PREFIX,
    SESSIONS,
    client_address,
    context,
    page,
    redirect,
    same_token,
    session_of,
    set_session_cookie,
    use_session,
)

log = logging.getLogger(__name__)


def _login_page(
    request: web.Request, status: int = 200, error: str = "", name: str = ""
) -> web.Response:
    ctx = context(request)
    return page(
        request,
        "login.html",
        status=status,
        error=error,
        passwords=bool(request.app[ACCOUNTS]),
        local=ctx.login_token is not None,
        name=name,
    )


async def login_form(request: web.Request) -> web.StreamResponse:
    ctx = context(request)
    sessions = request.app[SESSIONS]
    session = session_of(request)
    token = request.query.get("token", "")
    if token and ctx.local_editor is not None and same_token(ctx.login_token, token):
        sessions.end(session.token if session else None)
        fresh = sessions.new(ctx.local_editor)
        response = redirect(f"{PREFIX}/")  # drops the token from the address bar
        set_session_cookie(request, response, fresh)
        return response
    if session is not None and session.editor is not None:
        raise web.HTTPSeeOther(f"{PREFIX}/")
    if session is None:
        # A session without an editor only carries the login form's CSRF token.
        session = sessions.new(None)
        use_session(session)
    response = _login_page(request)
    set_session_cookie(request, response, session)
    return response


async def login_submit(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    name = str(form.get("naam", "")).strip()[:100]
    password = str(form.get("wachtwoord", ""))[:1000]
    limiter = request.app[LIMITER]
    address = client_address(request)
    if limiter.blocked(address, name):
        log.warning("editor console: login refused, too many failed attempts")
        error = "Te veel mislukte pogingen. Wacht een kwartier en probeer het dan opnieuw."
        return _login_page(request, status=429, error=error, name=name)
    accounts = request.app[ACCOUNTS]
    editor = await _check(accounts, name, password) if accounts else None
    if editor is None:
        limiter.failed(address, name)
        log.info("editor console: failed login")
        return _login_page(
            request, status=401, error="De naam of het wachtwoord klopt niet.", name=name
        )
    limiter.succeeded(name)
    sessions = request.app[SESSIONS]
    old = session_of(request)
    sessions.end(old.token if old else None)  # a new token after login: no session fixation
    fresh = sessions.new(editor)
    log.info("editor console: an editor logged in")
    response = redirect(f"{PREFIX}/")
    set_session_cookie(request, response, fresh)
    return response


async def _check(accounts: Accounts, name: str, password: str) -> Editor | None:
    # argon2 takes tens of milliseconds of CPU on purpose: keep it off the event loop.
    return await asyncio.to_thread(accounts.check, name, password)


async def logout(request: web.Request) -> web.StreamResponse:
    session = session_of(request)
    request.app[SESSIONS].end(session.token if session else None)
    response = redirect(f"{PREFIX}/inloggen")
    response.del_cookie(COOKIE, path=f"{PREFIX}/")
    return response


def add_routes(app: web.Application) -> None:
    app.router.add_get("/inloggen", login_form)
    app.router.add_post("/inloggen", login_submit)
    app.router.add_post("/uitloggen", logout)
