"""How long a `lojasync` command takes to start: a person at the terminal waits for it on every command, and the
end-to-end tests start hundreds of them.

Runs each command `--runs` times in a new process (as a person types it) against a new data folder with a database
(`lojasync company show`, which opens it), and `python -X importtime` once for the terminal's modules. Prints one
JSON line, medians in milliseconds:
{"runs", "help_ms"        `lojasync --help` (the terminal's modules imported, nothing opened),
         "company_ms"     `lojasync company show` on a migrated database (a command that reads it),
         "import_ms"      lojasync.entrypoints.cli.app's cumulative import time (-X importtime),
         "danfe_loaded"   whether the DANFE's library (brazilfiscalreport) was imported by the terminal's modules}
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[1] / "src")


def _env(data_dir: str) -> dict:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")]),
            "LOJASYNC_DATA_DIR": data_dir}


def _timed(args: list[str], env: dict, runs: int) -> float:
    took = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "lojasync", *args], env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)
        took.append(time.perf_counter() - started)
    return round(statistics.median(took) * 1000)


def _import_profile(env: dict) -> tuple[int, bool]:
    probe = ("import sys, lojasync.entrypoints.cli.app; "
             "print('brazilfiscalreport' in sys.modules, file=sys.stdout)")
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", probe], env=env, capture_output=True,
                          text=True, check=True)
    cumulative = [int(m.group(1)) for m in re.finditer(r"\|\s+(\d+) \|\s*lojasync\.entrypoints\.cli\.app$",
                                                        done.stderr, re.MULTILINE)]
    return round(cumulative[-1] / 1000), done.stdout.strip() == "True"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        env = _env(data_dir)
        # A database to open: the company set once (its command migrates a new folder).
        subprocess.run([sys.executable, "-m", "lojasync", "company", "set", "--name", "Loja Benchmark Ltda",
                        "--cnpj", "11222333000181", "--ie", "110042490114", "--street", "Rua A", "--number", "10",
                        "--district", "Centro", "--city", "São Paulo", "--uf", "SP", "--zipcode", "01001000"],
                       env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        help_ms = _timed(["--help"], env, args.runs)
        company_ms = _timed(["company", "show"], env, args.runs)
        import_ms, danfe_loaded = _import_profile(env)
    print(json.dumps({"runs": args.runs, "help_ms": help_ms, "company_ms": company_ms, "import_ms": import_ms,
                      "danfe_loaded": danfe_loaded}))


if __name__ == "__main__":
    main()
