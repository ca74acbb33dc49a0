"""A local stand-in for the Nuvemshop REST API, served over real HTTP for the demo, tests and benchmarks."""

from lojasync.simulators.nuvemshop.app import create_app
from lojasync.simulators.nuvemshop.clock import ManualClock
from lojasync.simulators.nuvemshop.config import (
    DEFAULT_ACCESS_TOKEN,
    DEFAULT_APP_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_STORE_ID,
    SimulatorConfig,
)
from lojasync.simulators.nuvemshop.delivery import SIGNATURE_HEADER, retry_offsets, sign
from lojasync.simulators.nuvemshop.errors import ApiError
from lojasync.simulators.nuvemshop.oauth import TokenError
from lojasync.simulators.nuvemshop.orders import OrderStateError
from lojasync.simulators.nuvemshop.server import SimulatorServer, serve
from lojasync.simulators.nuvemshop.state import Simulator

__all__ = [
    "DEFAULT_ACCESS_TOKEN", "DEFAULT_APP_ID", "DEFAULT_CLIENT_SECRET", "DEFAULT_STORE_ID", "SIGNATURE_HEADER",
    "ApiError", "ManualClock", "OrderStateError", "Simulator", "SimulatorConfig", "SimulatorServer",
    "TokenError", "create_app", "retry_offsets", "serve", "sign",
]
