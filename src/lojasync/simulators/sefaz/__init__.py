"""A local stand-in for SEFAZ's NF-e 4.00 web services (SOAP 1.2 over real HTTP) for the demo, tests and
benchmarks: it checks documents as SEFAZ does and answers with SEFAZ's codes."""

from lojasync.simulators.sefaz.answers import APPLICATION
from lojasync.simulators.sefaz.clock import SimulatorClock
from lojasync.simulators.sefaz.config import SefazConfig
from lojasync.simulators.sefaz.server import BackgroundSefaz, run, startup_text
from lojasync.simulators.sefaz.simulator import Reply, SefazSimulator
from lojasync.simulators.sefaz.switches import Switches

__all__ = ["APPLICATION", "BackgroundSefaz", "Reply", "SefazConfig", "SefazSimulator", "SimulatorClock",
           "Switches", "run", "startup_text"]
