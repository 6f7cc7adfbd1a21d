"""`styleledger serve`: the API and the page under uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from indexer.api.server import KEEP_ALIVE_S


def register(app: typer.Typer) -> None:
    """Add `serve` to the `styleledger` application."""

    @app.command()
    def serve(
        host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(min=0, max=65535, help="TCP port.")] = 8000,
        workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
        log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
        access_log: Annotated[bool, typer.Option(help="Log every request.")] = True,
        keep_alive: Annotated[
            float,
            typer.Option(
                min=1.0,
                help="Seconds an idle connection stays open; keep it above a proxy's idle timeout.",
            ),
        ] = KEEP_ALIVE_S,
    ) -> None:
        """Serve metadata, images, attribution, earnings, claims and the web page over HTTP.

        Settings come from STYLELEDGER_* (database, RPC, deployment file, data dir) and
        STYLELEDGER_API_* (public URL, preview limits).
        """
        import os
        import sys

        from indexer import console

        settings = console.settings()  # fail here, naming the variable, not in every worker
        console.check_served_deployment(settings)
        if workers == 1:
            from indexer.api.server import run

            run(host, port, workers, log_level, access_log, keep_alive)
            return
        # Spawned workers re-import the main module: make it the light `python -m indexer.api`.
        argv = [sys.executable, "-m", "indexer.api", "--host", host, "--port", str(port)]
        argv += ["--workers", str(workers), "--log-level", log_level]
        argv += [] if access_log else ["--no-access-log"]
        argv += ["--keep-alive", str(keep_alive)]
        os.execv(sys.executable, argv)
