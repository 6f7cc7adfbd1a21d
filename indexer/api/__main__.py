"""``python -m indexer.api``: the server alone, as `styleledger serve --workers N` runs it.

Worker processes are spawned and re-import the parent's main module: this one is light, where
the `styleledger` console script would import every command's package (torch included) first.
"""

from __future__ import annotations

import argparse

from indexer.api.server import KEEP_ALIVE_S, run


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m indexer.api")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--no-access-log", dest="access_log", action="store_false")
    parser.add_argument("--keep-alive", type=float, default=KEEP_ALIVE_S)
    args = parser.parse_args()
    run(args.host, args.port, args.workers, args.log_level, args.access_log, args.keep_alive)


if __name__ == "__main__":
    main()
