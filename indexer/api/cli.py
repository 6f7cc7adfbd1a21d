"""`styleledger serve`: the API and the page under uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add `serve` to the `styleledger` application."""

    @app.command()
    def serve(
        host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(min=0, max=65535, help="TCP port.")] = 8000,
        workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
        log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
        access_log: Annotated[bool, typer.Option(help="Log every request.")] = True,
    ) -> None:
        """Serve metadata, images, attribution, earnings, claims and the web page over HTTP.

        Settings come from STYLELEDGER_* (database, RPC, deployment file, data dir) and
        STYLELEDGER_API_* (public URL, preview limits).
        """
        import uvicorn

        from indexer.api.server import NoDelayHttpProtocol
        from indexer.config import load_settings

        load_settings()  # fail here, naming the variable, rather than in every worker
        uvicorn.run(
            "indexer.api.main:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
            access_log=access_log,
            http=NoDelayHttpProtocol,
        )
