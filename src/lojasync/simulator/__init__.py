"""A local stand-in for the Nuvemshop REST API, served over real HTTP for the demo, tests and benchmarks."""

from lojasync.simulator.app import create_app
from lojasync.simulator.clock import ManualClock
from lojasync.simulator.config import (
    DEFAULT_ACCESS_TOKEN, DEFAULT_APP_ID, DEFAULT_CLIENT_SECRET, DEFAULT_STORE_ID, SimulatorConfig,
)
from lojasync.simulator.delivery import SIGNATURE_HEADER, retry_offsets, sign
from lojasync.simulator.errors import ApiError
from lojasync.simulator.oauth import TokenError
from lojasync.simulator.orders import OrderStateError
from lojasync.simulator.server import SimulatorServer, serve
from lojasync.simulator.state import Simulator

__all__ = [
    "DEFAULT_ACCESS_TOKEN", "DEFAULT_APP_ID", "DEFAULT_CLIENT_SECRET", "DEFAULT_STORE_ID", "SIGNATURE_HEADER",
    "ApiError", "ManualClock", "OrderStateError", "Simulator", "SimulatorConfig", "SimulatorServer",
    "TokenError", "create_app", "retry_offsets", "serve", "sign",
]
