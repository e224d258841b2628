"""Entry pages: list and search, the edit and new forms with a live preview, saving."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from bot.editor.auth import Editor
from bot.editor.context import EditorContext
from bot.editor.entryfile import EntryForm, entry_file
from bot.editor.pages import tried_values, try_question
from bot.editor.previews import entry_reply, render, teams_variants
from bot.editor.saving import FieldError, SaveOutcome, file_hash, save_entry
from bot.editor.web import PREFIX, context, page, redirect, session_of
from bot.models import Entry
from bot.text import fold

MAX_FIELD_CHARS = 20_000

FormData = MultiDictProxy[Any]


def _lines(value: object) -> tuple[str, ...]:
    text = str(value or "")[:MAX_FIELD_CHARS]
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def _text(form: FormData, key: str) -> str:
    return str(form.get(key, "") or "")[:MAX_FIELD_CHARS].replace("\r\n", "\n").strip()


def read_form(form: FormData, fixed: Entry | None) -> EntryForm:
    """The form's fields; on an existing entry its id and partner cannot change (the file
    and the statistics are keyed by them)."""
    return EntryForm(
        id=fixed.id if fixed else _text(form, "id"),
        partner=fixed.partner if fixed else _text(form, "partner"),
        topic=_text(form, "topic"),
        question=_text(form, "question"),
        alternates=_lines(form.get("alternates")),
        keywords=_lines(form.get("keywords")),
        answer=_text(form, "answer"),
        source=_text(form, "source"),
        contacts=tuple(str(c) for c in form.getall("contacts", [])),
        lead=_text(form, "lead"),
    )


def _editor(request: web.Request) -> Editor:
    session = session_of(request)
    if session is None or session.editor is None:  # the middleware lets no one else in
        raise web.HTTPForbidden(text="Log eerst in.")
    return session.editor


def _form_page(
    request: web.Request,
    form: EntryForm,
    *,
    is_new: bool,
    base: str,
    errors: Sequence[FieldError] = (),
    status: int = 200,
    preview: bool = True,
    notice: str = "",
) -> web.Response:
    ctx = context(request)
    knowledge = ctx.matcher().knowledge
    by_field: dict[str, list[FieldError]] = {}
    general = []
    for error in errors:
        if error.field:
            by_field.setdefault(error.field, []).append(error)
        else:
            general.append(error)
    rendering = (
        render(entry_reply(form.to_entry(), knowledge), ctx.card, teams_variants(ctx.bot_config))
        if preview
        else None
    )
    return page(
        request,
        "entry.html",
        status=status,
        form=form,
        is_new=is_new,
        base=base,
        field_errors=by_field,
        general_errors=general,
        error_count=len(errors),
        rendering=rendering,
        partners=knowledge.partners,
        topics=sorted(knowledge.topics.items()),
        contacts=knowledge.contacts,
        notice=notice,
    )


_NOTICES = {
    "opgeslagen": "Opgeslagen en gecontroleerd. De bot gebruikt de nieuwe versie.",
    "commit": "Opgeslagen, gecontroleerd en vastgelegd in git. De bot gebruikt de nieuwe versie.",
}


async def list_entries(request: web.Request) -> web.StreamResponse:
    knowledge = context(request).matcher().knowledge
    query = request.query.get("q", "").strip()[:200]
    partner = request.query.get("partner", "")
    words = fold(query).split()
    found = []
    for entry in knowledge.entries:
        if partner and entry.partner != partner:
            continue
        haystack = fold(
            " ".join([entry.id, entry.question, *entry.alternates, *entry.keywords, entry.answer])
        )
        if all(word in haystack for word in words):
            found.append(entry)
    return page(
        request,
        "entries.html",
        entries=found,
        total=len(knowledge.entries),
        query=query,
        partner=partner,
        partners=knowledge.partners,
    )


async def edit_form(request: web.Request) -> web.StreamResponse:
    ctx = context(request)
    entry = ctx.matcher().knowledge.entry(request.match_info["entry_id"])
    if entry is None:
        raise web.HTTPNotFound(text="Deze entry bestaat niet (meer).")
    base = await asyncio.to_thread(file_hash, entry_file(ctx.folder, entry.partner))
    notice = _NOTICES.get(request.query.get("melding", ""), "")
    if request.query.get("git") == "mislukt":
        notice = "Opgeslagen en gecontroleerd, maar de git-commit is niet gelukt."
    return _form_page(request, EntryForm.from_entry(entry), is_new=False, base=base, notice=notice)


async def new_form(request: web.Request) -> web.StreamResponse:
    partner = request.query.get("partner", "")[:100]  # preselected in the form, no more
    empty = EntryForm("", partner, "", "", (), (), "", "")
    return _form_page(request, empty, is_new=True, base="", preview=False)


async def _save(
    ctx: EditorContext,
    form: EntryForm,
    original: str | None,
    base: str | None,
    editor: Editor,
    message: str,
) -> tuple[SaveOutcome, list[str]]:
    """Validate and write (in a thread), then reload the bot; one save at a time."""
    async with ctx.save_lock:
        outcome = await asyncio.to_thread(
            save_entry, ctx.folder, form, original, base, editor, ctx.config.git_commit, message
        )
        problems: list[str] = []
        if outcome.saved and ctx.reload is not None:
            problems = await ctx.reload()
    return outcome, problems


def _after_save(entry_id: str, outcome: SaveOutcome) -> web.Response:
    flag = "commit" if outcome.committed else "opgeslagen"
    git = "&git=mislukt" if outcome.note else ""
    return redirect(f"{PREFIX}/entries/{entry_id}?melding={flag}{git}")


async def edit_submit(request: web.Request) -> web.StreamResponse:
    ctx = context(request)
    entry = ctx.matcher().knowledge.entry(request.match_info["entry_id"])
    if entry is None:
        raise web.HTTPNotFound(text="Deze entry bestaat niet (meer).")
    data = await request.post()
    form = read_form(data, entry)
    base = _text(data, "base")
    if data.get("action") == "voorbeeld":
        return _form_page(request, form, is_new=False, base=base)
    outcome, _problems = await _save(
        ctx, form, entry.id, base, _editor(request), f"Beheer: entry {entry.id} bijgewerkt"
    )
    if not outcome.saved:
        return _form_page(request, form, is_new=False, base=base, errors=outcome.errors, status=422)
    return _after_save(entry.id, outcome)


# Entry ids that are also console addresses under /beheer/entries/: such an entry could
# never be opened for editing.
_RESERVED_IDS = frozenset({"nieuw"})


async def new_submit(request: web.Request) -> web.StreamResponse:
    ctx = context(request)
    data = await request.post()
    form = read_form(data, None)
    if data.get("action") == "voorbeeld":
        return _form_page(request, form, is_new=True, base="")
    errors = []
    known = ctx.matcher().knowledge
    if known.partner(form.partner) is None:
        errors.append(FieldError("partner", "", "Kies een partner."))
    if form.id in _RESERVED_IDS:  # /beheer/entries/nieuw is this form, not the entry
        errors.append(FieldError("id", "", f"Het id '{form.id}' is gereserveerd; kies een ander."))
    elif form.id and known.entry(form.id) is not None:
        errors.append(FieldError("id", "", f"Het id '{form.id}' bestaat al; kies een ander."))
    if not form.id:
        errors.append(FieldError("id", "", "Vul een id in, bijvoorbeeld 'politie-online'."))
    if errors:
        return _form_page(request, form, is_new=True, base="", errors=errors, status=422)
    outcome, _problems = await _save(
        ctx, form, None, None, _editor(request), f"Beheer: entry {form.id} toegevoegd"
    )
    if not outcome.saved:
        return _form_page(request, form, is_new=True, base="", errors=outcome.errors, status=422)
    return _after_save(form.id, outcome)


async def preview(request: web.Request) -> web.StreamResponse:
    """The live preview of the edit form (JavaScript posts the form here as you type)."""
    ctx = context(request)
    data = await request.post()
    knowledge = ctx.matcher().knowledge
    fixed = knowledge.entry(_text(data, "original")) if data.get("original") else None
    form = read_form(data, fixed)
    rendering = render(
        entry_reply(form.to_entry(), knowledge), ctx.card, teams_variants(ctx.bot_config)
    )
    return page(request, "preview.html", rendering=rendering)


async def add_alternate(request: web.Request) -> web.StreamResponse:
    """One click: a question (tried, or from the unanswered log) becomes an alternate of the
    chosen entry; then the page shows what the bot now decides for it."""
    ctx = context(request)
    data = await request.post()
    question = " ".join(_text(data, "vraag").split())[:500]
    entry = ctx.matcher().knowledge.entry(_text(data, "entry"))
    if entry is None or not question:
        return page(
            request,
            "try.html",
            status=422,
            question=question,
            tried=None,
            error="Kies een entry en een vraag.",
        )
    form = EntryForm.from_entry(entry)
    if question not in form.alternates:
        form = dataclasses.replace(form, alternates=(*form.alternates, question))
    outcome, _problems = await _save(
        ctx,
        form,
        entry.id,
        None,
        _editor(request),
        f"Beheer: andere formulering toegevoegd aan {entry.id}",
    )
    tried = await ctx.run(lambda: try_question(ctx, question))
    values = tried_values(ctx, tried)
    if not outcome.saved:
        return page(
            request, "try.html", status=422, question=question, save_errors=outcome.errors, **values
        )
    return page(request, "try.html", question=question, added_to=entry.id, **values)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/entries", list_entries)
    app.router.add_get("/entries/nieuw", new_form)
    app.router.add_post("/entries/nieuw", new_submit)
    app.router.add_get("/entries/{entry_id}", edit_form)
    app.router.add_post("/entries/{entry_id}", edit_submit)
    app.router.add_post("/voorbeeld", preview)
    app.router.add_post("/alternatief", add_alternate)
