"""A service's refusal (an area's own error with a Chinese message) as a response, registered once per blueprint.

    register_refusals(bp, CraftsmanError, fallback=".console")

    @bp.route(...)
    @refused_to(".naming")          # optional: where a refused form goes back to (and to which part of the page,
                                    # e.g. @refused_to(".setup", "cards"))
    def confirm(contest): ...       # calls the service and commits; no try/except

The handler rolls the transaction back (or commits it when the error says `keeps_changes`, e.g. a counted failed
attempt), then answers JSON `{"error": {"code", "message"}}` with the error's `status` (422 unless it says otherwise)
for the API and for clients asking for JSON, and otherwise flashes the message in the reader's language and
redirects: to the view's `refused_to` endpoint, else back to the page the form was on (same host), else to the
blueprint's fallback. URL arguments are taken from the request's own (contest_id, nomination_id...) as the target
endpoint needs them.

Views that show a refused form again with what the user typed keep their own try/except (nothing typed is lost).
"""
from __future__ import annotations

from typing import Callable

from flask import Blueprint, current_app, flash, g, jsonify, redirect, request, url_for

from contestapp.extensions import db
from contestapp.i18n import tr


def refused_to(endpoint: str, anchor: str | None = None) -> Callable:
    """Where the blueprint's refusal handler sends the user back to when this view's action is refused (and the
    section of that page, when the form was in one)."""
    def mark(view: Callable) -> Callable:
        view.refused_to = endpoint  # type: ignore[attr-defined]
        view.refused_anchor = anchor  # type: ignore[attr-defined]
        return view
    return mark


def refusals_go_to(endpoint: str, **values) -> None:
    """For this request: a refusal goes back to `endpoint` with these URL values (a view whose own URL does not name
    what the page to go back to needs, e.g. an appeal's ruling going back to its event's page)."""
    g.refused_url = url_for(endpoint, **values)


def register_refusals(bp: Blueprint, *errors: type[Exception], fallback: str) -> None:
    """One handler on `bp` for each error class (a subclass may still get its own, more specific handler)."""
    for error in errors:
        bp.register_error_handler(error, lambda exc: refusal_response(exc, fallback))


def wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json" and not request.accept_mimetypes.accept_html)


def refusal_response(error: Exception, fallback: str):
    if getattr(error, "keeps_changes", False):
        db.session.commit()
    else:
        db.session.rollback()
    message = tr(error)
    status = getattr(error, "status", 422)
    if wants_json():
        return jsonify(error={"code": getattr(error, "code", "refused"), "message": message}), status
    flash(message, "error")
    return redirect(back_url(fallback))


def back_url(fallback: str) -> str:
    if "refused_url" in g:
        return g.refused_url
    view = current_app.view_functions.get(request.endpoint or "")
    endpoint = getattr(view, "refused_to", None)
    if endpoint is None:
        back = request.referrer or ""
        if back.startswith(request.host_url):
            return back
        endpoint = fallback
    if endpoint.startswith("."):
        endpoint = (request.blueprint or "") + endpoint
    needed = set().union(*(rule.arguments for rule in current_app.url_map.iter_rules(endpoint)))
    args = {k: v for k, v in (request.view_args or {}).items() if k in needed}
    if set(args) != needed:  # the target needs what this request does not name: the home page
        return url_for("main.index")
    return url_for(endpoint, _anchor=getattr(view, "refused_anchor", None), **args)
