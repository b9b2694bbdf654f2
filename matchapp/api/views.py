"""API endpoints: tokens, and lists and details of needs and technologies."""
from flask import Blueprint, g, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import bundle, jcm
from ..idempotency import idempotent
from ..extensions import csrf, db, limiter
from ..listings import search, services
from ..listings.access import can_view
from ..introductions import services as introductions
from ..matching import store
from ..models import ApiToken, Need, Technology, User
from ..models.base import as_utc
from .auth import ApiError, refuse_repeated_or_empty_query_values, token_required
from .bodies import IntroductionNote, IntroductionRequest, TokenRequest, parsed
from .openapi import document

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
bp.before_request(refuse_repeated_or_empty_query_values)
SECTIONS = {Technology: "technologies", Need: "needs"}
NOUNS = {Technology: "technology", Need: "need"}
MAX_TOP = 100
# What an item shows beyond a result card (see search.CARD_LOADS), read with the page.
API_LOADS = {Technology: (selectinload(Technology.deliveries),)}


@bp.errorhandler(ApiError)
def handle_api_error(error: ApiError):
    body = {"error": {"code": error.code, "message": error.message}}
    if error.field:
        body["error"]["field"] = error.field
    return jsonify(body), error.status


def listing_json(listing) -> dict:
    """The bundle fields plus what an API client needs to display the listing."""
    data = bundle.export_entry(SECTIONS[type(listing)], listing)
    owner = listing.owner
    data.update({
        "owner_name": owner.name, "owner_name_ja": owner.name_ja,
        "created_at": as_utc(listing.created_at).isoformat() if listing.created_at else None,
        "updated_at": as_utc(listing.updated_at).isoformat() if listing.updated_at else None,
        "stale": services.freshness(listing).stale,
    })
    if isinstance(listing, Need):
        data["country"] = owner.country_code
    return data


@bp.route("/openapi.json")
def openapi():
    return jsonify(document())


def token_account_key() -> str:
    """The account a token request names (see accounts.views.login_account_key)."""
    body = request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) and isinstance(body.get("email"), str) else ""
    return "account:" + User.normalise_email(email)


@bp.route("/tokens", methods=["POST"])
@limiter.limit("10 per minute")
@limiter.limit("10 per minute", key_func=token_account_key)
def create_token():
    """Exchange an e-mail and password for a new token."""
    body = parsed(TokenRequest)
    user = db.session.scalar(select(User).where(User.email == User.normalise_email(body.email)))
    if not User.authenticate(user, body.password):
        raise ApiError(401, "unauthorized", "wrong e-mail or password")
    _token, secret = ApiToken.issue(user, name=body.name or "API")
    db.session.commit()
    return jsonify({"token": secret}), 201, {"Cache-Control": "no-store"}


def listing_list(model):
    try:
        filters = search.Filters.parse(request.args, model)
    except search.FilterError as error:
        raise ApiError(400, "bad_filter", error.message, error.field)
    page = search.search(model, filters, g.api_user)
    items = search.rows(model, page.ids, API_LOADS.get(model, ()))
    return jsonify({"items": [listing_json(item) for item in items], "total": page.total,
                    "page": page.page, "per_page": page.per_page})


def listing_detail(model, ref: str):
    listing = db.session.scalar(select(model).where(model.ref == ref))
    if listing is None or not can_view(g.api_user, listing):
        raise ApiError(404, "not_found", f"no {NOUNS[model]} '{ref}'")
    return jsonify(listing_json(listing))


@bp.route("/needs")
@token_required
def needs():
    return listing_list(Need)


@bp.route("/needs/<ref>")
@token_required
def need(ref):
    return listing_detail(Need, ref)


@bp.route("/needs/<ref>/matches")
@token_required
def need_matches(ref):
    """The ranked technologies for one need: the same items as `flask match REF --json`."""
    need = db.session.scalar(select(Need).where(Need.ref == ref))
    if need is None or not can_view(g.api_user, need):
        raise ApiError(404, "not_found", f"no need '{ref}'")
    try:
        top = search.positive_int(request.args.get("top"), "top", 10, MAX_TOP)
    except search.FilterError as error:
        raise ApiError(400, "bad_filter", error.message, error.field)
    if store.catch_up(need):  # edited a moment ago, before its job ran
        db.session.commit()
    items = store.stored_items(need, top)
    if items is None:
        items = [store.as_contract_item(result) for result in store.rank_need(need, top)]
    return jsonify(items)


def introduction_or_404(introduction_id: int):
    try:
        return introductions.get_visible(g.api_user, introduction_id)
    except introductions.IntroductionError as error:
        raise ApiError(404, "not_found", str(error.message))


@bp.route("/introductions", methods=["POST"])
@token_required
@idempotent
def create_introduction():
    """Ask for (or, as a coordinator, propose) an introduction between a need and a technology."""
    body = parsed(IntroductionRequest)
    need = db.session.scalar(select(Need).where(Need.ref == body.need))
    technology = db.session.scalar(select(Technology).where(Technology.ref == body.technology))
    if need is None or technology is None:
        raise ApiError(404, "not_found", "no such need or technology")
    introduction = introductions.request_introduction(g.api_user, need, technology, body.message)
    db.session.commit()
    return jsonify(introductions.as_json(introduction)), 201


@bp.route("/introductions/<int:introduction_id>")
@token_required
def get_introduction(introduction_id):
    introduction = introduction_or_404(introduction_id)
    introductions.expire_if_due(introduction)
    db.session.commit()
    return jsonify(introductions.as_json(introduction))


@bp.route("/introductions/<int:introduction_id>/<action>", methods=["POST"])
@token_required
@idempotent
def introduction_action(introduction_id, action):
    """accept, decline, withdraw, renew, met, follow_up, close: 409 when not allowed now or for this side."""
    introduction = introduction_or_404(introduction_id)
    if action not in introductions.ACTIONS:
        raise ApiError(404, "not_found", f"unknown action '{action}'")
    introductions.act(g.api_user, introduction, action, parsed(IntroductionNote).note)
    db.session.commit()
    return jsonify(introductions.as_json(introduction))


@bp.route("/jcm/screen")
@token_required
def jcm_screen():
    """JCM equipment-subsidy screening; a bad or missing number is a 400 naming the field."""
    try:
        return jsonify(jcm.screen(jcm.ScreeningInput.parse(request.args)))
    except jcm.ScreeningError as error:
        raise ApiError(400, "bad_request", error.message, error.field)


@bp.route("/technologies")
@token_required
def technologies():
    return listing_list(Technology)


@bp.route("/technologies/<ref>")
@token_required
def technology(ref):
    return listing_detail(Technology, ref)
