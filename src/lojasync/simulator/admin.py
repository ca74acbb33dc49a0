"""Admin routes under /_simulator/: stats and store-side events (no auth, no rate limit, not counted)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from lojasync.simulator.errors import invalid
from lojasync.simulator.responses import json_body
from lojasync.simulator.state import Simulator


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

