"""The FastAPI app: the Nuvemshop REST API under /{version}/{store_id}/ (orders, products and variants,
metafields, webhooks) plus the admin routes."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from lojasync.simulators.nuvemshop.admin import admin_router
from lojasync.simulators.nuvemshop.config import API_VERSIONS
from lojasync.simulators.nuvemshop.errors import ApiError, api_error, invalid, not_found
from lojasync.simulators.nuvemshop.metafields import owner_from_path
from lojasync.simulators.nuvemshop.oauth import oauth_router
from lojasync.simulators.nuvemshop.orders import OrderStateError
from lojasync.simulators.nuvemshop.query import ListQuery, OrderQuery, link_header
from lojasync.simulators.nuvemshop.responses import json_body, raw_json
from lojasync.simulators.nuvemshop.state import Simulator

ORDER_ACTIONS = ("close", "open", "cancel", "fulfill")
# 2025-03 moves shipping to fulfillment orders: the fulfill action is served under v1 only, so a client that sends
# it to 2025-03 finds out here rather than in a real store.
V1_ONLY_ACTIONS = ("fulfill",)


def create_app(simulator: Simulator) -> FastAPI:
    sim = simulator
    app = FastAPI(title="Nuvemshop simulator", docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(admin_router(sim))  # first: its paths would also match /{version}/{store_id}/...
    app.include_router(oauth_router(sim))

    @app.exception_handler(ApiError)
    async def on_api_error(request: Request, exc: ApiError) -> Response:
        headers = {**getattr(request.state, "rate_headers", {}), **exc.headers}
        return JSONResponse(exc.body, exc.status, headers=headers)

    @app.exception_handler(OrderStateError)
    async def on_state_error(request: Request, exc: OrderStateError) -> Response:
        return JSONResponse(exc.errors, 422, headers=getattr(request.state, "rate_headers", {}))

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return JSONResponse({"code": exc.status_code, "message": str(exc.detail), "description": str(exc.detail)},
                            exc.status_code)

    def gate(request: Request, version: str, store_id: str) -> dict[str, str]:
        headers = request.headers
        verdict = sim.admit(store_id, headers.get("user-agent"), headers.get("authentication"),
                            headers.get("authorization"))
        request.state.rate_headers = verdict.headers()
        if version not in API_VERSIONS:
            raise not_found(f"Unknown API version {version}")
        return dict(request.state.rate_headers)

    def paged(request: Request, headers: dict, total: int, page: int, last: int, body: bytes) -> Response:
        headers["X-Total-Count"] = str(total)
        link = link_header(request.url, page, last) if total else None
        if link:
            headers["Link"] = link
        return raw_json(body, headers)

    prefix = "/{version}/{store_id}"

    @app.get(prefix + "/store")
    async def get_store(request: Request, version: str, store_id: str) -> Response:
        headers = gate(request, version, store_id)
        return raw_json(sim.read(lambda store: store.info(), store_id), headers)

    @app.get(prefix + "/orders")
    async def list_orders(request: Request, version: str, store_id: str) -> Response:
        headers = gate(request, version, store_id)
        query = OrderQuery.parse(request.query_params)
        total, last, body = sim.orders_page(store_id, version, query)
        return paged(request, headers, total, query.page, last, body)

    @app.get(prefix + "/orders/{order_id}")
    async def get_order(request: Request, version: str, store_id: str, order_id: str) -> Response:
        headers = gate(request, version, store_id)
        fields = ListQuery.parse(request.query_params).fields
        return raw_json(sim.order_json(store_id, order_id, version, fields), headers)

    @app.post(prefix + "/orders/{order_id}/{action}")
    async def order_action(request: Request, version: str, store_id: str, order_id: str, action: str) -> Response:
        headers = gate(request, version, store_id)
        if action not in ORDER_ACTIONS or (action in V1_ONLY_ACTIONS and version != "v1"):
            raise not_found(f"Unknown order action {action}")
        body = await json_body(request) or {}
        if action == "fulfill":
            if not isinstance(body, dict):
                raise invalid("body", "must be an object")
            sim.fulfill_order(order_id, body, store_id=store_id)
        elif action == "cancel":
            sim.cancel_order(order_id, body.get("reason") or "other", store_id=store_id,
                             restock=bool(body.get("restock")))
        elif action == "close":
            sim.close_order(order_id, store_id=store_id)
        else:
            sim.open_order(order_id, store_id=store_id)
        return raw_json(sim.order_json(store_id, order_id, version), headers)

    @app.get(prefix + "/products")
    async def list_products(request: Request, version: str, store_id: str) -> Response:
        headers = gate(request, version, store_id)
        query = ListQuery.parse(request.query_params)
        total, last, body = sim.products_page(store_id, query)
        return paged(request, headers, total, query.page, last, body)

    @app.get(prefix + "/products/sku/{sku}")
    async def product_by_sku(request: Request, version: str, store_id: str, sku: str) -> Response:
        headers = gate(request, version, store_id)
        return raw_json(sim.read(lambda s: s.product_by_sku(sku), store_id), headers)

    @app.get(prefix + "/products/{product_id}")
    async def get_product(request: Request, version: str, store_id: str, product_id: str) -> Response:
        headers = gate(request, version, store_id)
        return raw_json(sim.read(lambda s: s.product(product_id), store_id), headers)

    @app.get(prefix + "/products/{product_id}/variants")
    async def list_variants(request: Request, version: str, store_id: str, product_id: str) -> Response:
        headers = gate(request, version, store_id)
        return raw_json(sim.read(lambda s: s.product(product_id)["variants"], store_id), headers)

    @app.get(prefix + "/products/{product_id}/variants/{variant_id}")
    async def get_variant(request: Request, version: str, store_id: str, product_id: str, variant_id: str) -> Response:
        headers = gate(request, version, store_id)
        return raw_json(sim.read(lambda s: s.variant(product_id, variant_id), store_id), headers)

    @app.put(prefix + "/products/{product_id}/variants/{variant_id}")
    async def put_variant(request: Request, version: str, store_id: str, product_id: str, variant_id: str) -> Response:
        headers = gate(request, version, store_id)
        body = await json_body(request) or {}
        result = sim.mutate_store(lambda s, now: s.update_variant(product_id, variant_id, body, now), store_id)
        sim.notify(store_id, "product/updated", product_id)
        return raw_json(result, headers)

    @app.patch(prefix + "/products/{product_id}/variants")
    async def patch_variants(request: Request, version: str, store_id: str, product_id: str) -> Response:
        headers = gate(request, version, store_id)
        body = await json_body(request)
        result = sim.mutate_store(lambda s, now: s.patch_variants(product_id, body, now), store_id)
        sim.notify(store_id, "product/updated", product_id)
        return raw_json(result, headers)

    @app.post(prefix + "/metafields")
    async def create_metafield(request: Request, version: str, store_id: str) -> Response:
        headers = gate(request, version, store_id)
        body = await json_body(request)
        return raw_json(sim.mutate_store(lambda s, now: s.metafields.create(body, now), store_id), headers, 201)

    @app.get(prefix + "/metafields/{target}")
    async def read_metafields(request: Request, version: str, store_id: str, target: str) -> Response:
        """`/metafields/{id}` is one metafield; `/metafields/{owner_resource}` lists them, filtered."""
        headers = gate(request, version, store_id)
        if target.isdigit():
            return raw_json(sim.read(lambda s: s.metafields.get(target), store_id), headers)
        owner, query = owner_from_path(target), request.query_params
        owner_id = query.get("owner_id")
        if owner_id is not None and not owner_id.isdigit():
            raise invalid("owner_id", "must be an integer")
        return raw_json(sim.read(lambda s: s.metafields.find(owner, int(owner_id) if owner_id else None,
                                                             query.get("namespace"), query.get("key")),
                                 store_id), headers)

    @app.put(prefix + "/metafields/{metafield_id}")
    async def update_metafield(request: Request, version: str, store_id: str, metafield_id: str) -> Response:
        headers = gate(request, version, store_id)
        body = await json_body(request)
        return raw_json(sim.mutate_store(lambda s, now: s.metafields.update(metafield_id, body, now), store_id),
                        headers)

    @app.delete(prefix + "/metafields/{metafield_id}")
    async def delete_metafield(request: Request, version: str, store_id: str, metafield_id: str) -> Response:
        headers = gate(request, version, store_id)
        sim.mutate_store(lambda s, now: s.metafields.delete(metafield_id), store_id)
        return raw_json(b"{}", headers)

    @app.get(prefix + "/webhooks")
    async def list_webhooks(request: Request, version: str, store_id: str) -> Response:
        headers = gate(request, version, store_id)
        return raw_json(sim.read(lambda s: list(s.webhooks.values()), store_id), headers)

    @app.post(prefix + "/webhooks")
    async def create_webhook(request: Request, version: str, store_id: str) -> Response:
        headers = gate(request, version, store_id)
        body = await json_body(request) or {}
        if not isinstance(body, dict):
            raise api_error(400, "Body must be a JSON object")
        return raw_json(sim.mutate_store(lambda s, now: s.create_webhook(body, now), store_id), headers, 201)

    @app.get(prefix + "/webhooks/{webhook_id}")
    async def get_webhook(request: Request, version: str, store_id: str, webhook_id: str) -> Response:
        headers = gate(request, version, store_id)
        return raw_json(sim.read(lambda s: s.webhook(webhook_id), store_id), headers)

    @app.put(prefix + "/webhooks/{webhook_id}")
    async def update_webhook(request: Request, version: str, store_id: str, webhook_id: str) -> Response:
        headers = gate(request, version, store_id)
        body = await json_body(request) or {}
        if not isinstance(body, dict):
            raise api_error(400, "Body must be a JSON object")
        return raw_json(sim.mutate_store(lambda s, now: s.update_webhook(webhook_id, body, now), store_id), headers)

    @app.delete(prefix + "/webhooks/{webhook_id}")
    async def delete_webhook(request: Request, version: str, store_id: str, webhook_id: str) -> Response:
        headers = gate(request, version, store_id)
        sim.mutate_store(lambda s, now: s.delete_webhook(webhook_id), store_id)
        return raw_json(b"{}", headers)

    return app
