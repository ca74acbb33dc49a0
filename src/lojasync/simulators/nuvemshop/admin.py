"""Admin routes under /_simulator/: stats and store-side events (no auth, no rate limit, not counted)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from lojasync.simulators.nuvemshop.errors import invalid
from lojasync.simulators.nuvemshop.responses import json_body
from lojasync.simulators.nuvemshop.state import Simulator


def admin_router(sim: Simulator) -> APIRouter:
    router = APIRouter(prefix="/_simulator")

    async def body_of(request: Request) -> dict:
        body = await json_body(request, strict=False) or {}
        if not isinstance(body, dict):
            raise invalid("body", "must be a JSON object")
        return body

    @router.get("/stats")
    async def stats() -> Response:
        return JSONResponse(sim.stats())

    @router.post("/stats/reset")
    async def reset_stats() -> Response:
        sim.reset_stats()
        return JSONResponse(sim.stats())

    @router.post("/buckets/reset")
    async def reset_buckets() -> Response:
        sim.buckets.reset()
        return JSONResponse({"ok": True})

    # the app (OAuth redirect URL, LGPD URLs) and webhook delivery
    @router.get("/app")
    async def app_settings() -> Response:
        return JSONResponse(sim.app_settings())

    @router.post("/app")
    async def set_app(request: Request) -> Response:
        body = await body_of(request)
        unknown = set(body) - {"redirect_url", "lgpd_urls"}
        if unknown:
            raise invalid("body", f"unknown field(s): {', '.join(sorted(unknown))}")
        if "lgpd_urls" in body and not isinstance(body["lgpd_urls"], dict):
            raise invalid("lgpd_urls", "must be an object of event -> url")
        if "redirect_url" in body:
            sim.set_redirect_url(body["redirect_url"])
        if "lgpd_urls" in body:
            sim.set_lgpd_urls(body["lgpd_urls"])
        return JSONResponse(sim.app_settings())

    @router.get("/webhooks/behaviour")
    async def get_behaviour() -> Response:
        return JSONResponse(sim.deliveries.behaviour_dict())

    @router.post("/webhooks/behaviour")
    async def set_behaviour(request: Request) -> Response:
        """Body: duplicate, delay, reorder, reorder_mode, reorder_window, drop, seed; `"reset": true` first
        turns every switch off."""
        body = await body_of(request)
        if body.pop("reset", False):
            sim.reset_webhook_behaviour()
        try:
            return JSONResponse(sim.set_webhook_behaviour(**body))
        except ValueError as exc:
            raise invalid("behaviour", str(exc)) from None

    @router.get("/webhooks/log")
    async def delivery_log(since: int = 0) -> Response:
        return JSONResponse(sim.webhook_log(since))

    @router.post("/webhooks/wait")
    def wait_idle(timeout: float = 10.0) -> Response:  # sync: runs in the thread pool while it waits
        return JSONResponse({"idle": sim.wait_deliveries_idle(min(max(timeout, 0.0), 300.0)),
                             **sim.deliveries.stats()})

    @router.post("/{store_id}/uninstall")
    async def uninstall(store_id: str) -> Response:
        return JSONResponse({"store_id": store_id, "uninstalled": sim.uninstall_app(store_id)})

    @router.post("/{store_id}/redact")
    async def redact_store(store_id: str) -> Response:
        return JSONResponse(sim.redact_store(store_id), 202)

    @router.post("/{store_id}/customers/{customer_id}/redact")
    async def redact_customer(store_id: str, customer_id: str) -> Response:
        return JSONResponse(sim.redact_customer(customer_id, store_id), 202)

    @router.post("/{store_id}/customers/{customer_id}/data_request")
    async def data_request(request: Request, store_id: str, customer_id: str) -> Response:
        request_id = (await body_of(request)).get("data_request_id")
        if request_id is not None and (isinstance(request_id, bool) or not isinstance(request_id, int)):
            raise invalid("data_request_id", "must be an integer")
        return JSONResponse(sim.request_customer_data(customer_id, store_id, request_id), 202)

    @router.get("/{store_id}/variant-writes")
    async def variant_writes(store_id: str) -> Response:
        return JSONResponse(sim.variant_writes(store_id))

    @router.get("/{store_id}/fulfillments")
    async def fulfillments(store_id: str) -> Response:
        return JSONResponse(sim.fulfillments(store_id))

    @router.get("/{store_id}/metafields")
    async def metafields(store_id: str) -> Response:
        return JSONResponse(sim.metafields(store_id))

    @router.post("/{store_id}/orders")
    async def create_orders(request: Request, store_id: str) -> Response:
        count = (await body_of(request)).get("count", 1)
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 10_000:
            raise invalid("count", "must be an integer between 1 and 10000")
        return JSONResponse({"ids": sim.create_orders(count, store_id)}, 201)

    @router.post("/{store_id}/orders/{order_id}/pay")
    async def pay(store_id: str, order_id: str) -> Response:
        return JSONResponse(sim.pay_order(order_id, store_id=store_id))

    @router.post("/{store_id}/orders/{order_id}/cancel")
    async def cancel(request: Request, store_id: str, order_id: str) -> Response:
        body = await body_of(request)
        order = sim.cancel_order(order_id, body.get("reason") or "other", store_id=store_id,
                                 restock=bool(body.get("restock")))
        return JSONResponse(order)

    @router.post("/{store_id}/orders/{order_id}/edit")
    async def edit(request: Request, store_id: str, order_id: str) -> Response:
        changes = await body_of(request)
        return JSONResponse(sim.edit_order(order_id, changes, store_id=store_id))

    @router.post("/{store_id}/suspend")
    async def suspend(store_id: str) -> Response:
        sim.suspend(store_id)
        return JSONResponse({"store_id": store_id, "suspended": True})

    @router.post("/{store_id}/resume")
    async def resume(store_id: str) -> Response:
        sim.resume(store_id)
        return JSONResponse({"store_id": store_id, "suspended": False})

    return router

