"""``demo_wall_s``: the whole story of ``styleledger demo`` (12 mints, anvil to claims), timed.

    python -m bench.demo

Runs the demo as ``make demo`` does (its own anvil, a fresh SQLite database, the shipped model)
and records its wall time in bench/results.json.
"""

from __future__ import annotations

from bench.results import record
from indexer.demo.run import run_demo
from indexer.demo.types import DemoOptions


def main() -> None:
    result = run_demo(DemoOptions(quiet=True))
    record({"demo_wall_s": round(result.wall_s, 1)})
    print(f"demo_wall_s {result.wall_s:.1f}")


if __name__ == "__main__":
    main()
